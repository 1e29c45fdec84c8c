/**
 * CLI start-up: wall time of `anet --help`, `anet --version` and `anet submit --help` from a fresh
 * process (the way a hospital script calls it), median of 7 runs. Target (issue 13): `--help` ≤ 1 s on
 * an idle machine. Only the module of the command being run is loaded, so top-level help imports
 * neither zod, tfjs, elastix nor Prisma.
 * Run: npx tsx bench/cliStartup.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(fileURLToPath(new URL('..', import.meta.url)), 'apps', 'cli', 'bin', 'anet.js');

function medianSeconds(args: string[], runs = 7): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    times.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`anet ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const load = () => loadavg()[0].toFixed(2);
for (const [args, target] of [
  [['--help'], 1],
  [['--version'], 1],
  [['submit', '--help'], null],
  [['analyze', '--help'], null],
] as Array<[string[], number | null]>) {
  const s = medianSeconds(args);
  const verdict = target === null ? '' : `  target ≤ ${target} s: ${s <= target ? 'met' : 'NOT met'}`;
  console.log(`anet ${args.join(' ').padEnd(16)} ${s.toFixed(2)} s (median of 7, load ${load()})${verdict}`);
}
