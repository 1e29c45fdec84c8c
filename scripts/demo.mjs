// `npm run demo` on a fresh clone: install if needed, then a smoke run of the CLI.
// (The lead replaces the smoke with `anet analyze` on a bundled pair.)
import { join } from 'node:path';
import { bootstrap, root, run } from './bootstrap.mjs';

bootstrap();
run(process.execPath, [join(root, 'apps', 'cli', 'bin', 'anet.js'), '--help']);
