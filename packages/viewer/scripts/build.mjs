// Bundles the browser viewer (src/browser) into dist/: one script with NiiVue inside and one style
// sheet, served by the API and by `anet view DIR` — no CDN, so it works in a closed hospital network.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const t0 = Date.now();
await build({
  absWorkingDir: root,
  // main.ts imports viewer.css, so esbuild writes dist/viewer.css beside dist/viewer.js.
  entryPoints: { viewer: 'src/browser/main.ts' },
  outdir: 'dist',
  entryNames: '[name]',
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari16'],
  legalComments: 'linked',
  logLevel: 'warning',
});
console.log(`@anet/viewer: dist/viewer.js + dist/viewer.css in ${Date.now() - t0} ms`);
