// `npm run demo` on a fresh clone: install if needed, then analyse the bundled TCIA pair
// (PGBM-012, CC BY 3.0 — fixtures/tcia-pgbm-012/LICENSE.md) end to end in this process, no servers.
// Extra arguments pass through to `anet analyze` (e.g. `npm run demo -- --profile smoke`).
import { join } from 'node:path';
import { bootstrap, root, run } from './bootstrap.mjs';

bootstrap();
const pair = join(root, 'fixtures', 'tcia-pgbm-012');
run(process.execPath, [
  join(root, 'apps', 'cli', 'bin', 'anet.js'),
  'analyze',
  '--baseline', join(pair, 'baseline.nii.gz'),
  '--followup', join(pair, 'followup.nii.gz'),
  '--baseline-mask', join(pair, 'baseline_mask.nii.gz'),
  '--profile', 'cpu',
  '--out', join(root, 'anet-demo'),
  '--force', // replaces the previous demo result (anet only ever replaces folders it made)
  ...process.argv.slice(2),
]);
