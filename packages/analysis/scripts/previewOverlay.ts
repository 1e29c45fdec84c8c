/**
 * Dev tool: renders the overlays on a real pair with a synthetic map (follow-up − baseline, each scaled
 * to [0, 1] by its 99.5th percentile, box-smoothed in-plane) to check readability by eye.
 *   npx tsx packages/analysis/scripts/previewOverlay.ts ../shared/data/tcia-pairs/01 /tmp/overlay
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti } from '@anet/nifti';
import type { Volume } from '@anet/contracts';
import { analyseMap, renderOverlayMontage, renderSliceOverlays } from '../src/index';
import { intensityWindow } from '../src/render/intensityWindow';

const [dir = '../shared/data/tcia-pairs/01', out = '/tmp/overlay'] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const load = (n: string): Volume => readNifti(readFileSync(join(dir, n)));
const baseline = load('baseline.nii.gz');
const followup = load('followup.nii.gz');
const mask = load('baseline_mask.nii.gz');
const scaled = (v: Volume) => {
  const hi = intensityWindow(v.data)[1];
  return Float32Array.from(v.data, (x) => Math.min(1.2, x / hi));
};
const a = scaled(baseline);
const b = scaled(followup);
const [X, Y, Z] = baseline.dims;
const diff = new Float32Array(a.length);
const r = 2;
for (let z = 0; z < Z; z++)
  for (let y = 0; y < Y; y++)
    for (let x = 0; x < X; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= X || yy >= Y) continue;
          const i = xx + X * (yy + Y * z);
          s += b[i] - a[i];
          n++;
        }
      diff[x + X * (y + Y * z)] = s / n;
    }
const map: Volume = { ...baseline, data: diff };
const t0 = performance.now();
const res = analyseMap(map, { baselineTumourMask: mask });
console.log('analyse ms', (performance.now() - t0).toFixed(0), res.change, res.modifiedRano);
const lines = [
  `CHANGE ${res.change.ml.toFixed(2)} ML (GROWTH ${res.change.growthMl.toFixed(2)}, REDUCTION ${res.change.reductionMl.toFixed(2)})`,
  `MODIFIED RANO (STRACK 2023): ${res.modifiedRano.class} (${res.modifiedRano.percentChange?.toFixed(1)} %)`,
];
const t1 = performance.now();
const reference = mask;
const referenceLabel = 'BASELINE TUMOUR MASK';
const input = { followup, baseline, ternary: res.ternary, map, lines, reference, referenceLabel };
writeFileSync(join(out, 'overlay.png'), renderOverlayMontage(input));
const per = renderSliceOverlays(input);
for (const p of per) writeFileSync(join(out, p.name), p.png);
console.log('render ms', (performance.now() - t1).toFixed(0), per.length, 'slice PNGs');
console.log('affine', baseline.affine.map((v) => v.toFixed(2)).join(' '), baseline.spacing);
