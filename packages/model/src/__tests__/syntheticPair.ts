import type { Volume } from '@anet/contracts';

/** A bright disc (the tumour) of radius r in an ellipse "brain", same in every slice; closed-form truth. */
export function discVolume(dims: [number, number, number], r: number): Volume {
  const [X, Y, Z] = dims;
  const d = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const e = ((x - X / 2) / (0.4 * X)) ** 2 + ((y - Y / 2) / (0.34 * Y)) ** 2;
        let v = e < 1 ? 0.35 + 0.05 * Math.sin(x / 2) : 0;
        if ((x - 0.59 * X) ** 2 + (y - 0.44 * Y) ** 2 < r * r) v = 0.9;
        d[x + X * (y + Y * z)] = v;
      }
  return {
    data: d,
    dims: [X, Y, Z],
    spacing: [1, 1, 1],
    affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
  };
}

/** Voxel-wise ROC AUC (Mann–Whitney, ties count ½). */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (labels[idx[k]]) {
        rankSumPos += rank;
        nPos++;
      }
    i = j + 1;
  }
  const nNeg = idx.length - nPos;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
