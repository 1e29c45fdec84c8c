import { createCanvas, drawText, encodePng, textHeight, type Rgb } from './canvas';
import { dataRange, plotPanel, type PlotSeries } from './plotPanel';

/** Loss history as the model package records it: one entry per epoch (generator update). */
export interface LossHistoryLike {
  epoch: number[];
  critic: number[];
  generator: number[];
  gp: number[];
  wasserstein: number[];
}

/** Centred moving average over `k` points (NaN-aware), to show the trend under noisy losses. */
export function movingAverage(ys: ArrayLike<number>, k: number): Float64Array {
  const out = new Float64Array(ys.length);
  const h = Math.floor(k / 2);
  for (let i = 0; i < ys.length; i++) {
    let s = 0;
    let n = 0;
    for (let j = Math.max(0, i - h); j <= Math.min(ys.length - 1, i + h); j++) {
      if (Number.isFinite(ys[j])) {
        s += ys[j];
        n++;
      }
    }
    out[i] = n > 0 ? s / n : NaN;
  }
  return out;
}

const PANELS: Array<{ key: keyof Omit<LossHistoryLike, 'epoch'>; title: string; colour: Rgb }> = [
  { key: 'critic', title: 'Critic loss', colour: [200, 40, 40] },
  { key: 'generator', title: 'Generator loss', colour: [30, 90, 200] },
  { key: 'wasserstein', title: 'Wasserstein estimate D(real) − D(fake)', colour: [20, 140, 60] },
  { key: 'gp', title: 'Gradient penalty', colour: [140, 60, 170] },
];

/**
 * training_curve.png: four panels (critic, generator, Wasserstein estimate, gradient penalty) against
 * the epoch, each with its own scale; raw values light, a moving average bold.
 */
export function renderTrainingCurve(history: LossHistoryLike, opts: { title?: string } = {}): Uint8Array {
  const pw = 560;
  const ph = 340;
  const margin = 16;
  const fs = 2;
  const titleH = textHeight(3) + 16;
  const cv = createCanvas(2 * pw + 3 * margin, 2 * ph + 3 * margin + titleH, [255, 255, 255]);
  drawText(cv, opts.title ?? 'anet training curves', margin, margin, [0, 0, 0], 3);
  const n = history.epoch.length;
  const xs = history.epoch;
  const xRange: [number, number] = n > 1 ? [Math.min(...xs), Math.max(...xs)] : [0, Math.max(1, xs[0] ?? 1)];
  const k = Math.max(1, Math.round(n / 50));
  PANELS.forEach((p, i) => {
    const ys = history[p.key] ?? [];
    const light: Rgb = [
      Math.round(p.colour[0] + (255 - p.colour[0]) * 0.65),
      Math.round(p.colour[1] + (255 - p.colour[1]) * 0.65),
      Math.round(p.colour[2] + (255 - p.colour[2]) * 0.65),
    ];
    const series: PlotSeries[] = [{ xs, ys, colour: light, width: 1 }];
    if (k > 1) series.push({ xs, ys: movingAverage(ys, k), colour: p.colour, width: 3 });
    else series[0] = { xs, ys, colour: p.colour, width: 2 };
    plotPanel(
      cv,
      margin + (i % 2) * (pw + margin),
      margin + titleH + Math.floor(i / 2) * (ph + margin),
      pw,
      ph,
      {
        title: p.title,
        xLabel: 'EPOCH',
        xRange,
        yRange: dataRange([series[0]]),
        series,
        fontScale: fs,
      },
    );
  });
  return encodePng(cv);
}
