import { describe, expect, it } from 'vitest';
import { createCanvas, decodePng, drawText, encodePng, fillRect, textWidth } from './canvas';

describe('canvas (Skia text over a voxel raster)', () => {
  it('draws anti-aliased text with lower case on top of the raster', () => {
    const cv = createCanvas(160, 40, [0, 0, 0]);
    fillRect(cv, 0, 0, 160, 40, [40, 40, 40]);
    drawText(cv, 'change 3.5 mL', 4, 8, [255, 255, 255], 2);
    const img = decodePng(encodePng(cv));
    expect([img.width, img.height]).toEqual([160, 40]);
    const greys = new Set<number>();
    for (let i = 0; i < img.data.length; i += 4) greys.add(img.data[i]);
    // background, full white and the blended edge values of anti-aliasing
    expect(greys.has(40)).toBe(true);
    expect(greys.has(255)).toBe(true);
    expect(greys.size).toBeGreaterThan(10);
    // the text sits on the raster: the right edge beyond the text keeps the fill
    expect(img.data[4 * (20 * 160 + 159)]).toBe(40);
  });
  it('has distinct lower-case glyphs (mL is not ML)', () => {
    expect(textWidth('mL', 2)).not.toBeCloseTo(textWidth('ML', 2), 1);
    expect(textWidth('mL', 3)).toBeGreaterThan(textWidth('mL', 2));
  });
});
