/**
 * Binary-mask building blocks of the brain mask (internal to @anet/preprocess): face neighbours and
 * connected components, geodesic growth, ellipsoid morphology via exact distance transforms, small
 * holes and per-slice convex hulls. Masks are 0/1 Uint8Arrays, x fastest, then y, then z.
 */
import { sqDistanceTransform } from './distance';

type Vec3 = [number, number, number];

/**
 * Calls `visit` with each face (6-connected) neighbour of voxel `i` that lies inside the X × Y × Z
 * volume, in the order −x, +x, −y, +y, −z, +z.
 */
export function forEachFaceNeighbour(
  i: number,
  X: number,
  Y: number,
  Z: number,
  visit: (j: number) => void,
): void {
  const XY = X * Y;
  const z = (i / XY) | 0;
  const rem = i - z * XY;
  const y = (rem / X) | 0;
  const x = rem - y * X;
  if (x > 0) visit(i - 1);
  if (x < X - 1) visit(i + 1);
  if (y > 0) visit(i - X);
  if (y < Y - 1) visit(i + X);
  if (z > 0) visit(i - XY);
  if (z < Z - 1) visit(i + XY);
}

/** 6-connected components of a 0/1 mask: labels 1..count per voxel (0 outside) and each one's size. */
export function labelComponents(mask: Uint8Array, dims: Vec3): { label: Int32Array; sizes: number[] } {
  const [X, Y, Z] = dims;
  const label = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  const sizes = [0];
  let tail = 0;
  const visit = (j: number) => {
    if (mask[j] && !label[j]) {
      label[j] = sizes.length;
      queue[tail++] = j;
    }
  };
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || label[s]) continue;
    let head = 0;
    tail = 0;
    visit(s);
    while (head < tail) forEachFaceNeighbour(queue[head++], X, Y, Z, visit);
    sizes.push(tail);
  }
  return { label, sizes };
}

/** Fills the 4-connected background holes of each axial slice whose area is at most `maxVoxels`. */
export function fillSmallHolesPerSlice(mask: Uint8Array, dims: Vec3, maxVoxels: number): void {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const seen = new Uint8Array(XY);
  const queue = new Int32Array(XY);
  for (let z = 0; z < Z; z++) {
    const m = mask.subarray(z * XY, (z + 1) * XY);
    seen.fill(0);
    for (let s0 = 0; s0 < XY; s0++) {
      if (m[s0] || seen[s0]) continue;
      let head = 0;
      let tail = 0;
      let border = false;
      queue[tail++] = s0;
      seen[s0] = 1;
      while (head < tail) {
        const i = queue[head++];
        const y = (i / X) | 0;
        const x = i - y * X;
        if (x === 0 || y === 0 || x === X - 1 || y === Y - 1) border = true;
        for (let k = 0; k < 4; k++) {
          const inside = k === 0 ? x > 0 : k === 1 ? x < X - 1 : k === 2 ? y > 0 : y < Y - 1;
          if (!inside) continue;
          const j = k === 0 ? i - 1 : k === 1 ? i + 1 : k === 2 ? i - X : i + X;
          if (!m[j] && !seen[j]) {
            seen[j] = 1;
            queue[tail++] = j;
          }
        }
      }
      if (!border && tail <= maxVoxels) for (let k = 0; k < tail; k++) m[queue[k]] = 1;
    }
  }
}

/**
 * Geodesic growth: the voxels of `allowed` whose distance from `seed` along paths inside `allowed`
 * (8-connected in-plane, 6 through-plane, steps weighted by `spacing`; an infinite z spacing keeps
 * it within each slice) is at most `budgetMm`. Exact Dijkstra with one FIFO per step length (few
 * distinct weights keep each FIFO sorted); only seeds on the seed set's border are queued.
 */
export function geodesicGrow(
  seed: Uint8Array,
  allowed: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  budgetMm: number,
): Uint8Array {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const n = seed.length;
  const out = new Uint8Array(n);
  // Float64 like the queued distances: a rounded copy would make entries look superseded.
  const dist = new Float64Array(n).fill(Infinity);
  const w = [spacing[0], spacing[1], Math.hypot(spacing[0], spacing[1]), spacing[2]];
  const qi: number[][] = [[], [], [], []];
  const qd: number[][] = [[], [], [], []];
  const heads = [0, 0, 0, 0];
  for (let i = 0; i < n; i++)
    if (seed[i] && allowed[i]) {
      out[i] = 1;
      dist[i] = 0;
    }
  // Seeds with a growable face or in-plane diagonal neighbour enter the first FIFO at distance 0.
  for (let i = 0; i < n; i++) {
    if (!out[i]) continue;
    const z = (i / XY) | 0;
    const rem = i - z * XY;
    const y = (rem / X) | 0;
    const x = rem - y * X;
    let border = false;
    for (let dy = -1; dy <= 1 && !border; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= X || yy >= Y) continue;
        const j = i + dx + dy * X;
        if (allowed[j] && !out[j]) {
          border = true;
          break;
        }
      }
    if (!border && z > 0 && allowed[i - XY] && !out[i - XY]) border = true;
    if (!border && z < Z - 1 && allowed[i + XY] && !out[i + XY]) border = true;
    if (border) {
      qi[0].push(i);
      qd[0].push(0);
    }
  }
  const push = (j: number, d: number, k: number) => {
    if (d <= budgetMm && allowed[j] && d < dist[j]) {
      dist[j] = d;
      qi[k].push(j);
      qd[k].push(d);
    }
  };
  for (;;) {
    let k = -1;
    let best = Infinity;
    for (let q = 0; q < 4; q++)
      if (heads[q] < qi[q].length && qd[q][heads[q]] < best) {
        best = qd[q][heads[q]];
        k = q;
      }
    if (k < 0) break;
    const i = qi[k][heads[k]++];
    if (best > dist[i]) continue; // superseded entry
    out[i] = 1;
    const z = (i / XY) | 0;
    const rem = i - z * XY;
    const y = (rem / X) | 0;
    const x = rem - y * X;
    const xm = x > 0;
    const xp = x < X - 1;
    const ym = y > 0;
    const yp = y < Y - 1;
    if (xm) push(i - 1, best + w[0], 0);
    if (xp) push(i + 1, best + w[0], 0);
    if (ym) push(i - X, best + w[1], 1);
    if (yp) push(i + X, best + w[1], 1);
    if (xm && ym) push(i - 1 - X, best + w[2], 2);
    if (xp && ym) push(i + 1 - X, best + w[2], 2);
    if (xm && yp) push(i - 1 + X, best + w[2], 2);
    if (xp && yp) push(i + 1 + X, best + w[2], 2);
    if (z > 0) push(i - XY, best + w[3], 3);
    if (z < Z - 1) push(i + XY, best + w[3], 3);
  }
  return out;
}

/** Erosion (distance to the background > r) or dilation (distance to the mask ≤ r) by an ellipsoid ball. */
export function morphBall(
  mask: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  radiusMm: number,
  op: 'erode' | 'dilate',
  axes3d: boolean,
): Uint8Array {
  const d2 = sqDistanceTransform(mask, dims, spacing, op === 'erode' ? 0 : 1, false, axes3d);
  const r2 = radiusMm * radiusMm;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = op === 'erode' ? (d2[i] > r2 ? 1 : 0) : d2[i] <= r2 ? 1 : 0;
  return out;
}

/**
 * Per axial slice, the filled convex hull of the mask's voxel centres (monotone chain, then a
 * scanline fill of the polygon): the envelope a brain cross-section can reach.
 */
export function convexHullPerSlice(mask: Uint8Array, dims: Vec3): Uint8Array {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const out = new Uint8Array(mask.length);
  const px: number[] = [];
  const py: number[] = [];
  for (let z = 0; z < Z; z++) {
    // Candidate points: the first and last mask voxel of each row (the hull only needs extremes).
    const pts: Array<[number, number]> = [];
    for (let y = 0; y < Y; y++) {
      const row = z * XY + y * X;
      let a = -1;
      let b = -1;
      for (let x = 0; x < X; x++)
        if (mask[row + x]) {
          if (a < 0) a = x;
          b = x;
        }
      if (a >= 0) {
        pts.push([a, y]);
        if (b !== a) pts.push([b, y]);
      }
    }
    if (pts.length === 0) continue;
    pts.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
      (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    const lower: Array<[number, number]> = [];
    for (const p of pts) {
      while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0)
        lower.pop();
      lower.push(p);
    }
    const upper: Array<[number, number]> = [];
    for (let k = pts.length - 1; k >= 0; k--) {
      const p = pts[k];
      while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0)
        upper.pop();
      upper.push(p);
    }
    const hull = lower.slice(0, -1).concat(upper.slice(0, -1));
    px.length = 0;
    py.length = 0;
    for (const [x, y] of hull) {
      px.push(x);
      py.push(y);
    }
    const nh = px.length;
    for (let y = 0; y < Y; y++) {
      // x-range of the convex polygon on this row (voxel centres on the edges count as inside).
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < nh; k++) {
        const x0 = px[k];
        const y0 = py[k];
        const x1 = px[(k + 1) % nh];
        const y1 = py[(k + 1) % nh];
        if (y0 === y1) {
          if (y0 === y) {
            lo = Math.min(lo, x0, x1);
            hi = Math.max(hi, x0, x1);
          }
          continue;
        }
        if ((y < y0 && y < y1) || (y > y0 && y > y1)) continue;
        const x = x0 + ((y - y0) * (x1 - x0)) / (y1 - y0);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      if (nh === 1 && py[0] === y) lo = hi = px[0];
      if (!(hi >= lo)) continue;
      const row = z * XY + y * X;
      for (let x = Math.max(0, Math.ceil(lo - 1e-9)); x <= Math.min(X - 1, Math.floor(hi + 1e-9)); x++)
        out[row + x] = 1;
    }
  }
  return out;
}
