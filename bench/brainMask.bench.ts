/**
 * Brain-mask benchmark: `computeBrainMask` (intensity bands + depth below the head surface + shape
 * checks) against the mask it replaced (Li threshold → opening → closing → hole filling, frozen below
 * as `previousBrainMask`), on real scans in canonical RAS orientation, as the pipeline calls it.
 *  1. Colin27 (template/ch2.nii.gz, 1 mm, with skull) against its brain-extracted version (ch2bet > 0):
 *     Dice, precision, recall at 1 mm and with thick slices simulated (every 5th / 6th slice, the affine
 *     scaled accordingly, as clinical T1ce often are).
 *  2. Each TCIA pair's baseline and follow-up: the fraction of the enhancing-tumour mask inside the
 *     brain mask (must be 1) and the mask's volume fraction of the field of view (scalp and neck kept
 *     show as a larger fraction). The glioma-single scans (no brain mask, with skull): volume fraction.
 * CPU time of `computeBrainMask` per scan (process.cpuUsage; wall time on the shared 2-core box is noisy).
 * Run: npx tsx bench/brainMask.bench.ts [dataDir]   (default ../shared/data next to the repository)
 * MONTAGE_DIR=dir also writes one PNG per scan there: axial slices, previous mask red, new green,
 * ch2bet blue, tumour yellow. Skips with a message when the data folder is absent.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import type { Volume } from '@anet/contracts';
import { readNiftiFile } from '@anet/nifti';
import {
  computeBrainMask,
  dropSmallIslandsPerSlice,
  fillHoles3d,
  fillHolesPerSlice,
  gridAxisMap,
  invertAxisMap,
  keepLargestComponent,
  liThreshold,
  makePhantomPair,
  morphDisc,
  resampleAxisAligned,
  toCanonical,
} from '@anet/preprocess';

type Vec3 = [number, number, number];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.argv[2] ?? join(root, '..', 'shared', 'data');
const montageDir = process.env.MONTAGE_DIR;

/** The brain mask before this change (commit 382d1ab), kept here as the baseline of the comparison. */
function previousBrainMask(
  vol: Volume,
  opts: { openingRadiusMm?: number; closingRadiusMm?: number } = {},
): Volume {
  const [X, Y, Z] = vol.dims;
  if (X >= 160 && Y >= 160) {
    const half: Vec3 = [Math.ceil(X / 2), Math.ceil(Y / 2), Z];
    const map = gridAxisMap(vol.dims, half);
    const m = previousBrainMask(resampleAxisAligned(vol, half, map), opts);
    const back = resampleAxisAligned(m, vol.dims, invertAxisMap(map));
    for (let i = 0; i < back.data.length; i++) back.data[i] = back.data[i] >= 0.5 ? 1 : 0;
    return { ...vol, data: back.data };
  }
  const dims = vol.dims;
  const sp: Vec3 = [vol.spacing[0] || 1, vol.spacing[1] || 1, vol.spacing[2] || 1];
  const cap = Math.max(1.5 * Math.max(sp[0], sp[1]), 0.06 * Math.min(dims[0] * sp[0], dims[1] * sp[1]));
  const disc = (m: Uint8Array, mm: number, op: 'erode' | 'dilate') =>
    morphDisc(m, dims, sp, Math.min(cap, mm), op);
  const t = liThreshold(vol.data);
  const fg = new Uint8Array(vol.data.length);
  for (let i = 0; i < fg.length; i++) fg[i] = vol.data[i] > t ? 1 : 0;
  const m = fg.slice();
  disc(m, opts.openingRadiusMm ?? 7, 'erode');
  if (keepLargestComponent(m, dims) === 0) {
    m.set(fg);
    keepLargestComponent(m, dims);
  } else disc(m, opts.openingRadiusMm ?? 7, 'dilate');
  disc(m, opts.closingRadiusMm ?? 5, 'dilate');
  disc(m, opts.closingRadiusMm ?? 5, 'erode');
  dropSmallIslandsPerSlice(m, dims, 0.1);
  fillHoles3d(m, dims);
  fillHolesPerSlice(m, dims);
  return { ...vol, data: Float32Array.from(m) };
}

async function canonical(path: string): Promise<Volume> {
  return toCanonical(await readNiftiFile(path)).volume;
}

/** Every `step`-th axial slice from `offset`, the affine scaled so that the voxels keep their place. */
function thickSlices(vol: Volume, step: number, offset = 0): Volume {
  const [X, Y, Z] = vol.dims;
  const nz = Math.floor((Z - 1 - offset) / step) + 1;
  const data = new Float32Array(X * Y * nz);
  for (let k = 0; k < nz; k++)
    data.set(vol.data.subarray((offset + k * step) * X * Y, (offset + k * step + 1) * X * Y), k * X * Y);
  const a = [...vol.affine];
  for (const r of [0, 1, 2]) {
    a[r * 4 + 3] += offset * a[r * 4 + 2];
    a[r * 4 + 2] *= step;
  }
  return {
    data,
    dims: [X, Y, nz],
    spacing: [vol.spacing[0], vol.spacing[1], vol.spacing[2] * step],
    affine: a,
  };
}

function overlap(mask: Volume, truth: Volume) {
  let tp = 0;
  let p = 0;
  let g = 0;
  for (let i = 0; i < mask.data.length; i++) {
    const a = mask.data[i] > 0.5;
    const b = truth.data[i] > 0.5;
    if (a) p++;
    if (b) g++;
    if (a && b) tp++;
  }
  return { dice: (2 * tp) / (p + g), precision: tp / p, recall: tp / g };
}

const fraction = (mask: Volume) => mask.data.reduce((s, x) => s + (x > 0.5 ? 1 : 0), 0) / mask.data.length;

function inside(mask: Volume, part: Volume): number {
  let n = 0;
  let k = 0;
  for (let i = 0; i < part.data.length; i++)
    if (part.data[i] > 0.5) {
      n++;
      if (mask.data[i] > 0.5) k++;
    }
  return k / n;
}

function timed(vol: Volume): { mask: Volume; cpu: number } {
  const c0 = process.cpuUsage();
  const mask = computeBrainMask(vol);
  const d = process.cpuUsage(c0);
  return { mask, cpu: (d.user + d.system) / 1e6 };
}

/** Axial slices over the head's z-range, outlines of `masks` (later colours win), anterior up. */
function montage(name: string, vol: Volume, masks: Volume[], colours: Array<[number, number, number]>) {
  if (!montageDir) return;
  const [X, Y, Z] = vol.dims;
  const sorted = Float32Array.from(vol.data).sort();
  const top = sorted[Math.floor(0.995 * sorted.length)] || 1;
  const filled = [...Array(Z).keys()].filter((z) =>
    vol.data.subarray(z * X * Y, (z + 1) * X * Y).some((x) => x > 0),
  );
  const zs = [0.06, 0.18, 0.3, 0.5, 0.72, 0.9].map((f) =>
    Math.round(filled[0] + f * (filled[filled.length - 1] - filled[0])),
  );
  const png = new PNG({ width: 3 * X, height: 2 * Y });
  zs.forEach((z, t) => {
    const ox = (t % 3) * X;
    const oy = Math.floor(t / 3) * Y;
    for (let v = 0; v < Y; v++)
      for (let x = 0; x < X; x++) {
        const y = Y - 1 - v;
        const i = x + X * (y + Y * z);
        const g = Math.max(0, Math.min(255, Math.round((255 * vol.data[i]) / top)));
        let c: [number, number, number] = [g, g, g];
        masks.forEach((m, k) => {
          const on = (j: number) => m.data[j] > 0.5;
          if (
            on(i) &&
            (x === 0 ||
              y === 0 ||
              x === X - 1 ||
              y === Y - 1 ||
              !on(i - 1) ||
              !on(i + 1) ||
              !on(i - X) ||
              !on(i + X))
          )
            c = colours[k];
        });
        const o = 4 * ((oy + v) * 3 * X + ox + x);
        png.data[o] = c[0];
        png.data[o + 1] = c[1];
        png.data[o + 2] = c[2];
        png.data[o + 3] = 255;
      }
  });
  mkdirSync(montageDir, { recursive: true });
  writeFileSync(join(montageDir, `brainmask-${name}.png`), PNG.sync.write(png));
}

const RED: [number, number, number] = [255, 40, 40];
const GREEN: [number, number, number] = [40, 255, 40];
const BLUE: [number, number, number] = [60, 120, 255];
const YELLOW: [number, number, number] = [255, 255, 0];
const f3 = (x: number) => x.toFixed(3);

if (!existsSync(dataDir)) {
  console.log(
    `brainMask bench: ${dataDir} is absent, nothing to measure (pass the shared data folder as argument)`,
  );
  process.exit(0);
}
console.log(
  `brainMask bench — data ${dataDir}; node ${process.version}, ${cpus()[0]?.model ?? '?'} ×${cpus().length}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// Warm-up (JIT) so that the first CPU time is not the compiler's.
computeBrainMask(makePhantomPair({ seed: 1, dims: [96, 96, 24], spacing: [1, 1, 5] }).baseline);

// 1. Colin27 against ch2bet.
const ch2 = join(dataDir, 'template', 'ch2.nii.gz');
const ch2bet = join(dataDir, 'template', 'ch2bet.nii.gz');
if (existsSync(ch2) && existsSync(ch2bet)) {
  const head = await canonical(ch2);
  const bet = await canonical(ch2bet);
  const truth: Volume = { ...bet, data: bet.data.map((x) => (x > 0 ? 1 : 0)) };
  console.log(
    '\nColin27 vs ch2bet > 0          previous: Dice  prec  recall |   new: Dice  prec  recall | new CPU s',
  );
  for (const [label, step, offset] of [
    ['1 mm (181×217×181)', 1, 0],
    ['every 5th slice (5 mm)', 5, 0],
    ['every 6th slice (6 mm)', 6, 3],
  ] as const) {
    const vol = step === 1 ? head : thickSlices(head, step, offset);
    const t = step === 1 ? truth : thickSlices(truth, step, offset);
    const old = previousBrainMask(vol);
    const { mask, cpu } = timed(vol);
    const a = overlap(old, t);
    const b = overlap(mask, t);
    console.log(
      `  ${label.padEnd(28)} ${f3(a.dice)} ${f3(a.precision)} ${f3(a.recall)}   |   ${f3(b.dice)} ${f3(b.precision)} ${f3(b.recall)}  | ${cpu.toFixed(2)}`,
    );
    montage(`colin27-${step}mm`, vol, [old, mask, t], [RED, GREEN, BLUE]);
  }
} else console.log('\nColin27: template/ch2.nii.gz or ch2bet.nii.gz absent, skipped');

// 2. TCIA pairs: tumour inside the mask, mask volume fraction.
const tcia = join(dataDir, 'tcia-pairs');
if (existsSync(tcia)) {
  console.log(
    '\nTCIA scan (256×256×24)   tumour inside: previous   new | volume fraction: previous   new | new CPU s',
  );
  let worst = 1;
  for (const pair of ['01', '02', '03', '05'])
    for (const tp of ['baseline', 'followup']) {
      const scan = join(tcia, pair, `${tp}.nii.gz`);
      const tum = join(tcia, pair, `${tp}_mask.nii.gz`);
      if (!existsSync(scan) || !existsSync(tum)) continue;
      const vol = await canonical(scan);
      const tumour = await canonical(tum);
      const old = previousBrainMask(vol);
      const { mask, cpu } = timed(vol);
      const tin = inside(mask, tumour);
      worst = Math.min(worst, tin);
      console.log(
        `  ${`${pair} ${tp}`.padEnd(22)} ${inside(old, tumour).toFixed(4).padStart(19)} ${tin.toFixed(4)} | ${f3(fraction(old)).padStart(25)} ${f3(fraction(mask))} | ${cpu.toFixed(2)}`,
      );
      montage(`tcia${pair}-${tp}`, vol, [old, mask, tumour], [RED, GREEN, YELLOW]);
    }
  console.log(`  worst tumour fraction inside the new mask: ${worst.toFixed(4)} (target 1)`);
} else console.log('\nTCIA pairs absent, skipped');

// 3. glioma-single scans with skull: volume fraction only.
for (const [name, rel] of [
  ['TCGA-02-0003 (0.78×0.78×6.5 mm)', 'glioma-single/tcga-02-0003/t1ce.nii.gz'],
  ['TCGA-FG-6692 native (0.9×0.9×5.5 mm)', 'glioma-single/tcga-fg-6692/t1ce_native.nii.gz'],
] as const) {
  const path = join(dataDir, rel);
  if (!existsSync(path)) continue;
  const vol = await canonical(path);
  const old = previousBrainMask(vol);
  const { mask, cpu } = timed(vol);
  console.log(
    `${name}: volume fraction previous ${f3(fraction(old))}, new ${f3(fraction(mask))}, new CPU ${cpu.toFixed(2)} s`,
  );
  montage(name.split(' ')[0].toLowerCase(), vol, [old, mask], [RED, GREEN]);
}
