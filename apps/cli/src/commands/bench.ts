import { InvalidArgumentError, type Command } from 'commander';
import { runAction } from '../output/runAction';

function positiveInt(v: string): number {
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 1 || String(n) !== v.trim())
    throw new InvalidArgumentError('expected an integer ≥ 1');
  return n;
}

/** `anet bench`: time WGAN-GP training steps on random data to size this machine. */
export function register(program: Command): void {
  program
    .command('bench')
    .description('time critic and generator training steps on random data (medians after one warm-up step)')
    .option('--size <n>', 'slice side in pixels', positiveInt, 64)
    .option('--base <n>', 'generator base width', positiveInt, 32)
    .option('--steps <n>', 'timed steps of each kind', positiveInt, 5)
    .option('--batch <n>', 'slices per step', positiveInt, 1)
    .option('--backend <name>', 'force a tfjs backend: tensorflow-gpu, tensorflow, wasm, cpu')
    .option('--json', 'print one JSON object')
    .action(
      runAction(
        async (opts: {
          size: number;
          base: number;
          steps: number;
          batch: number;
          backend?: string;
          json?: boolean;
        }) => {
          const { benchSteps } = await import('@anet/model');
          const r = await benchSteps({
            size: opts.size,
            base: opts.base,
            steps: opts.steps,
            batch: opts.batch,
            backend: opts.backend,
          });
          if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
          else
            process.stdout.write(
              `backend=${r.backend} size=${r.size} base=${r.base} batch=${r.batch} critic_ms=${r.criticMs.toFixed(0)} generator_ms=${r.generatorMs.toFixed(0)} gflops=${r.gflops.toFixed(1)}\n`,
            );
        },
      ),
    );
}
