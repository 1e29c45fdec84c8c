import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import type { BenchResult } from '@anet/model';
import { runAction } from '../output/runAction';

function positiveInt(v: string): number {
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 1 || String(n) !== v.trim())
    throw new InvalidArgumentError('expected an integer ≥ 1');
  return n;
}

function sizeList(v: string): number[] {
  return v.split(',').map((s) => positiveInt(s.trim()));
}

function profileName(v: string): 'paper' | 'cpu' | 'smoke' {
  if (v !== 'paper' && v !== 'cpu' && v !== 'smoke')
    throw new InvalidArgumentError('expected paper, cpu or smoke');
  return v;
}

/** The PyTorch twin of the steps lives in the repository's bench/ folder (absent in a bare install). */
const TORCH_SCRIPT = fileURLToPath(new URL('../../../../bench/model_torch.py', import.meta.url));

interface SizeResult extends BenchResult {
  torch?: { version: string; threads: number; criticMs: number; generatorMs: number };
}

/** `anet bench`: time WGAN-GP training steps on random data to size this machine, beside PyTorch's. */
export function register(program: Command): void {
  program
    .command('bench')
    .description(
      'time critic and generator training steps on random data as training runs them (same backend, ' +
        'worker threads and batch; medians after one warm-up step), interleaved with the same steps in ' +
        'PyTorch when /usr/bin/python3 has torch',
    )
    .option('--size <n,…>', 'slice sides in pixels, one line each', sizeList, [64, 256])
    .option(
      '--profile <name>',
      "whose networks: paper (the issue's U-Net 32×4 + C3D critic), cpu, smoke",
      profileName,
      'paper',
    )
    .option('--base <n>', "generator base width (default: the profile's)", positiveInt)
    .option('--steps <n>', 'timed steps of each kind', positiveInt, 5)
    .option('--batch <n>', 'slices per step', positiveInt, 2)
    .option(
      '--workers <n>',
      'data-parallel replicas (this thread + worker threads), capped by the batch; default: one per core, as the cpu profile trains',
      positiveInt,
    )
    .option('--backend <name>', 'force a tfjs backend: tensorflow-gpu, tensorflow, wasm, cpu')
    .option('--no-torch', 'skip the PyTorch comparison')
    .option('--json', 'print one JSON object')
    .action(
      runAction(
        async (opts: {
          size: number[];
          profile: 'paper' | 'cpu' | 'smoke';
          base?: number;
          steps: number;
          batch: number;
          workers?: number;
          backend?: string;
          torch: boolean;
          json?: boolean;
        }) => {
          // tfjs loads only when the bench runs (keeps `anet --help` fast)
          const { benchResult, median, openStepBench, openTorchReference } = await import('@anet/model');
          const results: SizeResult[] = [];
          for (const size of opts.size) {
            const bench = await openStepBench({
              size,
              profile: opts.profile,
              base: opts.base,
              batch: opts.batch,
              workers: opts.workers ?? Math.min(opts.batch, os.availableParallelism()),
              backend: opts.backend,
            });
            const torch =
              opts.torch && existsSync(TORCH_SCRIPT)
                ? await openTorchReference(TORCH_SCRIPT, bench.cfg, size, {
                    threads: os.availableParallelism(),
                  })
                : undefined;
            const a = { c: [] as number[], g: [] as number[] };
            const t = { c: [] as number[], g: [] as number[] };
            try {
              // Interleaved: each anet step pair is followed by PyTorch's, so both see the same load.
              for (let i = 0; i <= opts.steps; i++) {
                const s = await bench.step();
                const r = await torch?.step();
                if (i === 0) continue;
                a.c.push(s.criticMs);
                a.g.push(s.generatorMs);
                if (r) {
                  t.c.push(r.criticMs);
                  t.g.push(r.generatorMs);
                }
              }
            } finally {
              await torch?.close();
              await bench.close();
            }
            const res: SizeResult = benchResult(bench, size, median(a.c), median(a.g));
            if (torch)
              res.torch = {
                version: torch.torch,
                threads: torch.threads,
                criticMs: median(t.c),
                generatorMs: median(t.g),
              };
            results.push(res);
            if (!opts.json) process.stdout.write(`${line(res)}\n`);
          }
          if (opts.json) process.stdout.write(`${JSON.stringify({ load: os.loadavg()[0], results })}\n`);
        },
      ),
    );
}

function line(r: SizeResult): string {
  const ms = (x: number) => x.toFixed(0).padStart(5);
  let s =
    `${`${r.size}²`.padEnd(5)} anet critic ${ms(r.criticMs)} ms  generator ${ms(r.generatorMs)} ms ` +
    `(${r.backend}, ${r.workers} replica${r.workers > 1 ? 's' : ''}, batch ${r.batch}, base ${r.base}, ${r.gflops.toFixed(1)} GFLOP/s)`;
  if (r.torch)
    s +=
      `  |  torch ${r.torch.version} ${r.torch.threads} thr critic ${ms(r.torch.criticMs)} ms  generator ${ms(r.torch.generatorMs)} ms` +
      `  |  anet/torch ${(r.criticMs / r.torch.criticMs).toFixed(2)}× / ${(r.generatorMs / r.torch.generatorMs).toFixed(2)}×`;
  return `${s}  (load ${os.loadavg()[0].toFixed(2)})`;
}
