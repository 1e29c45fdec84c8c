/**
 * Micro-benchmark of the wasm training kernels on the shapes the step profiles show (issue 17):
 * median ms of Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter and the BN gradient per shape.
 *   npx tsx bench/kernels.micro.ts [--reps 9]
 */
import os from 'node:os';
import { microbenchKernels } from '@anet/model';

const args = process.argv.slice(2);
const i = args.indexOf('--reps');
const reps = i >= 0 ? Number(args[i + 1]) : 9;
console.log(`# wasm kernel micro-bench — ${new Date().toISOString()} — load ${os.loadavg()[0].toFixed(2)}\n`);
console.log('| op | shape | median ms | GFLOP/s |\n|---|---|---|---|');
for (const r of await microbenchKernels(reps))
  console.log(`| ${r.op} | ${r.shape} | ${r.ms.toFixed(2)} | ${r.gflops.toFixed(1)} |`);
