// `npm run db:migrate`: apply prisma/migrations to $DATABASE_URL.
import { AnetError } from '@anet/contracts';
import { runMigrations } from '../runMigrations';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/anet)');
  process.exit(1);
}
try {
  const { applied, alreadyApplied } = await runMigrations(databaseUrl, { log: (l) => console.log(l) });
  console.log(`migrations: ${applied.length} applied, ${alreadyApplied.length} already applied`);
} catch (err) {
  const e = AnetError.from(err);
  console.error(`${e.code}: ${e.message}`);
  process.exit(1);
}
