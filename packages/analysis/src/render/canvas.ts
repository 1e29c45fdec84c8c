import { PNG } from 'pngjs';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyphRows } from './font5x7';

export type Rgb = [number, number, number];

/** An RGBA8 raster (row-major, top row first) with the few drawing primitives the renderers need. */
export interface Canvas {
  width: number;
  height: number;
  data: Uint8Array;
}

export function createCanvas(width: number, height: number, background: Rgb = [0, 0, 0]): Canvas {
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    data[4 * i] = background[0];
    data[4 * i + 1] = background[1];
    data[4 * i + 2] = background[2];
    data[4 * i + 3] = 255;
  }
  return { width: w, height: h, data };
}

/** Blends `c` over pixel (x, y) with opacity `alpha` ∈ [0, 1]; outside the canvas is ignored. */
export function blendPixel(cv: Canvas, x: number, y: number, c: Rgb, alpha = 1): void {
  if (x < 0 || y < 0 || x >= cv.width || y >= cv.height) return;
  const i = 4 * (Math.floor(y) * cv.width + Math.floor(x));
  const a = alpha;
  cv.data[i] = Math.round(cv.data[i] * (1 - a) + c[0] * a);
  cv.data[i + 1] = Math.round(cv.data[i + 1] * (1 - a) + c[1] * a);
  cv.data[i + 2] = Math.round(cv.data[i + 2] * (1 - a) + c[2] * a);
}

export function fillRect(cv: Canvas, x: number, y: number, w: number, h: number, c: Rgb, alpha = 1): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(cv.width, Math.round(x + w));
  const y1 = Math.min(cv.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) blendPixel(cv, xx, yy, c, alpha);
}

export function strokeRect(cv: Canvas, x: number, y: number, w: number, h: number, c: Rgb): void {
  fillRect(cv, x, y, w, 1, c);
  fillRect(cv, x, y + h - 1, w, 1, c);
  fillRect(cv, x, y, 1, h, c);
  fillRect(cv, x + w - 1, y, 1, h, c);
}

/** A line of the given width (square pen), stepping along the longer axis. */
export function drawLine(
  cv: Canvas,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  c: Rgb,
  width = 1,
): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  const r = (width - 1) / 2;
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    const x = x0 + (x1 - x0) * t;
    const y = y0 + (y1 - y0) * t;
    fillRect(cv, x - r, y - r, width, width, c);
  }
}

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale = 1): number {
  return Math.max(0, [...text].length * GLYPH_ADVANCE - 1) * scale;
}

export function textHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}

/** Draws `text` with its top-left corner at (x, y); `align` shifts it so (x, y) is its left/centre/right. */
export function drawText(
  cv: Canvas,
  text: string,
  x: number,
  y: number,
  c: Rgb,
  scale = 1,
  align: 'left' | 'center' | 'right' = 'left',
): void {
  const w = textWidth(text, scale);
  let cx = Math.round(align === 'left' ? x : align === 'center' ? x - w / 2 : x - w);
  const cy = Math.round(y);
  for (const ch of text) {
    const rows = glyphRows(ch);
    for (let r = 0; r < rows.length; r++)
      for (let col = 0; col < 5; col++)
        if (rows[r] & (1 << (4 - col))) fillRect(cv, cx + col * scale, cy + r * scale, scale, scale, c);
    cx += GLYPH_ADVANCE * scale;
  }
}

/** Text with a dark 1-pixel halo so it stays legible on top of an image. */
export function drawTextOutlined(
  cv: Canvas,
  text: string,
  x: number,
  y: number,
  c: Rgb,
  scale = 1,
  align: 'left' | 'center' | 'right' = 'left',
): void {
  for (const [dx, dy] of [
    [-1, 0],
    [1, 0],
    [0, -1],
    [0, 1],
  ])
    drawText(cv, text, x + dx, y + dy, [0, 0, 0], scale, align);
  drawText(cv, text, x, y, c, scale, align);
}

/** PNG bytes of the canvas (pngjs encoder, 8-bit RGBA). */
export function encodePng(cv: Canvas): Uint8Array {
  const png = new PNG({ width: cv.width, height: cv.height });
  png.data = Buffer.from(cv.data.buffer, cv.data.byteOffset, cv.data.byteLength);
  const buf = PNG.sync.write(png, { colorType: 6, filterType: 4 });
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Decodes PNG bytes (for tests and tools). */
export function decodePng(bytes: Uint8Array): Canvas {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}
