import { DISCLAIMER } from '@anet/contracts';
import { drawText, fillRect, strokeRect, textHeight, textWidth, type Canvas, type Rgb } from './canvas';
import { changeColour, type ChangeColourScale } from './changeColours';

export const WHITE: Rgb = [255, 255, 255];
export const GREY: Rgb = [170, 170, 170];
export const BG: Rgb = [12, 12, 16];
export const SHORT_DISCLAIMER = 'Research software, not a medical device';

/** Height of the colour bar block drawn by drawColourBar. */
export function colourBarHeight(fontScale: number): number {
  return 18 + 2 * textHeight(fontScale) + 12;
}

/**
 * Horizontal colour bar: reduction (cyan ← blue) on the left, growth (red → yellow) on the right, with
 * the map values at the ends and at the thresholds.
 */
export function drawColourBar(
  cv: Canvas,
  x: number,
  y: number,
  w: number,
  scale: ChangeColourScale,
  fontScale: number,
): void {
  const barH = 18;
  const half = Math.floor(w / 2);
  const gap = 14;
  for (let i = 0; i < half - gap; i++) {
    const f = i / Math.max(1, half - gap - 1);
    const m = scale.max - f * (scale.max - scale.threshold); // left end = strongest reduction
    fillRect(cv, x + i, y, 1, barH, changeColour(-1, m, scale));
    const g = scale.threshold + f * (scale.max - scale.threshold);
    fillRect(cv, x + half + gap + i, y, 1, barH, changeColour(1, g, scale));
  }
  strokeRect(cv, x - 1, y - 1, half - gap + 2, barH + 2, GREY);
  strokeRect(cv, x + half + gap - 1, y - 1, half - gap + 2, barH + 2, GREY);
  const ty = y + barH + 4;
  const fmt = (v: number) => v.toFixed(2);
  drawText(cv, `−${fmt(scale.max)}`, x, ty, WHITE, fontScale, 'left');
  drawText(cv, `−${fmt(scale.threshold)}`, x + half - gap, ty, WHITE, fontScale, 'right');
  drawText(cv, `+${fmt(scale.threshold)}`, x + half + gap, ty, WHITE, fontScale, 'left');
  drawText(cv, `+${fmt(scale.max)}`, x + w, ty, WHITE, fontScale, 'right');
  const ly = ty + textHeight(fontScale) + 4;
  drawText(cv, 'Reduction (map < 0)', x + (half - gap) / 2, ly, [120, 200, 255], fontScale, 'center');
  drawText(
    cv,
    'Growth (map > 0)',
    x + half + gap + (half - gap) / 2,
    ly,
    [255, 190, 90],
    fontScale,
    'center',
  );
}

/** Without a map there is no strength to show: two swatches, growth and reduction. */
export function drawSwatchLegend(
  cv: Canvas,
  x: number,
  y: number,
  scale: ChangeColourScale,
  fontScale: number,
): void {
  const sw = 28;
  fillRect(cv, x, y, sw, 18, changeColour(1, undefined, scale));
  drawText(cv, 'Growth (+1)', x + sw + 8, y + 9 - textHeight(fontScale) / 2, WHITE, fontScale);
  const x2 = x + sw + 8 + textWidth('Growth (+1)', fontScale) + 32;
  fillRect(cv, x2, y, sw, 18, changeColour(-1, undefined, scale));
  drawText(cv, 'Reduction (−1)', x2 + sw + 8, y + 9 - textHeight(fontScale) / 2, WHITE, fontScale);
}

/** Draws lines of text that wrap at `maxWidth`; returns the height used. */
export function drawWrapped(
  cv: Canvas,
  text: string,
  x: number,
  y: number,
  maxWidth: number,
  c: Rgb,
  fontScale: number,
): number {
  const words = text.split(/\s+/).filter(Boolean);
  const lineH = textHeight(fontScale) + 2 * fontScale;
  let line = '';
  let yy = y;
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (textWidth(next, fontScale) > maxWidth && line) {
      drawText(cv, line, x, yy, c, fontScale);
      yy += lineH;
      line = w;
    } else line = next;
  }
  if (line) {
    drawText(cv, line, x, yy, c, fontScale);
    yy += lineH;
  }
  return yy - y;
}

export function wrappedHeight(text: string, maxWidth: number, fontScale: number): number {
  const words = text.split(/\s+/).filter(Boolean);
  let lines = 0;
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (textWidth(next, fontScale) > maxWidth && line) {
      lines++;
      line = w;
    } else line = next;
  }
  if (line) lines++;
  return lines * (textHeight(fontScale) + 2 * fontScale);
}

/** The full disclaimer (contracts' DISCLAIMER) for the footer. */
export const FOOTER_TEXT = DISCLAIMER;
