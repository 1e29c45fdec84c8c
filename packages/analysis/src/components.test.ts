import { describe, expect, it } from 'vitest';
import { labelComponents, neighbourOffsets, removeSmallComponents, type Connectivity } from './components';
import { lcg } from './__tests__/volumes';

/** Reference: union-find over all voxel pairs within the neighbourhood (slow, obviously correct). */
function referenceSizes(v: Int8Array, dims: [number, number, number], c: Connectivity): number[] {
  const [X, Y, Z] = dims;
  const parent = Array.from(v, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const i = x + X * (y + Y * z);
        if (v[i] === 0) continue;
        for (const [dx, dy, dz] of neighbourOffsets(c)) {
          const nx = x + dx;
          const ny = y + dy;
          const nz = z + dz;
          if (nx < 0 || ny < 0 || nz < 0 || nx >= X || ny >= Y || nz >= Z) continue;
          const j = nx + X * (ny + Y * nz);
          if (v[j] === v[i]) parent[find(i)] = find(j);
        }
      }
  const sizes = new Map<number, number>();
  v.forEach((val, i) => {
    if (val !== 0) sizes.set(find(i), (sizes.get(find(i)) ?? 0) + 1);
  });
  return [...sizes.values()].sort((a, b) => a - b);
}

describe('labelComponents', () => {
  it('has 6, 18 and 26 neighbours', () => {
    expect(neighbourOffsets(6)).toHaveLength(6);
    expect(neighbourOffsets(18)).toHaveLength(18);
    expect(neighbourOffsets(26)).toHaveLength(26);
  });
  it('joins voxels touching at a face, an edge or a corner according to the connectivity', () => {
    const dims: [number, number, number] = [3, 3, 3];
    const at = (x: number, y: number, z: number) => x + 3 * (y + 3 * z);
    const corner = new Int8Array(27);
    corner[at(0, 0, 0)] = 1;
    corner[at(1, 1, 1)] = 1;
    const edge = new Int8Array(27);
    edge[at(0, 0, 0)] = 1;
    edge[at(1, 1, 0)] = 1;
    const face = new Int8Array(27);
    face[at(0, 0, 0)] = 1;
    face[at(1, 0, 0)] = 1;
    expect([6, 18, 26].map((c) => labelComponents(corner, dims, c as Connectivity).count)).toEqual([2, 2, 1]);
    expect([6, 18, 26].map((c) => labelComponents(edge, dims, c as Connectivity).count)).toEqual([2, 1, 1]);
    expect([6, 18, 26].map((c) => labelComponents(face, dims, c as Connectivity).count)).toEqual([1, 1, 1]);
  });
  it('keeps growth and reduction apart even when they touch', () => {
    const v = Int8Array.from([1, 1, -1, -1, 0, 1]);
    const { count, sizes, labels } = labelComponents(v, [6, 1, 1]);
    expect(count).toBe(3);
    expect(Array.from(sizes.slice(1))).toEqual([2, 2, 1]);
    expect(labels[4]).toBe(0);
  });
  it('agrees with a reference union-find on random volumes', () => {
    const rnd = lcg(7);
    for (const c of [6, 18, 26] as const) {
      const dims: [number, number, number] = [9, 7, 5];
      const v = Int8Array.from({ length: 9 * 7 * 5 }, () => {
        const r = rnd();
        return r < 0.2 ? 1 : r < 0.35 ? -1 : 0;
      });
      const { sizes, count } = labelComponents(v, dims, c);
      expect(Array.from(sizes.slice(1, count + 1)).sort((a, b) => a - b)).toEqual(referenceSizes(v, dims, c));
    }
  });
});

describe('removeSmallComponents', () => {
  it('removes components of at most the limit and keeps larger ones, without touching the input', () => {
    // a 30-voxel bar (x 0..29) and a 31-voxel bar (x 0..30) on separate rows
    const X = 40;
    const v = new Int8Array(X * 3);
    for (let x = 0; x < 30; x++) v[x] = 1;
    for (let x = 0; x < 31; x++) v[x + 2 * X] = -1;
    const r = removeSmallComponents(v, [X, 3, 1], 30);
    expect(r.removedComponents).toBe(1);
    expect(r.removedVoxels).toBe(30);
    expect(r.keptComponents).toBe(1);
    expect(r.values.slice(0, X).every((x) => x === 0)).toBe(true);
    expect(r.values.filter((x) => x === -1)).toHaveLength(31);
    expect(v.filter((x) => x === 1)).toHaveLength(30);
  });
});

describe('removeSmallComponents against labelComponents', () => {
  it('keeps exactly the voxels of components larger than the limit, for every connectivity', () => {
    const rnd = lcg(19);
    const dims: [number, number, number] = [12, 10, 6];
    const v = Int8Array.from({ length: 12 * 10 * 6 }, () => {
      const r = rnd();
      return r < 0.25 ? 1 : r < 0.4 ? -1 : 0;
    });
    for (const c of [6, 18, 26] as const) {
      for (const limit of [0, 1, 3, 10]) {
        const { labels, sizes, count } = labelComponents(v, dims, c);
        const r = removeSmallComponents(v, dims, limit, c);
        const expected = Int8Array.from(v, (x, i) => (labels[i] !== 0 && sizes[labels[i]] <= limit ? 0 : x));
        expect(r.values).toEqual(expected);
        expect(r.keptComponents + r.removedComponents).toBe(count);
      }
    }
  });
  it('cleans in place when asked, with the same result', () => {
    const v = Int8Array.from([1, 1, 0, -1, 0, 0, 1, 1, 1, 1]);
    const copy = removeSmallComponents(v, [10, 1, 1], 2);
    const same = removeSmallComponents(v, [10, 1, 1], 2, 26, { inPlace: true });
    expect(same.values).toBe(v);
    expect(Array.from(v)).toEqual(Array.from(copy.values));
    expect(Array.from(v)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });
});
