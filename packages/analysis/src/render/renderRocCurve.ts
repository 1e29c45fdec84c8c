import { createCanvas, drawLine, drawText, encodePng, fillRect, textHeight, type Rgb } from './canvas';
import { plotPanel } from './plotPanel';

export interface RocCurveSeries {
  label: string;
  fpr: ArrayLike<number>;
  tpr: ArrayLike<number>;
  auc?: number;
}

const COLOURS: Rgb[] = [
  [220, 60, 30],
  [30, 110, 220],
  [40, 150, 60],
  [150, 60, 170],
  [200, 140, 0],
  [0, 150, 160],
];

/** ROC curves (TPR against FPR) with the chance diagonal and a legend with each AUC. */
export function renderRocCurve(curves: RocCurveSeries[], opts: { title?: string } = {}): Uint8Array {
  const size = 640;
  const fs = 2;
  const lineH = textHeight(fs) + 8;
  const legendH = curves.length * lineH + 16;
  const cv = createCanvas(size, size + legendH + 20, [255, 255, 255]);
  plotPanel(cv, 10, 10, size - 20, size - 20, {
    title: opts.title ?? 'Voxel-wise ROC (TPR vs FPR)',
    xLabel: 'False positive rate',
    xRange: [0, 1],
    yRange: [0, 1],
    reference: [0, 0, 1, 1],
    series: curves.map((c, i) => ({ xs: c.fpr, ys: c.tpr, colour: COLOURS[i % COLOURS.length], width: 3 })),
    fontScale: fs,
  });
  let y = size + 4;
  curves.forEach((c, i) => {
    const col = COLOURS[i % COLOURS.length];
    fillRect(cv, 40, y + 4, 30, 4, col);
    drawLine(cv, 40, y + 5, 70, y + 5, col, 3);
    const auc = c.auc === undefined ? '' : `  AUC = ${c.auc.toFixed(3)}`;
    drawText(cv, `${c.label}${auc}`, 84, y, [0, 0, 0], fs);
    y += lineH;
  });
  drawText(cv, 'y: true positive rate', 40, y + 4, [90, 90, 90], fs);
  return encodePng(cv);
}
