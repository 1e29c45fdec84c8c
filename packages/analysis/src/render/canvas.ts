import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  createCanvas as createSkiaCanvas,
  GlobalFonts,
  Image,
  type SKRSContext2D,
} from '@napi-rs/canvas';

export type Rgb = [number, number, number];
type Align = 'left' | 'center' | 'right';

/**
 * An RGBA8 raster (row-major, top row first) for the voxel images, plus vector drawing (text, lines)
 * done by Skia (@napi-rs/canvas) when the PNG is encoded. Images are drawn pixel by pixel because every
 * display pixel samples a voxel; text and lines are anti-aliased vectors laid over the finished raster,
 * so labels always sit on top of the images they annotate.
 */
export interface Canvas {
  width: number;
  height: number;
  data: Uint8Array;
  /** Vector operations, replayed in order over the raster by encodePng. */
  vector: Array<(ctx: SKRSContext2D) => void>;
}

// One font family shipped with the package (DejaVu, from npm) so output does not depend on the
// fonts a host or container happens to have.
const FAMILY = 'anet-sans';
let fontsReady = false;
function ensureFonts(): void {
  if (fontsReady) return;
  const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  GlobalFonts.registerFromPath(join(dir, 'DejaVuSans.ttf'), FAMILY);
  GlobalFonts.registerFromPath(join(dir, 'DejaVuSans-Bold.ttf'), FAMILY);
  fontsReady = true;
}

/**
 * Text sizes are given as a small integer `scale` (1 = footnote, 2 = body, 3 = large, 4 = title);
 * this is the pixel size of each.
 */
export function fontPx(scale: number): number {
  return Math.round(6 + 5 * scale);
}

function font(scale: number, bold: boolean): string {
  return `${bold ? 'bold ' : ''}${fontPx(scale)}px ${FAMILY}`;
}

let measurer: SKRSContext2D | undefined;
function measureContext(): SKRSContext2D {
  ensureFonts();
  measurer ??= createSkiaCanvas(1, 1).getContext('2d');
  return measurer;
}

const css = (c: Rgb, a = 1) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;

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
  return { width: w, height: h, data, vector: [] };
}

/** Blends `c` over raster pixel (x, y) with opacity `alpha` ∈ [0, 1]; outside the canvas is ignored. */
export function blendPixel(cv: Canvas, x: number, y: number, c: Rgb, alpha = 1): void {
  if (x < 0 || y < 0 || x >= cv.width || y >= cv.height) return;
  const i = 4 * (Math.floor(y) * cv.width + Math.floor(x));
  const a = alpha;
  cv.data[i] = Math.round(cv.data[i] * (1 - a) + c[0] * a);
  cv.data[i + 1] = Math.round(cv.data[i + 1] * (1 - a) + c[1] * a);
  cv.data[i + 2] = Math.round(cv.data[i + 2] * (1 - a) + c[2] * a);
}

/** A filled rectangle in the raster (colour bars, backgrounds, grid lines). */
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

/** An anti-aliased polyline (vector, drawn over the raster). */
export function drawPolyline(cv: Canvas, points: Array<[number, number]>, c: Rgb, width = 1): void {
  if (points.length < 2) return;
  const pts = points.map(([x, y]) => [x, y] as [number, number]);
  cv.vector.push((ctx) => {
    ctx.strokeStyle = css(c);
    ctx.lineWidth = width;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(pts[0][0], pts[0][1]);
    for (let i = 1; i < pts.length; i++) ctx.lineTo(pts[i][0], pts[i][1]);
    ctx.stroke();
  });
}

export function drawLine(cv: Canvas, x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): void {
  drawPolyline(
    cv,
    [
      [x0, y0],
      [x1, y1],
    ],
    c,
    width,
  );
}

/** Width in pixels of `text` at `scale`. */
export function textWidth(text: string, scale = 1, bold = false): number {
  const ctx = measureContext();
  ctx.font = font(scale, bold);
  return ctx.measureText(text).width;
}

/** Height of one line of text at `scale` (the box drawText fills below its y). */
export function textHeight(scale = 1): number {
  return Math.ceil(fontPx(scale) * 1.15);
}

export interface TextStyle {
  align?: Align;
  bold?: boolean;
  /** A dark halo so the text stays legible on top of an image. */
  halo?: boolean;
}

/** Draws `text` with the top of its line box at y; `align` says whether x is its left, centre or right. */
export function drawText(
  cv: Canvas,
  text: string,
  x: number,
  y: number,
  c: Rgb,
  scale = 1,
  align: Align | TextStyle = 'left',
): void {
  const style: TextStyle = typeof align === 'string' ? { align } : align;
  cv.vector.push((ctx) => {
    ctx.font = font(scale, style.bold ?? false);
    ctx.textAlign = style.align ?? 'left';
    ctx.textBaseline = 'top';
    if (style.halo) {
      ctx.lineWidth = Math.max(2, fontPx(scale) / 5);
      ctx.lineJoin = 'round';
      ctx.strokeStyle = 'rgba(0,0,0,0.85)';
      ctx.strokeText(text, x, y);
    }
    ctx.fillStyle = css(c);
    ctx.fillText(text, x, y);
  });
}

/** Text with a dark halo so it stays legible on top of an image. */
export function drawTextOutlined(
  cv: Canvas,
  text: string,
  x: number,
  y: number,
  c: Rgb,
  scale = 1,
  align: Align = 'left',
): void {
  drawText(cv, text, x, y, c, scale, { align, halo: true });
}

/** PNG bytes: the raster with the vector operations drawn over it. */
export function encodePng(cv: Canvas): Uint8Array {
  ensureFonts();
  const skia = createSkiaCanvas(cv.width, cv.height);
  const ctx = skia.getContext('2d');
  const img = ctx.createImageData(cv.width, cv.height);
  img.data.set(cv.data);
  ctx.putImageData(img, 0, 0);
  for (const op of cv.vector) {
    ctx.save();
    op(ctx);
    ctx.restore();
  }
  const buf = skia.toBuffer('image/png');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Decodes PNG bytes into a raster (for tests and tools). */
export function decodePng(bytes: Uint8Array): Canvas {
  const img = new Image();
  img.src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const skia = createSkiaCanvas(img.width, img.height);
  const ctx = skia.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  return { width: img.width, height: img.height, data: new Uint8Array(data), vector: [] };
}
