import { resolveTrainConfig, type Volume } from '@anet/contracts';
import { trainGan } from './src/trainGan';
import { inferMap } from './src/inferMap';
const [X, Y, Z] = [32, 32, 8];
function vol(r: number): Volume {
  const d = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const e = ((x - 16) / 13) ** 2 + ((y - 16) / 11) ** 2;
        let v = e < 1 ? 0.35 + 0.05 * Math.sin(x / 2) : 0;
        if ((x - 19) ** 2 + (y - 14) ** 2 < r * r) v = 0.9;
        d[x + X * (y + Y * z)] = v;
      }
  return {
    data: d,
    dims: [X, Y, Z],
    spacing: [1, 1, 1],
    affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
  };
}
const b = vol(2.5),
  f = vol(5);
const ep = Number(process.argv[2] ?? 12);
const cfg = resolveTrainConfig('smoke', { epochs: ep, ...JSON.parse(process.argv[3] ?? '{}') });
const t = performance.now();
const r = await trainGan(
  cfg,
  { baseline: b, followup: f },
  {
    onProgress: (p) => {
      if (p.epoch % Math.ceil(ep / 6) === 0)
        console.log(
          p.epoch,
          Object.values(p.losses)
            .map((v) => v.toFixed(3))
            .join(' '),
        );
    },
  },
);
console.log(
  'train s',
  ((performance.now() - t) / 1000).toFixed(1),
  r.snapshots.map((s) => s.epoch),
);
const inf = await inferMap(r.snapshots, b, cfg);
console.log(
  inf.perSnapshot
    .map((s) =>
      Object.values(s)
        .map((v) => v.toFixed(3))
        .join(' '),
    )
    .join(' | '),
);
// AUC growth
const pos: number[] = [],
  neg: number[] = [];
for (let i = 0; i < X * Y * Z; i++) {
  const g = f.data[i] > 0.8 && b.data[i] < 0.8;
  if (b.data[i] > 0 || f.data[i] > 0) (g ? pos : neg).push(inf.map.data[i]);
}
let c = 0;
for (const p of pos) for (const n of neg) c += p > n ? 1 : p === n ? 0.5 : 0;
console.log('AUC', c / pos.length / neg.length);
