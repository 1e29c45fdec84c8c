import { resolveTrainConfig } from '@anet/contracts';
import { trainGan } from './src/trainGan';
import { discVolume } from './src/__tests__/syntheticPair';
const w = Number(process.argv[2]);
const size = Number(process.argv[3] ?? 64);
const cfg = resolveTrainConfig('cpu', {
  workers: w,
  epochs: 6,
  grid: [size, size, 16],
  ...JSON.parse(process.argv[4] ?? '{}'),
});
const data = { baseline: discVolume([size, size, 16], 5), followup: discVolume([size, size, 16], 8) };
let t = performance.now();
let last = t;
const times: number[] = [];
await trainGan(cfg, data, {
  onProgress: (p) => {
    const now = performance.now();
    times.push(now - last);
    last = now;
  },
});
console.log(
  'workers',
  w,
  'epoch ms',
  times.map((x) => x.toFixed(0)).join(' '),
  'total',
  ((performance.now() - t) / 1000).toFixed(1),
);
