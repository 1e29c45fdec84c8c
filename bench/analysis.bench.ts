/**
 * Analysis benchmarks (issue 5):
 *  1. analyseMap (ternary + 26-connected components + volumes + classes) on a 256×256×128 map — target ≤ 0.3 s —
 *     beside the same steps with scipy.ndimage.label in Debian's python (same volume, same process tree).
 *  2. On the real TCIA pairs (if /work/shared/data is present): the two reference baselines with the evaluation
 *     protocol — rigid registration (registerRigid: elastix in WebAssembly, MI, 6 DOF) + intensity subtraction, and subtraction without
 *     registration — and bench/registered-pair01.png showing one registered pair with its ground truth.
 *   npx tsx bench/analysis.bench.ts [--no-pairs] [--pairs=01,05]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Volume } from '@anet/contracts';
import { readNifti } from '@anet/nifti';
import { registerRigid, resampleWorld } from '@anet/preprocess';
import {
  analyseMap,
  evaluatePair,
  formatCohortTable,
  pairScores,
  pooledAuc,
  renderOverlayMontage,
  renderRocCurve,
  type PairEvaluation,
} from '@anet/analysis';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A map like the model's: smooth low-amplitude noise (some specks cross ±0.15) plus a growing and a shrinking lesion. */
function syntheticMap(dims: [number, number, number]): Volume {
  const [X, Y, Z] = dims;
  const r = lcg(42);
  // coarse random field (every 8 voxels), trilinearly upsampled → smooth noise
  const cx = X / 8 + 2;
  const cy = Y / 8 + 2;
  const cz = Z / 8 + 2;
  const coarse = Float32Array.from({ length: cx * cy * cz }, () => (r() - 0.5) * 0.36);
  const data = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const fx = x / 8;
        const fy = y / 8;
        const fz = z / 8;
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const z0 = Math.floor(fz);
        const ax = fx - x0;
        const ay = fy - y0;
        const az = fz - z0;
        let v = 0;
        for (let k = 0; k < 8; k++) {
          const dx = k & 1;
          const dy = (k >> 1) & 1;
          const dz = (k >> 2) & 1;
          v +=
            coarse[x0 + dx + cx * (y0 + dy + cy * (z0 + dz))] *
            (dx ? ax : 1 - ax) *
            (dy ? ay : 1 - ay) *
            (dz ? az : 1 - az);
        }
        const g = Math.hypot(x - 100, y - 120, (z - 64) * 2) < 14 ? 0.6 : 0;
        const s = Math.hypot(x - 160, y - 140, (z - 70) * 2) < 10 ? -0.5 : 0;
        data[x + X * (y + Y * z)] = v + g + s + (r() - 0.5) * 0.04;
      }
  return {
    data,
    dims,
    spacing: [0.9, 0.9, 1.2],
    affine: [0.9, 0, 0, 0, 0, 0.9, 0, 0, 0, 0, 1.2, 0, 0, 0, 0, 1],
  };
}

const SCIPY = `
import sys, time, json, numpy as np
from scipy import ndimage
X, Y, Z = 256, 256, 128
m = np.fromfile(sys.argv[1], dtype=np.float32).reshape(Z, Y, X)
def run():
    t = np.zeros(m.shape, np.int8)
    t[m > 0.15] = 1; t[m < -0.15] = -1
    t[:, :10, :] = 0; t[:, -10:, :] = 0; t[:, :, :10] = 0; t[:, :, -10:] = 0
    s = np.ones((3, 3, 3), bool)
    for sign in (1, -1):
        lab, n = ndimage.label(t == sign, structure=s)
        sizes = np.bincount(lab.ravel())
        small = sizes <= 30; small[0] = False
        t[small[lab]] = 0
    g = int((t == 1).sum()); r = int((t == -1).sum())
    return g, r
times = []
for _ in range(5):
    t0 = time.perf_counter(); g, r = run(); times.append(time.perf_counter() - t0)
print(json.dumps({"ms": sorted(times)[2] * 1000, "growth": g, "reduction": r}))
`;

function benchAnalysis(): string[] {
  const dims: [number, number, number] = [256, 256, 128];
  const map = syntheticMap(dims);
  const times: number[] = [];
  let res = analyseMap(map, { baselineVolumeMl: 10 });
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    res = analyseMap(map, { baselineVolumeMl: 10 });
    times.push(performance.now() - t0);
  }
  const ours = median(times);
  const out = [
    `analyseMap 256x256x128 (ternary + 26-conn components + volumes + classes): ${ours.toFixed(0)} ms median of 5 (target <= 300 ms)`,
    `  growth ${res.change.growthVoxels} vox, reduction ${res.change.reductionVoxels} vox, components kept ${res.components.kept}, removed ${res.components.removed}`,
  ];
  const zero = { ...map, data: new Float32Array(map.data.length) };
  const zt: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    analyseMap(zero);
    zt.push(performance.now() - t0);
  }
  out.push(`analyseMap on an all-zero 256x256x128 map: ${median(zt).toFixed(0)} ms median of 5`);
  const raw = '/tmp/anet-bench-map.f32';
  const py = '/tmp/anet-bench-label.py';
  writeFileSync(raw, new Uint8Array(map.data.buffer));
  writeFileSync(py, SCIPY);
  try {
    const s = JSON.parse(execFileSync('/usr/bin/python3', [py, raw], { encoding: 'utf8' })) as {
      ms: number;
      growth: number;
      reduction: number;
    };
    const same = s.growth === res.change.growthVoxels && s.reduction === res.change.reductionVoxels;
    out.push(
      `scipy.ndimage.label (same steps, same volume): ${s.ms.toFixed(0)} ms median of 5 -> ratio anet/scipy = ${(ours / s.ms).toFixed(2)}; results ${same ? 'identical' : `DIFFER (scipy growth ${s.growth}, reduction ${s.reduction})`}`,
    );
  } catch (e) {
    out.push(`scipy comparison unavailable: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    unlinkSync(raw);
  }
  return out;
}

const DATA = '/work/shared/data/tcia-pairs';

function robustScaled(v: Volume): Float32Array {
  const nz = Float32Array.from(v.data.filter((x) => x > 0)).sort();
  const hi = nz.length ? nz[Math.floor(0.99 * (nz.length - 1))] : 1;
  return Float32Array.from(v.data, (x) => x / hi);
}

async function benchPairs(): Promise<string[]> {
  if (!existsSync(DATA)) return ['real pairs: /work/shared/data not present, skipped'];
  const load = (p: string, n: string): Volume => readNifti(readFileSync(join(DATA, p, n)));
  const registeredRows: Array<{ name: string; evaluation: PairEvaluation }> = [];
  const rawRows: Array<{ name: string; evaluation: PairEvaluation }> = [];
  const unregGtRows: Array<{ name: string; evaluation: PairEvaluation }> = [];
  type Part = { scores: Float32Array; labels: Uint8Array };
  const pooled = {
    reg: { growth: [] as Part[], reduction: [] as Part[] },
    raw: { growth: [] as Part[], reduction: [] as Part[] },
  };
  const out: string[] = [];
  const only = process.argv
    .find((a) => a.startsWith('--pairs='))
    ?.slice('--pairs='.length)
    .split(',');
  for (const pair of only ?? ['01', '02', '03', '05']) {
    const baseline = load(pair, 'baseline.nii.gz');
    const followup = load(pair, 'followup.nii.gz');
    const baselineMask = load(pair, 'baseline_mask.nii.gz');
    const followupMask = load(pair, 'followup_mask.nii.gz');
    const t0 = performance.now();
    const transform = await registerRigid(baseline, followup);
    const registered = resampleWorld(followup, baseline, { worldTransform: transform.matrix });
    const carried = resampleWorld(followupMask, baseline, {
      worldTransform: transform.matrix,
      interpolation: 'nearest',
    });
    const regMs = performance.now() - t0;
    const b = robustScaled(baseline);
    const regDiff = robustScaled(registered).map((v, i) => v - b[i]);
    const rawDiff = robustScaled(followup).map((v, i) => v - b[i]);
    const evalOf = (data: Float32Array) =>
      evaluatePair({
        map: { ...baseline, data },
        baselineMask,
        followupMaskInBaseline: carried,
        followupMask,
      });
    registeredRows.push({ name: pair, evaluation: evalOf(regDiff) });
    // same ground truth (registered follow-up mask); only the score skips the registration
    rawRows.push({ name: pair, evaluation: evalOf(rawDiff) });
    // the unregistered ground truth too, to show what skipping registration in the protocol does
    unregGtRows.push({
      name: pair,
      evaluation: evaluatePair({
        map: { ...baseline, data: rawDiff },
        baselineMask,
        followupMaskInBaseline: { ...baseline, data: followupMask.data },
        followupMask,
      }),
    });
    for (const [key, data] of [
      ['reg', regDiff],
      ['raw', rawDiff],
    ] as const) {
      const sc = pairScores({ ...baseline, data }, baselineMask, carried);
      pooled[key].growth.push(sc.growth);
      pooled[key].reduction.push(sc.reduction);
    }
    out.push(
      `pair ${pair}: registration + mask carry ${(regMs / 1000).toFixed(1)} s, rotation ${transform.rotationDeg.map((p) => p.toFixed(2)).join('/')}°, translation ${transform.translationMm.map((p) => p.toFixed(2)).join('/')} mm`,
    );
    if (pair === '01') {
      const gt = Float32Array.from(
        carried.data,
        (v, i) => (v > 0.5 ? 1 : 0) - (baselineMask.data[i] > 0.5 ? 1 : 0),
      );
      writeFileSync(
        'bench/registered-pair01.png',
        renderOverlayMontage({
          baseline,
          followup: registered,
          ternary: { ...baseline, data: gt },
          title: 'PAIR 01 (TCIA PGBM-002): FOLLOW-UP RIGIDLY REGISTERED TO BASELINE (ELASTIX, MI, 6 DOF)',
          lines: [
            'COLOURS: GROUND TRUTH GT = MASK(T2, CARRIED BY NEAREST NEIGHBOUR) - MASK(T1)',
            'ORANGE: GT = +1 (NEW ENHANCEMENT), BLUE: GT = -1 (ENHANCEMENT GONE). FOR EVALUATION ONLY.',
          ],
          maxSlices: 8,
        }),
      );
      writeFileSync(
        'bench/roc-subtraction-pair01.png',
        renderRocCurve(
          [
            { label: 'GROWTH (REG + SUBTRACTION)', ...registeredRows[0].evaluation.roc.growth },
            { label: 'REDUCTION (REG + SUBTRACTION)', ...registeredRows[0].evaluation.roc.reduction },
          ],
          { title: 'PAIR 01: SUBTRACTION BASELINE ROC' },
        ),
      );
    }
  }
  const pooledLine = (p: { growth: Part[]; reduction: Part[] }) => {
    const auc = (parts: Part[]) => pooledAuc(parts).toFixed(3);
    return `pooled over all voxels of all pairs: AUC_growth=${auc(p.growth)} AUC_reduction=${auc(p.reduction)} AUC_micro=${auc([...p.growth, ...p.reduction])}`;
  };
  out.push(
    '',
    'Baseline A: rigid registration (elastix, MI) + intensity subtraction',
    formatCohortTable(registeredRows),
  );
  out.push(pooledLine(pooled.reg));
  out.push(
    '',
    'Baseline B: intensity subtraction without registration (ground truth: registered masks)',
    formatCohortTable(rawRows),
  );
  out.push(pooledLine(pooled.raw));
  out.push(
    '',
    'Baseline B with the unregistered follow-up mask as ground truth (not the protocol)',
    formatCohortTable(unregGtRows),
  );
  return out;
}

const lines = [
  `# analysis bench — ${new Date().toISOString()} — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`,
];
lines.push(...benchAnalysis());
if (!process.argv.includes('--no-pairs')) lines.push('', ...(await benchPairs()));
console.log(lines.join('\n'));
