// `npm test` on a fresh clone: install if needed, generate the Prisma client, make sure Postgres
// and Redis answer (scripts/services.sh), then `vitest run` with any extra arguments.
// (The tests start their own s3rver; see scripts/test.globalSetup.ts.)
import { join } from 'node:path';
import { bootstrap, root, run } from './bootstrap.mjs';

bootstrap();
if (process.env.ANET_SKIP_SERVICES !== '1')
  run('bash', [join(root, 'scripts', 'services.sh'), 'up', 'postgres', 'redis']);
run(join(root, 'node_modules', '.bin', 'vitest'), ['run', ...process.argv.slice(2)]);
