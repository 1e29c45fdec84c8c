import type { Rgb } from './canvas';

/** Growth in warm colours (red → yellow), reduction in cool colours (blue → cyan), by |map| strength. */
export interface ChangeColourScale {
  /** |map| at the threshold (start of the ramp). */
  threshold: number;
  /** |map| at the end of the ramp (brightest colour). */
  max: number;
}

function ramp(a: Rgb, b: Rgb, f: number): Rgb {
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

const RED: Rgb = [230, 20, 10];
const YELLOW: Rgb = [255, 240, 40];
const BLUE: Rgb = [20, 70, 255];
const CYAN: Rgb = [40, 240, 255];

/** Colour of a changed voxel: sign from the ternary value, shade from |map| (mid-ramp without a map). */
export function changeColour(sign: number, mapValue: number | undefined, scale: ChangeColourScale): Rgb {
  const span = Math.max(1e-9, scale.max - scale.threshold);
  const f =
    mapValue === undefined || !Number.isFinite(mapValue)
      ? 0.5
      : Math.min(1, Math.max(0, (Math.abs(mapValue) - scale.threshold) / span));
  return sign > 0 ? ramp(RED, YELLOW, f) : ramp(BLUE, CYAN, f);
}

/**
 * Colour-scale end: the 99th percentile of |map| over changed voxels (so one outlier does not wash the
 * ramp out), at least twice the threshold.
 */
export function changeColourScale(
  ternary: Float32Array,
  map: Float32Array | undefined,
  threshold: number,
): ChangeColourScale {
  if (!map) return { threshold, max: 2 * threshold };
  const stride = Math.max(1, Math.floor(ternary.length / 2_000_000));
  const buf = new Float32Array(Math.ceil(ternary.length / stride));
  let n = 0;
  for (let i = 0; i < ternary.length; i += stride) if (ternary[i] !== 0) buf[n++] = Math.abs(map[i]);
  if (n === 0) return { threshold, max: 2 * threshold };
  const vals = buf.subarray(0, n).sort();
  const p99 = vals[Math.floor(0.99 * (vals.length - 1))];
  return { threshold, max: Math.max(2 * threshold, p99) };
}
