import { describe, expect, it } from 'vitest';
import { analyseMap } from '../analyseMap';
import { inBox, makeVolume } from '../__tests__/volumes';
import { axialView, voxelToDisplay } from './axialView';
import { createCanvas, decodePng } from './canvas';
import { drawAxialTile } from './drawAxialTile';
import { renderOverlayMontage } from './renderOverlayMontage';
import { renderSliceOverlays } from './renderSliceOverlays';

const dims: [number, number, number] = [48, 48, 6];
const growth = inBox(14, 22, 14, 22, 2, 4);
const reduction = inBox(28, 36, 28, 36, 1, 3);
const head = (x: number, y: number) => ((x - 24) ** 2 + (y - 24) ** 2 < 22 ** 2 ? 100 + x : 0);
const followup = makeVolume(dims, head);
const baseline = makeVolume(dims, (x, y) => head(x, y) * 0.9);
const map = makeVolume(dims, (x, y, z) => (growth(x, y, z) ? 0.6 : reduction(x, y, z) ? -0.6 : 0.01));
const { ternary } = analyseMap(map, { config: { edgeMarginMm: 2 } });

function pixel(cv: { width: number; data: Uint8Array }, u: number, v: number): [number, number, number] {
  const i = 4 * (Math.round(v) * cv.width + Math.round(u));
  return [cv.data[i], cv.data[i + 1], cv.data[i + 2]];
}

describe('drawAxialTile', () => {
  it('colours growth warm, reduction cool and leaves unchanged anatomy grey', () => {
    const view = axialView(followup, 96);
    const cv = createCanvas(view.width, view.height);
    const scale = { threshold: 0.15, max: 1 };
    drawAxialTile(cv, 0, 0, view, followup, 2, [0, 150], { ternary, map, scale, mode: 'fill' });
    const [r1, g1, b1] = pixel(cv, ...voxelToDisplay(view, 18, 18));
    expect(r1).toBeGreaterThan(b1 + 60);
    expect(g1).toBeLessThan(r1);
    const [r2, , b2] = pixel(cv, ...voxelToDisplay(view, 32, 32));
    expect(b2).toBeGreaterThan(r2 + 60);
    const [r3, g3, b3] = pixel(cv, ...voxelToDisplay(view, 24, 40));
    expect(r3).toBe(g3);
    expect(g3).toBe(b3);
    expect(r3).toBeGreaterThan(100); // (100 + 24) / 150 of full scale
  });
  it('outlines only the border of a changed region', () => {
    const view = axialView(followup, 96);
    const cv = createCanvas(view.width, view.height);
    drawAxialTile(cv, 0, 0, view, followup, 2, [0, 150], {
      ternary,
      map,
      scale: { threshold: 0.15, max: 1 },
      mode: 'outline',
    });
    const [r, g, b] = pixel(cv, ...voxelToDisplay(view, 18, 18)); // centre of the growth box
    expect(r).toBe(g);
    expect(g).toBe(b);
    const [u, v] = voxelToDisplay(view, 14, 18); // its edge column
    const hit = [-1, 0, 1].some((du) => {
      const [rr, , bb] = pixel(cv, u + du * view.scaleH * 0.5, v);
      return rr > bb + 60;
    });
    expect(hit).toBe(true);
  });
});

describe('renderOverlayMontage / renderSliceOverlays', () => {
  it('renders a decodable PNG montage with and without a baseline', () => {
    const a = decodePng(
      renderOverlayMontage({ followup, baseline, ternary, map, lines: ['CHANGE +0.1 ML'] }),
    );
    const b = decodePng(renderOverlayMontage({ followup, ternary }));
    for (const img of [a, b]) {
      expect(img.width).toBeGreaterThan(300);
      expect(img.height).toBeGreaterThan(300);
    }
    // the montage contains warm pixels (growth) and cool pixels (reduction)
    let warm = 0;
    let cool = 0;
    for (let i = 0; i < a.data.length; i += 4) {
      if (a.data[i] > 200 && a.data[i + 2] < 80) warm++;
      if (a.data[i + 2] > 200 && a.data[i] < 80) cool++;
    }
    expect(warm).toBeGreaterThan(50);
    expect(cool).toBeGreaterThan(50);
  });
  it('renders one PNG per slice with change, named by its index', () => {
    const pngs = renderSliceOverlays({ followup, baseline, ternary, map, tilePx: 96 });
    expect(pngs.map((p) => p.name)).toEqual([1, 2, 3].map((z) => `overlay_slice_00${z}.png`));
    expect(decodePng(pngs[0].png).width).toBeGreaterThan(96);
  });
  it('rejects slices outside the volume and renders an empty slice list as a header-only image', () => {
    expect(() => renderOverlayMontage({ followup, ternary, slices: [6] })).toThrow(/outside/);
    expect(decodePng(renderOverlayMontage({ followup, ternary, slices: [] })).height).toBeGreaterThan(50);
  });
  it('rejects volumes of different grids', () => {
    expect(() => renderOverlayMontage({ followup, ternary: makeVolume([48, 48, 5]) })).toThrow(/dims/);
  });
});

describe('reference outline', () => {
  it('outlines the reference mask in green on the tiles', () => {
    const reference = makeVolume(dims, (x, y, z) => +inBox(6, 12, 30, 40, 0, 6)(x, y, z));
    const green = (png: Uint8Array) => {
      const img = decodePng(png);
      let n = 0;
      for (let i = 0; i < img.data.length; i += 4)
        if (img.data[i + 1] > 200 && img.data[i] < 100 && img.data[i + 2] < 130) n++;
      return n;
    };
    const withRef = renderOverlayMontage({ followup, baseline, ternary, reference, slices: [2] });
    const without = renderOverlayMontage({ followup, baseline, ternary, slices: [2] });
    expect(green(withRef) - green(without)).toBeGreaterThan(40);
  });
});
