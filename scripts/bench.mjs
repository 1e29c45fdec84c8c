// `npm run bench [-- NAME…]`: runs bench/<name>.bench.ts one after another (all of them by default).
// Each prints its figures beside their targets; bench/RESULTS.md records what was measured and when.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap, root, run } from './bootstrap.mjs';

bootstrap();
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();
if (benches.length === 0) {
  console.error(`no bench matches ${wanted.join(', ')}`);
  process.exit(2);
}
for (const name of benches) {
  console.log(`\n=== bench/${name}.bench.ts (${new Date().toISOString()}) ===`);
  run(process.execPath, ['--import', 'tsx', join(root, 'bench', `${name}.bench.ts`)]);
}
