import { describe, expect, it } from 'vitest';
import type { Volume } from '@anet/contracts';
import { makeVolume } from '../__tests__/volumes';
import { voxelToDisplay } from './axialView';
import { decodePng, type Canvas } from './canvas';
import {
  alignmentQcSlices,
  renderAlignmentQc,
  renderAlignmentQcCanvas,
  type AlignmentQcTile,
} from './renderAlignmentQc';

const dims: [number, number, number] = [48, 48, 14];
const inHead = (x: number, y: number, z: number) =>
  (x - 24) ** 2 + ((y - 24) / 1.2) ** 2 < 17 ** 2 && z >= 3 && z < 11;
/** A head with internal structure (a checkerboard), so a shift shows inside the brain too, not only at its edge. */
const head = (x: number, y: number, z: number) =>
  inHead(x, y, z) ? 60 + 80 * ((Math.floor(x / 4) + Math.floor(y / 4)) % 2) : 0;
const baseline = makeVolume(dims, head);
// the aligned follow-up: the same anatomy, brighter (each scan has its own window, so still grey)
const after = makeVolume(dims, (x, y, z) => 1.3 * head(x, y, z));
// as stored: shifted 5 voxels right and 3 down the grid
const before = makeVolume(dims, (x, y, z) => 1.3 * head(x - 5, y - 3, z));
const brainMask = makeVolume(dims, (x, y, z) => (inHead(x, y, z) ? 1 : 0));

function pixel(cv: Canvas, u: number, v: number): [number, number, number] {
  const i = 4 * (Math.round(v) * cv.width + Math.round(u));
  return [cv.data[i], cv.data[i + 1], cv.data[i + 2]];
}

/** Magenta or green: red equals blue (the fusion's channels), green far from them. */
function isFringe([r, g, b]: [number, number, number]): boolean {
  return Math.abs(r - b) <= 2 && Math.abs(r - g) > 60;
}

function tilePixels(cv: Canvas, t: AlignmentQcTile): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let v = 0; v < t.view.height; v++)
    for (let u = 0; u < t.view.width; u++) out.push(pixel(cv, t.x + u, t.y + v));
  return out;
}

function copy(v: Volume): Volume {
  return { data: v.data.slice(), dims: [...v.dims], spacing: [...v.spacing], affine: [...v.affine] };
}

describe('renderAlignmentQc', () => {
  it('renders a decodable PNG of two rows of 3-5 tiles over the brain, at the expected size', () => {
    const png = renderAlignmentQc({
      baseline,
      before,
      after,
      brainMask,
      lines: ['rotation 0.5°, translation 5.7 mm; NCC 0.36 → 0.73'],
    });
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const img = decodePng(png);
    const { canvas, tiles } = renderAlignmentQcCanvas({ baseline, before, after, brainMask, lines: ['x'] });
    expect(img.width).toBe(canvas.width);
    expect(img.height).toBe(canvas.height);
    const view = tiles[0].view;
    // tiles are cropped to the head (either scan) and sized so the longer side is 240 px
    expect(Math.max(view.width, view.height)).toBe(240);
    expect(view.nH).toBeLessThan(dims[0]);
    const n = tiles.length / 2;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(5);
    expect(img.width).toBe(Math.max(2 * 16 + n * view.width + (n - 1) * 10, 560));
    expect(img.height).toBeGreaterThan(2 * view.height + 100);
    expect(tiles.filter((t) => t.row === 'before').map((t) => t.z)).toEqual(
      tiles.filter((t) => t.row === 'after').map((t) => t.z),
    );
    // every shown slice holds brain; the empty slices (z < 3, z ≥ 11) are skipped
    for (const t of tiles) {
      expect(t.z).toBeGreaterThanOrEqual(3);
      expect(t.z).toBeLessThan(11);
      expect(t.x + t.view.width).toBeLessThanOrEqual(img.width);
      expect(t.y + t.view.height).toBeLessThanOrEqual(img.height);
    }
  });

  it('is grey where aligned and magenta/green where the follow-up is shifted', () => {
    const { canvas, tiles } = renderAlignmentQcCanvas({ baseline, before, after, brainMask });
    for (const t of tiles.filter((tile) => tile.row === 'after')) {
      // inside the brain (away from the mask outline): R ≈ G ≈ B, and some of it bright
      let bright = 0;
      for (let y = 0; y < dims[1]; y++)
        for (let x = 0; x < dims[0]; x++) {
          if ((x - 24) ** 2 + ((y - 24) / 1.2) ** 2 >= 14 ** 2) continue;
          const [u, v] = voxelToDisplay(t.view, x - t.crop[0], y - t.crop[1]);
          const [r, g, b] = pixel(canvas, t.x + u, t.y + v);
          expect(Math.abs(r - g)).toBeLessThanOrEqual(2);
          expect(Math.abs(b - g)).toBeLessThanOrEqual(2);
          if (g > 200) bright++;
        }
      expect(bright).toBeGreaterThan(50);
      expect(tilePixels(canvas, t).filter(isFringe)).toHaveLength(0);
    }
    for (const t of tiles.filter((tile) => tile.row === 'before')) {
      const px = tilePixels(canvas, t);
      const magenta = px.filter((p) => isFringe(p) && p[0] > p[1]).length;
      const green = px.filter((p) => isFringe(p) && p[1] > p[0]).length;
      expect(magenta).toBeGreaterThan(0.03 * px.length);
      expect(green).toBeGreaterThan(0.03 * px.length);
    }
  });

  it('works without a brain mask and with explicit slices', () => {
    const { canvas, tiles } = renderAlignmentQcCanvas({ baseline, before, after, slices: [5, 7] });
    expect(tiles.map((t) => t.z)).toEqual([5, 7, 5, 7]);
    const t = tiles[2];
    const [u, v] = voxelToDisplay(t.view, 24 - t.crop[0], 24 - t.crop[1]);
    const [r, g, b] = pixel(canvas, t.x + u, t.y + v);
    expect(Math.abs(r - g)).toBeLessThanOrEqual(2);
    expect(r).toBe(b);
    expect(tilePixels(canvas, tiles[0]).filter(isFringe).length).toBeGreaterThan(100);
  });

  it('does not modify its inputs', () => {
    const inputs = { baseline, before, after, brainMask };
    const copies = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, copy(v)]));
    const lines = ['rotation 0.5°'];
    renderAlignmentQc({ ...inputs, lines });
    for (const [k, v] of Object.entries(inputs)) expect(v).toEqual(copies[k]);
    expect(lines).toEqual(['rotation 0.5°']);
  });

  it('rejects volumes on another grid and slices outside the volume', () => {
    const other = makeVolume([40, 48, 14]);
    expect(() => renderAlignmentQc({ baseline, before: other, after })).toThrow(/before dims/);
    expect(() => renderAlignmentQc({ baseline, before, after, slices: [14] })).toThrow(/slice 14/);
  });
});

describe('alignmentQcSlices', () => {
  it('spreads over the inner brain and skips empty or near-empty slices', () => {
    const area = [0, 0, 5, 100, 200, 300, 300, 300, 300, 200, 100, 0, 0];
    const z = alignmentQcSlices(area, 5);
    expect(z.length).toBeGreaterThanOrEqual(3);
    expect(z.length).toBeLessThanOrEqual(5);
    for (const s of z) expect(area[s]).toBeGreaterThanOrEqual(45);
    expect(z).toEqual([...z].sort((a, b) => a - b));
    expect(alignmentQcSlices([0, 0, 0], 5)).toEqual([1]);
    expect(alignmentQcSlices([0, 9, 0], 5)).toEqual([1]);
  });
});
