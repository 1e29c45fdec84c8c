export type Connectivity = 6 | 18 | 26;

/** Neighbour offsets (dx, dy, dz) of a voxel for 6/18/26-connectivity, excluding the voxel itself. */
export function neighbourOffsets(connectivity: Connectivity): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const n = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (n === 0) continue;
        if (connectivity === 6 && n > 1) continue;
        if (connectivity === 18 && n > 2) continue;
        out.push([dx, dy, dz]);
      }
  return out;
}

/**
 * The neighbour offsets of `connectivity` as flat tables for the flood fills: per neighbour k its
 * (dx, dy, dz) and its index step `di` in an X × Y × Z volume stored x-fastest (XY = X·Y).
 */
function neighbourTable(connectivity: Connectivity, X: number, XY: number) {
  const offs = neighbourOffsets(connectivity);
  return {
    odx: Int32Array.from(offs, (o) => o[0]),
    ody: Int32Array.from(offs, (o) => o[1]),
    odz: Int32Array.from(offs, (o) => o[2]),
    odi: Int32Array.from(offs, (o) => o[0] + X * o[1] + XY * o[2]),
    no: offs.length,
  };
}

/** Whether voxel (nx, ny, nz) lies outside an X × Y × Z volume. */
function outsideVolume(nx: number, ny: number, nz: number, X: number, Y: number, Z: number): boolean {
  return nx < 0 || nx >= X || ny < 0 || ny >= Y || nz < 0 || nz >= Z;
}

/** A copy of a full stack/queue with twice the room. */
function doubled(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(a.length * 2);
  grown.set(a);
  return grown;
}

export interface Components {
  /** Per voxel: 0 = background, else the component's label 1..count. */
  labels: Int32Array;
  /** sizes[label] = voxel count (sizes[0] unused). */
  sizes: Int32Array;
  count: number;
}

/**
 * 3D connected components of the non-zero voxels; two neighbours join only if their values are equal,
 * so growth (+1) and reduction (−1) form separate components. Iterative flood fill over typed arrays
 * (the label array doubles as the visited set; one shared stack), O(voxels × neighbours).
 */
export function labelComponents(
  values: Int8Array | Uint8Array,
  dims: readonly [number, number, number],
  connectivity: Connectivity = 26,
): Components {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const n = XY * Z;
  if (values.length !== n) throw new RangeError(`values has ${values.length} voxels, dims say ${n}`);
  const { odx, ody, odz, odi, no } = neighbourTable(connectivity, X, XY);
  const labels = new Int32Array(n);
  let stack = new Int32Array(1024);
  const sizes: number[] = [0];
  let label = 0;
  for (let seed = 0; seed < n; seed++) {
    const v = values[seed];
    if (v === 0 || labels[seed] !== 0) continue;
    label++;
    labels[seed] = label;
    let top = 0;
    stack[top++] = seed;
    let size = 0;
    while (top > 0) {
      const i = stack[--top];
      size++;
      const z = (i / XY) | 0;
      const r = i - z * XY;
      const y = (r / X) | 0;
      const x = r - y * X;
      const interior = x > 0 && x < X - 1 && y > 0 && y < Y - 1 && z > 0 && z < Z - 1;
      for (let k = 0; k < no; k++) {
        if (!interior && outsideVolume(x + odx[k], y + ody[k], z + odz[k], X, Y, Z)) continue;
        const j = i + odi[k];
        if (labels[j] !== 0 || values[j] !== v) continue;
        labels[j] = label;
        if (top === stack.length) stack = doubled(stack);
        stack[top++] = j;
      }
    }
    sizes.push(size);
  }
  return { labels, sizes: Int32Array.from(sizes), count: label };
}

/**
 * Sets every component with at most `maxRemovedVoxels` voxels to 0 (in a copy) — the paper removes
 * components of ≤ 30 voxels. `values` is a ternary map (−1/0/+1); growth and reduction components are
 * separate. Works in the copy itself (visited voxels are marked ±2, then ±3 when kept or 0), with one
 * queue that holds the current component, so no per-voxel label array is allocated.
 */
export function removeSmallComponents(
  values: Int8Array,
  dims: readonly [number, number, number],
  maxRemovedVoxels: number,
  connectivity: Connectivity = 26,
  opts: { inPlace?: boolean } = {},
): { values: Int8Array; keptComponents: number; removedComponents: number; removedVoxels: number } {
  const [X, Y, Z] = dims;
  const XY = X * Y;
  const n = XY * Z;
  if (values.length !== n) throw new RangeError(`values has ${values.length} voxels, dims say ${n}`);
  // inPlace: the caller owns `values` (analyseMap's fresh ternary) and saves a full-volume copy
  const out = opts.inPlace ? values : values.slice();
  const { odx, ody, odz, odi, no } = neighbourTable(connectivity, X, XY);
  let queue = new Int32Array(1024);
  let kept = 0;
  let removed = 0;
  let removedVoxels = 0;
  for (let seed = 0; seed < n; seed++) {
    const v = out[seed];
    if (v !== 1 && v !== -1) continue;
    const mark = 2 * v;
    out[seed] = mark;
    queue[0] = seed;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const i = queue[head++];
      const z = (i / XY) | 0;
      const r = i - z * XY;
      const y = (r / X) | 0;
      const x = r - y * X;
      const interior = x > 0 && x < X - 1 && y > 0 && y < Y - 1 && z > 0 && z < Z - 1;
      for (let k = 0; k < no; k++) {
        if (!interior && outsideVolume(x + odx[k], y + ody[k], z + odz[k], X, Y, Z)) continue;
        const j = i + odi[k];
        if (out[j] !== v) continue;
        out[j] = mark;
        if (tail === queue.length) queue = doubled(queue);
        queue[tail++] = j;
      }
    }
    const drop = tail <= maxRemovedVoxels;
    const fill = drop ? 0 : 3 * v; // ±3: kept and finished, so the seed scan skips it
    for (let k = 0; k < tail; k++) out[queue[k]] = fill;
    if (drop) {
      removed++;
      removedVoxels += tail;
    } else kept++;
  }
  if (kept > 0) for (let i = 0; i < n; i++) if (out[i] !== 0) out[i] = out[i] > 0 ? 1 : -1;
  return { values: out, keptComponents: kept, removedComponents: removed, removedVoxels };
}
