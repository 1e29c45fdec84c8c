import {
  drawLine,
  drawPolyline,
  drawText,
  fillRect,
  strokeRect,
  textHeight,
  textWidth,
  type Canvas,
  type Rgb,
} from './canvas';

export interface PlotSeries {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  colour: Rgb;
  width?: number;
  label?: string;
}

export interface PanelSpec {
  title: string;
  xLabel: string;
  xRange: [number, number];
  yRange: [number, number];
  series: PlotSeries[];
  /** Dashed-free reference line from (x0, y0) to (x1, y1), e.g. the ROC diagonal. */
  reference?: [number, number, number, number];
  fontScale?: number;
}

/** About 5 "nice" tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  // integer multiples of the step, rounded, so 3 × 0.2 prints as 0.6
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
    out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'E').replace('e', 'E');
  return String(Number(v.toPrecision(3)));
}

/** Data range of finite ys (padded 5 %); [0, 1] when there are none. */
export function dataRange(series: PlotSeries[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (let i = 0; i < s.ys.length; i++) {
      const y = s.ys[i];
      if (!Number.isFinite(y)) continue;
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
  if (!Number.isFinite(lo)) return [0, 1];
  if (hi === lo) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

const AXIS: Rgb = [60, 60, 60];
const GRID: Rgb = [225, 225, 225];
const INK: Rgb = [20, 20, 20];

/** A line plot with axes, ticks, grid and title in the box (x, y, w, h) on a light background. */
export function plotPanel(cv: Canvas, x: number, y: number, w: number, h: number, spec: PanelSpec): void {
  const fs = spec.fontScale ?? 2;
  const th = textHeight(fs);
  const yTicks = niceTicks(spec.yRange[0], spec.yRange[1]);
  const xTicks = niceTicks(spec.xRange[0], spec.xRange[1]);
  const left = x + Math.max(...yTicks.map((t) => textWidth(formatTick(t), fs))) + 12;
  const top = y + th + 10;
  const right = x + w - 10;
  const bottom = y + h - 2 * th - 16;
  const pw = right - left;
  const ph = bottom - top;
  const [x0, x1] = spec.xRange;
  const [y0, y1] = spec.yRange;
  const px = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const py = (v: number) => bottom - ((v - y0) / (y1 - y0 || 1)) * ph;
  drawText(cv, spec.title, x + w / 2, y, INK, fs, 'center');
  for (const t of yTicks) {
    const yy = Math.round(py(t));
    if (yy < top || yy > bottom) continue;
    fillRect(cv, left, yy, pw, 1, GRID);
    drawText(cv, formatTick(t), left - 6, yy - th / 2, INK, fs, 'right');
  }
  for (const t of xTicks) {
    const xx = Math.round(px(t));
    if (xx < left || xx > right) continue;
    fillRect(cv, xx, top, 1, ph, GRID);
    drawText(cv, formatTick(t), xx, bottom + 6, INK, fs, 'center');
  }
  drawText(cv, spec.xLabel, left + pw / 2, bottom + th + 12, INK, fs, 'center');
  if (spec.reference) {
    const [a, b, c, d] = spec.reference;
    drawLine(cv, px(a), py(b), px(c), py(d), [150, 150, 150], 1);
  }
  for (const s of spec.series) {
    // one anti-aliased polyline per run of finite points
    let run: Array<[number, number]> = [];
    for (let i = 0; i <= s.ys.length; i++) {
      const yv = s.ys[i];
      const xv = s.xs[i];
      if (i === s.ys.length || !Number.isFinite(yv) || !Number.isFinite(xv)) {
        drawPolyline(cv, run, s.colour, s.width ?? 2);
        run = [];
        continue;
      }
      run.push([px(xv), Math.max(top, Math.min(bottom, py(yv)))]);
    }
  }
  strokeRect(cv, left, top, pw + 1, ph + 1, AXIS);
}
