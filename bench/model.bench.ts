/**
 * Model benchmark (issue 4): WGAN-GP critic / generator step times at 64², 128², 256² for the paper
 * network (generator base 32, 4 levels, C3D critic) and the cpu profile's network, batch 1, with the
 * PyTorch baseline (bench/model_torch.py, Debian python, 2 threads) run in the same process tree for
 * ratios; data-parallel speed-up (batch 2, 1 vs 2 replicas); optionally a whole cpu-profile training
 * on one real pair (--pair <dir with baseline.nii.gz, followup.nii.gz>): wall time and peak RSS.
 *   npx tsx bench/model.bench.ts [--sizes 64,128,256] [--steps 3] [--no-torch] [--pair DIR]
 * Shared 2-core machine: figures are noisy; compare ratios from one run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolveTrainConfig } from '@anet/contracts';
import { benchSteps, trainGan, type BenchResult } from '@anet/model';

const args = process.argv.slice(2);
const arg = (name: string, dflt?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = (arg('sizes', '64,128,256') as string).split(',').map(Number);
const steps = Number(arg('steps', '3'));
const withTorch = !args.includes('--no-torch');
const PEAK_GFLOPS = 180;

const line = (r: BenchResult, label: string) =>
  `${label.padEnd(22)} ${`${r.size}²`.padEnd(5)} critic ${r.criticMs.toFixed(0).padStart(6)} ms  generator ${r.generatorMs.toFixed(0).padStart(6)} ms  ${r.gflops.toFixed(1)} GFLOP/s (${((100 * r.gflops) / PEAK_GFLOPS).toFixed(1)}% of ~${PEAK_GFLOPS} peak)`;

function torch(
  size: number,
  base: number,
  levels: number,
  critic: string,
): { critic_ms: number; generator_ms: number } | undefined {
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        'bench/model_torch.py',
        '--sizes',
        String(size),
        '--base',
        String(base),
        '--levels',
        String(levels),
        '--critic',
        critic,
        '--steps',
        String(steps),
      ],
      {
        encoding: 'utf8',
        timeout: 900_000,
      },
    );
    return JSON.parse(out.trim().split('\n').pop() as string);
  } catch (e) {
    console.log(`  torch baseline failed: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

console.log(
  `# model bench — ${new Date().toISOString()} — ${os.cpus()[0]?.model} ×${os.cpus().length}, load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join('/')}`,
);
const nets = [
  { label: 'paper (base 32, L4)', profile: 'paper' as const },
  { label: 'cpu profile net', profile: 'cpu' as const },
];
for (const net of nets) {
  const cfg = resolveTrainConfig(net.profile);
  const criticSpec = `${cfg.critic.widths.join(',')}:${cfg.critic.convsPerStage.join(',')}`;
  for (const size of sizes) {
    const r = await benchSteps({ size, profile: net.profile, steps, batch: 1, workers: 1 });
    let msg = line(r, net.label);
    if (net.profile === 'paper' && size === 64) msg += `  [targets: critic ≤ 600, generator ≤ 800 ms]`;
    console.log(msg);
    if (withTorch) {
      const t = torch(size, cfg.generator.base, cfg.generator.levels, criticSpec);
      if (t)
        console.log(
          `${'  pytorch 1.13, 2 thr'.padEnd(22)} ${`${size}²`.padEnd(5)} critic ${t.critic_ms.toFixed(0).padStart(6)} ms  generator ${t.generator_ms.toFixed(0).padStart(6)} ms  → tfjs/torch ${(r.criticMs / t.critic_ms).toFixed(2)} / ${(r.generatorMs / t.generator_ms).toFixed(2)}`,
        );
    }
  }
}

// Both cores: batch 2, one replica vs two (worker thread), paper net at 64².
const one = await benchSteps({ size: 64, profile: 'paper', steps, batch: 2, workers: 1 });
const two = await benchSteps({ size: 64, profile: 'paper', steps, batch: 2, workers: 2 });
console.log(line(one, 'batch 2, 1 replica'));
console.log(line(two, 'batch 2, 2 replicas'));
console.log(
  `  data-parallel speed-up: critic ×${(one.criticMs / two.criticMs).toFixed(2)}, generator ×${(one.generatorMs / two.generatorMs).toFixed(2)}`,
);

const pair = arg('pair');
if (pair) {
  const { readNifti } = await import('@anet/nifti');
  const { preprocessPair } = await import('@anet/preprocess');
  const cfg = resolveTrainConfig('cpu');
  const t0 = performance.now();
  const pp = preprocessPair(
    readNifti(readFileSync(`${pair}/baseline.nii.gz`)),
    readNifti(readFileSync(`${pair}/followup.nii.gz`)),
    { grid: cfg.grid },
  );
  const res = await trainGan(cfg, { baseline: pp.baseline, followup: pp.followup });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `cpu profile, real pair ${pair}: ${s.toFixed(0)} s wall (target ≤ 900 s), peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, backend ${res.backend}, ${res.epochs} epochs`,
  );
}
