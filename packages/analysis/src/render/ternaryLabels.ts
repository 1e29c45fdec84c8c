import { AnetError } from '@anet/contracts';
import type { Rgb } from './canvas';

/**
 * The ternary map as a label image for viewers. `ternary.nii.gz` holds −1 (reduction), 0, +1 (growth), but
 * colour tables (3D Slicer, ITK-SNAP) index non-negative labels, so `ternary_labels.nii.gz` stores
 * 0 no change, 1 growth, 2 reduction (uint8, NIFTI_INTENT_LABEL), with the two tables below beside it.
 * Colours follow the overlay PNGs (changeColours.ts): growth warm, reduction cool.
 */
export const TERNARY_LABEL = { noChange: 0, growth: 1, reduction: 2 } as const;

interface LabelEntry {
  value: number;
  /** One word (Slicer's table has no spaces in names). */
  name: string;
  rgb: Rgb;
  /** 0..255 */
  opacity: number;
}

const ENTRIES: readonly LabelEntry[] = [
  { value: TERNARY_LABEL.noChange, name: 'no_change', rgb: [0, 0, 0], opacity: 0 },
  { value: TERNARY_LABEL.growth, name: 'growth', rgb: [240, 80, 20], opacity: 255 },
  { value: TERNARY_LABEL.reduction, name: 'reduction', rgb: [30, 110, 255], opacity: 255 },
];

/** −1 → 2 (reduction), 0 → 0, +1 → 1 (growth); any other value is a bug upstream and throws. */
export function ternaryToLabels(ternary: Float32Array): Float32Array {
  const out = new Float32Array(ternary.length);
  for (let i = 0; i < ternary.length; i++) {
    const v = ternary[i];
    if (v === 1) out[i] = TERNARY_LABEL.growth;
    else if (v === -1) out[i] = TERNARY_LABEL.reduction;
    else if (v !== 0)
      throw new AnetError('INTERNAL', `ternary voxel ${i} is ${v}: a ternary map holds only −1, 0 and +1`);
  }
  return out;
}

/**
 * A 3D Slicer colour table (`.ctbl`, "Color table file" format): `# ` header lines, then one line per label,
 * `index name R G B A` with 0..255 components. Label 0 is transparent.
 */
export function ternaryColourTable(): string {
  return [
    '# Color table file ternary_labels.ctbl',
    `# ${ENTRIES.length} values`,
    ...ENTRIES.map((e) => `${e.value} ${e.name} ${e.rgb.join(' ')} ${e.opacity}`),
    '',
  ].join('\n');
}

/**
 * An ITK-SNAP label description file (Segmentation › Import Label Descriptions): one line per label,
 * `IDX R G B A VIS MSH "LABEL"` with A in 0..1 and VIS/MSH 0 or 1. Label 0 is hidden.
 */
export function ternaryItkSnapLabels(): string {
  const pad = (x: number | string, w: number) => String(x).padStart(w);
  return [
    '################################################',
    '# ITK-SnAP Label Description File',
    '# anet ternary change labels (ternary_labels.nii.gz)',
    '# File format:',
    '# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL',
    '################################################',
    ...ENTRIES.map((e) => {
      const shown = e.opacity > 0 ? 1 : 0;
      return `${pad(e.value, 5)} ${e.rgb.map((c) => pad(c, 5)).join('')} ${pad(Number((e.opacity / 255).toFixed(2)), 8)} ${pad(shown, 2)} ${pad(shown, 2)}    "${e.name.replace('_', ' ')}"`;
    }),
    '',
  ].join('\n');
}
