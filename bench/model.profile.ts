/**
 * Per-kernel profile of the WGAN-GP critic and generator steps (issue 17): tfjs's profiler over one
 * step of each kind on one replica's share of the batch (the paper network: U-Net base 32 × 4 levels,
 * C3D-like critic), after one warm-up step. Prints, per size and step, the wall time, the time inside
 * kernels and the top kernels by time (summed over calls with the same input shapes) plus a per-kernel-
 * name summary. Markdown, for bench/RESULTS.md.
 *   npx tsx bench/model.profile.ts [--sizes 64,256] [--batch 1] [--top 15] [--profile paper]
 */
import os from 'node:os';
import { profileSteps } from '@anet/model';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : dflt;
};
const sizes = arg('sizes', '64,256').split(',').map(Number);
const batch = Number(arg('batch', '1'));
const top = Number(arg('top', '15'));
const profile = arg('profile', 'paper') as 'paper' | 'cpu';

console.log(
  `# step profile — ${new Date().toISOString()} — ${os.cpus()[0]?.model} ×${os.cpus().length}, load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join('/')}, profile ${profile}, batch ${batch} per replica\n`,
);
for (const size of sizes) {
  for (const p of await profileSteps({ size, profile, batch })) {
    console.log(
      `## ${p.step} step, ${size}², batch ${p.batch}: ${p.wallMs.toFixed(0)} ms wall, ${p.kernelMs.toFixed(0)} ms in kernels (load ${os.loadavg()[0].toFixed(2)})\n`,
    );
    const byName = new Map<string, { ms: number; calls: number }>();
    for (const k of p.kernels) {
      const e = byName.get(k.kernel) ?? { ms: 0, calls: 0 };
      e.ms += k.ms;
      e.calls += k.calls;
      byName.set(k.kernel, e);
    }
    const names = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
    console.log(
      `by kernel: ${names
        .slice(0, 12)
        .map(([n, e]) => `${n} ${e.ms.toFixed(0)} ms (${((100 * e.ms) / p.kernelMs).toFixed(0)} %, ${e.calls}×)`)
        .join('; ')}\n`,
    );
    console.log('| kernel | input shapes | calls | ms | % |\n|---|---|---|---|---|');
    for (const k of p.kernels.slice(0, top))
      console.log(
        `| ${k.kernel} | ${k.shapes} | ${k.calls} | ${k.ms.toFixed(1)} | ${((100 * k.ms) / p.kernelMs).toFixed(1)} |`,
      );
    console.log('');
  }
}
