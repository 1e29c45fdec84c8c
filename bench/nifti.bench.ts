/**
 * NIfTI benchmarks (issue 3): read + decode and write of a 256×256×128 float32 .nii.gz (targets 0.3 s / 0.5 s),
 * the streaming upload validator on the same file, and nibabel (Debian's /usr/bin/python3) loading and saving
 * the same file in the same run, as ratios. Median of 5 each; timings on a shared 2-core box are noisy.
 * Run: npx tsx bench/nifti.bench.ts [source.nii.gz]
 * The volume is the Colin27 T1 template (/work/shared/data/template/ch2.nii.gz) scaled to float MRI-like values
 * with mild noise inside the head, zero outside, cropped/padded to 256×256×128; synthetic if that is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Volume } from '@anet/contracts';
import { createNiftiValidator, readNifti, readNiftiFile, writeNifti, writeNiftiAsync } from '@anet/nifti';

const DIMS: [number, number, number] = [256, 256, 128];
const source = process.argv[2] ?? '/work/shared/data/template/ch2.nii.gz';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fastest = (xs: number[]) => Math.min(...xs);
const PYTHON = '/usr/bin/python3';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function benchVolume(): { vol: Volume; origin: string } {
  const [X, Y, Z] = DIMS;
  const data = new Float32Array(X * Y * Z);
  const rnd = lcg(7);
  const noise = () => (rnd() + rnd() + rnd() - 1.5) * 2; // ~N(0, 1), cheap
  if (existsSync(source)) {
    const src = readNifti(readFileSync(source));
    const [sx, sy, sz] = src.dims;
    const oz = Math.max(0, Math.floor((sz - Z) / 2));
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const xs = x - ((X - sx) >> 1);
          const ys = y - ((Y - sy) >> 1);
          const zs = z + oz;
          if (xs < 0 || ys < 0 || xs >= sx || ys >= sy || zs >= sz) continue;
          const v = src.data[xs + sx * (ys + sy * zs)];
          if (v > 0) data[x + X * (y + Y * z)] = v * 3.7 + noise();
        }
    return {
      vol: {
        data,
        dims: DIMS,
        spacing: [1, 1, 1],
        affine: [1, 0, 0, -128, 0, 1, 0, -128, 0, 0, 1, -64, 0, 0, 0, 1],
      },
      origin: source,
    };
  }
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const r = Math.hypot((x - X / 2) / 100, (y - Y / 2) / 120, (z - Z / 2) / 60);
        if (r < 1) data[x + X * (y + Y * z)] = 400 + 300 * Math.sin(x / 9) * Math.cos(y / 7) + noise() * 10;
      }
  return {
    vol: {
      data,
      dims: DIMS,
      spacing: [1, 1, 1],
      affine: [1, 0, 0, -128, 0, 1, 0, -128, 0, 0, 1, -64, 0, 0, 0, 1],
    },
    origin: 'synthetic ellipsoid',
  };
}

const { vol, origin } = benchVolume();
const dir = mkdtempSync(join(tmpdir(), 'anet-nifti-bench-'));
const path = join(dir, 'bench.nii.gz');
const runs = 7;

/** Wall seconds and CPU seconds (user+system, this process incl. zlib threads) of one call. */
async function timed(fn: () => unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const writeTimes: number[] = [];
const writeCpu: number[] = [];
let bytes: Uint8Array = new Uint8Array(0);
for (let r = 0; r < runs; r++) {
  const t = await timed(() => (bytes = writeNifti(vol, { datatype: 'float32' })));
  writeTimes.push(t.wall);
  writeCpu.push(t.cpu);
}
writeFileSync(path, bytes);

const readTimes: number[] = [];
const readCpu: number[] = [];
for (let r = 0; r < runs; r++) {
  let back: Volume | undefined;
  const t = await timed(async () => (back = await readNiftiFile(path)));
  readTimes.push(t.wall);
  readCpu.push(t.cpu);
  if (back?.data[123456] !== vol.data[123456]) throw new Error('read-back mismatch');
}

const asyncWriteTimes: number[] = [];
const asyncWriteCpu: number[] = [];
for (let r = 0; r < runs; r++) {
  const t = await timed(() => writeNiftiAsync(vol, { datatype: 'float32' }));
  asyncWriteTimes.push(t.wall);
  asyncWriteCpu.push(t.cpu);
}

const syncTimes: number[] = [];
const syncCpu: number[] = [];
for (let r = 0; r < runs; r++) {
  const file = readFileSync(path);
  const t = await timed(() => readNifti(file));
  syncTimes.push(t.wall);
  syncCpu.push(t.cpu);
}

const validateTimes: number[] = [];
const validateCpu: number[] = [];
for (let r = 0; r < runs; r++) {
  const t = await timed(async () => {
    const v = createNiftiValidator();
    for (let off = 0; off < bytes.length; off += 65536) await v.push(bytes.subarray(off, off + 65536));
    await v.finish();
  });
  validateTimes.push(t.wall);
  validateCpu.push(t.cpu);
}

// nibabel: load (get_fdata float32) and save (.nii.gz, its default compression) of the same file.
const py = spawnSync(
  PYTHON,
  [
    '-c',
    `
import json, sys, time, numpy as np, nibabel as nib
p = sys.argv[1]; out = sys.argv[2]
load, save, loadCpu, saveCpu = [], [], [], []
for _ in range(${runs}):
    t = time.perf_counter(); c = time.process_time(); img = nib.load(p); a = img.get_fdata(dtype=np.float32)
    load.append(time.perf_counter() - t); loadCpu.append(time.process_time() - c)
for _ in range(${runs}):
    t = time.perf_counter(); c = time.process_time(); nib.save(nib.Nifti1Image(a, img.affine, img.header), out)
    save.append(time.perf_counter() - t); saveCpu.append(time.process_time() - c)
med = lambda xs: sorted(xs)[len(xs)//2]
print(json.dumps({'load': med(load), 'save': med(save), 'loadMin': min(load), 'saveMin': min(save),
  'loadCpu': med(loadCpu), 'saveCpu': med(saveCpu), 'nibabel': nib.__version__}))
`,
    path,
    join(dir, 'nib.nii.gz'),
  ],
  { encoding: 'utf8' },
);
const nib =
  py.status === 0
    ? (JSON.parse(py.stdout) as {
        load: number;
        save: number;
        loadMin: number;
        saveMin: number;
        loadCpu: number;
        saveCpu: number;
        nibabel: string;
      })
    : undefined;
rmSync(dir, { recursive: true, force: true });

const tRead = median(readTimes);
const tWrite = median(writeTimes);
const tValidate = median(validateTimes);
const line = (name: string, t: number, best: number, cpu: number, target?: number, base?: number) =>
  console.log(
    `${name.padEnd(48)} ${t.toFixed(3)} s (fastest ${best.toFixed(3)} s, CPU ${cpu.toFixed(3)} s)` +
      (target ? `   target ≤ ${target} s ${t <= target ? 'OK' : 'MISSED'}` : '') +
      (base ? `   nibabel ${base.toFixed(3)} s → ratio ours/nibabel ${(t / base).toFixed(2)}` : ''),
  );
console.log(
  `volume ${DIMS.join('×')} float32 from ${origin}; .nii.gz ${(bytes.length / 2 ** 20).toFixed(1)} MiB (raw ${((vol.data.length * 4) / 2 ** 20).toFixed(0)} MiB); node ${process.version}, ${cpus()[0]?.model ?? '?'} ×${cpus().length}; median (and fastest) of ${runs}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
line(
  'read + decode (readNiftiFile, async inflate)',
  tRead,
  fastest(readTimes),
  median(readCpu),
  0.3,
  nib?.load,
);
line(
  'read + decode (readNifti on bytes, sync inflate)',
  median(syncTimes),
  fastest(syncTimes),
  median(syncCpu),
  0.3,
);
line(
  'write (writeNifti float32, gzip level 1, Z_RLE)',
  tWrite,
  fastest(writeTimes),
  median(writeCpu),
  0.5,
  nib?.save,
);
line(
  'write (writeNiftiAsync / writeNiftiFile, thread pool)',
  median(asyncWriteTimes),
  fastest(asyncWriteTimes),
  median(asyncWriteCpu),
  0.5,
);
line('streaming validation (64 KiB pushes)', tValidate, fastest(validateTimes), median(validateCpu));
if (!nib) console.log(`nibabel baseline skipped: ${PYTHON} failed: ${py.stderr.trim().split('\n').pop()}`);
else
  console.log(
    `nibabel ${nib.nibabel} (${PYTHON}): load fastest ${nib.loadMin.toFixed(3)} s (CPU ${nib.loadCpu.toFixed(3)} s, ratio ours/nibabel ${(median(readCpu) / nib.loadCpu).toFixed(2)}), save fastest ${nib.saveMin.toFixed(3)} s (CPU ${nib.saveCpu.toFixed(3)} s, ratio ${(median(writeCpu) / nib.saveCpu).toFixed(2)}; its default gzip level); wall ratios use medians`,
  );
