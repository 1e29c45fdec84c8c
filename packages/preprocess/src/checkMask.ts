import { AnetError, affinesAgree, type Volume } from '@anet/contracts';

export interface CheckMaskOptions {
  /** The part's name in messages and error details, e.g. 'baselineBrainMask'. */
  part: string;
  /** 'brain' masks must be non-empty and cover 1–90 % of the field of view; 'tumour' masks may be empty and cover ≤ 25 %. */
  kind: 'brain' | 'tumour';
  /** For a label map: the label that is the mask (other labels are background). */
  label?: number;
}

/** Largest distinct-value count of a label map; more looks like an image, not a segmentation. */
const MAX_LABELS = 64;

/**
 * Checks a mask against its scan and returns it as 0/1: on the scan's grid (same dims and, within
 * 0.1 mm / 0.1 %, the same affine: MASK_GRID_MISMATCH), binary or a label map with a stated label
 * (an MRI passed as a mask or an unstated label: MASK_INVALID), and of plausible size for its kind
 * (MASK_INVALID). Every message names the part.
 */
export function checkMask(mask: Volume, scan: Volume, opts: CheckMaskOptions): Volume {
  const { part } = opts;
  const details = { part };
  if (mask.dims.some((d, a) => d !== scan.dims[a])) {
    throw new AnetError(
      'MASK_GRID_MISMATCH',
      `${part}: the mask is ${mask.dims.join('×')} voxels, its scan ${scan.dims.join('×')}: send the mask in its own scan's grid`,
      { details },
    );
  }
  if (!affinesAgree(mask.affine, scan.affine, 0.1)) {
    throw new AnetError(
      'MASK_GRID_MISMATCH',
      `${part}: the mask's voxel-to-world affine differs from its scan's (another orientation or position): send the mask in its own scan's grid`,
      { details },
    );
  }
  const values = new Set<number>();
  const d = mask.data;
  for (let i = 0; i < d.length && values.size <= MAX_LABELS; i++) values.add(d[i]!);
  const integral = [...values].every((v) => Number.isInteger(v));
  if (!integral || values.size > MAX_LABELS) {
    throw new AnetError(
      'MASK_INVALID',
      `${part}: ${values.size > MAX_LABELS ? 'more than 64 distinct values' : 'non-integer values'} — this looks like an image, not a mask: send a 0/1 mask or a label map`,
      { details },
    );
  }
  let label = opts.label;
  if (label === undefined) {
    const nonzero = [...values].filter((v) => v !== 0);
    if (nonzero.length > 1) {
      throw new AnetError(
        'MASK_INVALID',
        `${part}: a label map with labels ${nonzero.sort((a, b) => a - b).join(', ')}: state which label is the mask`,
        { details },
      );
    }
    label = nonzero[0] ?? 1;
  }
  const out = new Float32Array(d.length);
  let n = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== label) continue;
    out[i] = 1;
    n++;
  }
  const fraction = n / d.length;
  if (opts.kind === 'brain' && (n === 0 || fraction < 0.01 || fraction > 0.9)) {
    throw new AnetError(
      'MASK_INVALID',
      `${part}: the brain mask covers ${(100 * fraction).toFixed(1)} % of the field of view (plausible: 1–90 %)${n === 0 ? ' — it is empty' : ''}`,
      { details },
    );
  }
  if (opts.kind === 'tumour' && fraction > 0.25) {
    throw new AnetError(
      'MASK_INVALID',
      `${part}: the tumour mask covers ${(100 * fraction).toFixed(1)} % of the field of view (plausible: ≤ 25 %)`,
      { details },
    );
  }
  return { data: out, dims: [...scan.dims], spacing: [...scan.spacing], affine: [...scan.affine] };
}
