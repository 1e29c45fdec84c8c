import { AnetError, type Volume } from '@anet/contracts';
import { createCanvas, drawText, drawTextOutlined, encodePng, textHeight, type Canvas } from './canvas';
import { axialView, formatSlicePosition, type AxialView } from './axialView';
import { changeColourScale, type ChangeColourScale } from './changeColours';
import {
  BG,
  colourBarHeight,
  drawColourBar,
  drawSwatchLegend,
  drawWrapped,
  FOOTER_TEXT,
  GREY,
  WHITE,
  wrappedHeight,
} from './decorations';
import { drawAxialTile } from './drawAxialTile';
import { intensityWindow } from './intensityWindow';

const REFERENCE_GREEN: [number, number, number] = [60, 255, 90];
const AMBER: [number, number, number] = [255, 190, 70];

export interface OverlayInput {
  /** Follow-up scan in the map's grid (e.g. the preprocessed follow-up written back to the baseline grid). */
  followup: Volume;
  /** Baseline scan in the map's grid; shown beside the follow-up with the change outlined. */
  baseline?: Volume;
  /** −1/0/+1 change (analyseMap's ternary). */
  ternary: Volume;
  /** The signed map: shades the colours by strength. */
  map?: Volume;
  /** Threshold used for the ternary map (start of the colour ramp). Default 0.15. */
  threshold?: number;
  /** Text lines under the title, e.g. the change in mL and the class. */
  lines?: string[];
  /** Warnings drawn in amber under the lines (e.g. header spacing that makes mL unreliable). */
  warnings?: string[];
  title?: string;
  /** Optional reference mask (non-zero = inside, e.g. the ground-truth change |gt|) outlined in green on every tile. */
  reference?: Volume;
  /** Legend text for the reference outline. */
  referenceLabel?: string;
}

/**
 * Throws INTERNAL unless every given volume has the dims of `ref`: renderers draw the same voxel of
 * each, so they must share one grid. Messages read "<context>: <name> dims … differ from the <refName>'s …".
 */
export function assertSameDims(
  context: string,
  refName: string,
  ref: Volume,
  parts: ReadonlyArray<readonly [string, Volume | undefined]>,
): void {
  for (const [name, v] of parts) {
    if (v && (v.dims[0] !== ref.dims[0] || v.dims[1] !== ref.dims[1] || v.dims[2] !== ref.dims[2])) {
      throw new AnetError(
        'INTERNAL',
        `${context}: ${name} dims ${v.dims.join('×')} differ from the ${refName}'s ${ref.dims.join('×')}`,
      );
    }
  }
}

/** The grey images an overlay shows: a slice blank in any of them is padding and is not selected. */
export function shownImages(input: OverlayInput): Float32Array[] {
  return input.baseline ? [input.baseline.data, input.followup.data] : [input.followup.data];
}

export function checkOverlayInput(input: OverlayInput): void {
  assertSameDims('overlay', 'follow-up', input.followup, [
    ['baseline', input.baseline],
    ['map', input.map],
    ['ternary', input.ternary],
    ['reference', input.reference],
  ]);
}

/**
 * Renders a grid of slices: per slice the baseline (change outlined) and the follow-up (change filled),
 * or the follow-up alone; a header, a colour bar, the orientation and the disclaimer.
 */
export interface PreparedOverlay {
  scale: ChangeColourScale;
  followupWindow: [number, number];
  baselineWindow: [number, number];
}

/** Colour scale and grey windows of a whole study: computed once, shared by every slice's PNG. */
export function prepareOverlay(input: OverlayInput): PreparedOverlay {
  checkOverlayInput(input);
  const followupWindow = intensityWindow(input.followup.data);
  return {
    scale: changeColourScale(input.ternary.data, input.map?.data, input.threshold ?? 0.15),
    followupWindow,
    baselineWindow: input.baseline ? intensityWindow(input.baseline.data) : followupWindow,
  };
}

export function renderSliceGrid(
  input: OverlayInput,
  slices: number[],
  tilePx: number,
  cellsPerRow: number,
  prepared: PreparedOverlay = prepareOverlay(input),
): Uint8Array {
  const fs = tilePx >= 384 ? 3 : 2;
  const margin = 16;
  const gap = 10;
  const view: AxialView = axialView(input.followup, tilePx);
  const { scale, followupWindow: fuWin, baselineWindow: blWin } = prepared;
  const tilesPerCell = input.baseline ? 2 : 1;
  const cellW = tilesPerCell * view.width + (tilesPerCell - 1) * 4;
  const labelH = textHeight(fs) + 6;
  const cellH = labelH + view.height;
  for (const z of slices) {
    if (!Number.isInteger(z) || z < 0 || z >= input.followup.dims[2]) {
      throw new AnetError('INTERNAL', `overlay: slice ${z} outside 0..${input.followup.dims[2] - 1}`);
    }
  }
  const cols = Math.max(1, Math.min(cellsPerRow, slices.length));
  const rows = Math.ceil(slices.length / cols);
  const width = Math.max(2 * margin + cols * cellW + (cols - 1) * gap, 560);
  const inner = width - 2 * margin;
  const title = input.title ?? 'anet change map';
  const lines = input.lines ?? [];
  const warnings = (input.warnings ?? []).map((w) => `⚠ ${w}`);
  const headerH =
    wrappedHeight(title, inner, fs + 1) +
    4 +
    lines.reduce((h, l) => h + wrappedHeight(l, inner, fs), 0) +
    warnings.reduce((h, l) => h + wrappedHeight(l, inner, fs - 1 || 1) + 4, 0) +
    8;
  const contour = input.reference ? { volume: input.reference, colour: REFERENCE_GREEN } : undefined;
  const legendLines = [
    'Radiological orientation: patient right on image left, anterior up. Slice positions are the world superior (S) / inferior (I) coordinate in mm from the baseline header.',
    input.baseline
      ? 'Left: baseline, change outlined. Right: follow-up aligned to the baseline, change filled.'
      : 'Follow-up, change filled.',
    input.reference ? `Green outline: ${input.referenceLabel ?? 'reference'}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const footer = FOOTER_TEXT;
  const legendH = wrappedHeight(legendLines, inner, fs - 1 || 1);
  const footerH = wrappedHeight(footer, inner, fs - 1 || 1);
  const gridH = Math.max(0, rows * cellH + (rows - 1) * gap);
  const barW = Math.min(inner, 640);
  const height =
    margin + headerH + gridH + 16 + colourBarHeight(fs - 1 || 1) + 8 + legendH + 8 + footerH + margin;
  const cv: Canvas = createCanvas(width, height, BG);

  let y = margin;
  y += drawWrapped(cv, title, margin, y, inner, WHITE, fs + 1) + 4;
  for (const line of lines) y += drawWrapped(cv, line, margin, y, inner, WHITE, fs);
  for (const w of warnings) y += drawWrapped(cv, w, margin, y + 4, inner, AMBER, fs - 1 || 1) + 4;
  y = margin + headerH;
  slices.forEach((z, k) => {
    const cx = margin + (k % cols) * (cellW + gap);
    const cy = y + Math.floor(k / cols) * (cellH + gap);
    drawText(cv, formatSlicePosition(input.followup, z), cx, cy, WHITE, fs, { bold: true });
    let tx = cx;
    if (input.baseline) {
      drawText(cv, 'baseline', cx + view.width - 2, cy, GREY, fs - 1 || 1, 'right');
      drawAxialTile(cv, tx, cy + labelH, view, input.baseline, z, blWin, {
        ternary: input.ternary,
        map: input.map,
        scale,
        mode: 'outline',
        contour,
      });
      drawOrientation(cv, tx, cy + labelH, view, fs - 1 || 1);
      tx += view.width + 4;
    }
    drawText(cv, 'follow-up', tx + view.width - 2, cy, GREY, fs - 1 || 1, 'right');
    drawAxialTile(cv, tx, cy + labelH, view, input.followup, z, fuWin, {
      ternary: input.ternary,
      map: input.map,
      scale,
      mode: 'fill',
      contour,
    });
    drawOrientation(cv, tx, cy + labelH, view, fs - 1 || 1);
  });
  y += gridH + 16;
  if (input.map) drawColourBar(cv, margin, y, barW, scale, fs - 1 || 1);
  else drawSwatchLegend(cv, margin, y, scale, fs - 1 || 1);
  y += colourBarHeight(fs - 1 || 1) + 8;
  y += drawWrapped(cv, legendLines, margin, y, inner, GREY, fs - 1 || 1) + 8;
  drawWrapped(cv, footer, margin, y, inner, [255, 210, 120], fs - 1 || 1);
  return encodePng(cv);
}

/** A (anterior) at the top, P at the bottom, R on the left, L on the right of a tile. */
function drawOrientation(cv: Canvas, x: number, y: number, view: AxialView, fs: number): void {
  const c: [number, number, number] = [255, 255, 160];
  const h = textHeight(fs);
  drawTextOutlined(cv, 'A', x + view.width / 2, y + 3, c, fs, 'center');
  drawTextOutlined(cv, 'P', x + view.width / 2, y + view.height - h - 3, c, fs, 'center');
  drawTextOutlined(cv, 'R', x + 4, y + view.height / 2 - h / 2, c, fs, 'left');
  drawTextOutlined(cv, 'L', x + view.width - 4, y + view.height / 2 - h / 2, c, fs, 'right');
}
