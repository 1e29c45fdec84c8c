/**
 * How the change is counted (not the map): modified-RANO class per dev pair for several counting
 * settings, on the aligned subtraction map, one registration per pair. Dev data only; prints a table.
 *   npx tsx bench/countingSweep.ts [cohortDir]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readNiftiFile } from '@anet/nifti';
import { analyseMap, maskVoxels, voxelVolumeMl, classifyRano } from '@anet/analysis';
import {
  checkMask,
  fromCanonical,
  harmonisedDifference,
  harmonisedScans,
  preprocessPair,
  registerRigid,
} from '@anet/preprocess';
import { MODIFIED_RANO_THRESHOLDS, type AnalysisConfigInput, type Volume } from '@anet/contracts';

const dir = process.argv[2] ?? join(import.meta.dirname, '../../shared/data/tcia-pairs');
if (!existsSync(dir)) {
  console.log(`counting sweep: ${dir} not present, skipped`);
  process.exit(0);
}
const settings: Record<string, Partial<AnalysisConfigInput>> = {
  everywhere: {},
  enhancing: { countOnlyEnhancing: true },
  brain3: { brainMarginMm: 3 },
  'enh+brain3': { countOnlyEnhancing: true, brainMarginMm: 3 },
  lesion15: { lesionMarginMm: 15 },
  'enh+lesion15': { countOnlyEnhancing: true, lesionMarginMm: 15 },
  ratio15: { volumeEstimate: 'enhancing-ratio', lesionMarginMm: 15 },
};
const rows: string[] = [];
const right: Record<string, number> = {};
for (const [name, swap] of [
  ['01', false],
  ['02', false],
  ['03', false],
  ['05', false],
  ['05', true],
] as const) {
  const read = (f: string) => readNiftiFile(join(dir, name, f));
  let [b, f, bm, fm] = await Promise.all([
    read('baseline.nii.gz'),
    read('followup.nii.gz'),
    read('baseline_mask.nii.gz'),
    read('followup_mask.nii.gz'),
  ]);
  if (swap) [b, f, bm, fm] = [f, b, fm, bm];
  const t = await registerRigid(b, f);
  const pp = preprocessPair(b, f, { grid: [64, 64, 32], alignment: t.matrix });
  const stored = (v: Volume) => fromCanonical(v, pp.record.baseline.reorientation, b.affine);
  const h = harmonisedScans(pp);
  const map = stored(harmonisedDifference(h, { smoothMm: 0, enhancementQuantile: 0 }));
  const brain = stored(h.brain);
  const tumour = checkMask(bm, b, { part: 'baselineMask', kind: 'tumour' });
  const bMl = maskVoxels(bm) * voxelVolumeMl(bm.spacing);
  const fMl = maskVoxels(fm) * voxelVolumeMl(fm.spacing);
  const truth = classifyRano(
    { baselineMl: bMl, changeMl: fMl - bMl, growthMl: Math.max(0, fMl - bMl) },
    MODIFIED_RANO_THRESHOLDS,
    'modified-rano-strack-2023',
    0.1,
  );
  const cells = [`${name}${swap ? '-swapped' : ''}`, `${truth.class} ${truth.percentChange!.toFixed(0)}%`];
  for (const [s, cfg] of Object.entries(settings)) {
    const a = analyseMap(map, {
      config: cfg,
      baselineTumourMask: tumour,
      regionMask: brain,
      scans: { baseline: stored(h.baseline), followup: stored(h.followup) },
    });
    const ok = a.modifiedRano.class === truth.class;
    right[s] = (right[s] ?? 0) + (ok ? 1 : 0);
    cells.push(
      `${a.modifiedRano.class.slice(0, 4)} ${a.modifiedRano.percentChange!.toFixed(0)}%${ok ? ' ✓' : ''}`,
    );
  }
  rows.push(cells.join(' | '));
  console.error(cells.join(' | '));
}
console.log(['pair', 'truth', ...Object.keys(settings)].join(' | '));
for (const r of rows) console.log(r);
console.log(['right of 5', '', ...Object.keys(settings).map((s) => String(right[s]))].join(' | '));
