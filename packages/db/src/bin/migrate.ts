// `npm run db:migrate`: create $DATABASE_URL's database if missing, then apply prisma/migrations to it.
import { AnetError } from '@anet/contracts';
import { ensureDatabase } from '../ensureDatabase';
import { runMigrations } from '../runMigrations';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/anet)');
  process.exit(1);
}
try {
  if (await ensureDatabase(databaseUrl))
    console.log(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
  const { applied, alreadyApplied } = await runMigrations(databaseUrl, { log: (l) => console.log(l) });
  console.log(`migrations: ${applied.length} applied, ${alreadyApplied.length} already applied`);
} catch (err) {
  const e = AnetError.from(err);
  console.error(`${e.code}: ${e.message}`);
  process.exit(1);
}
