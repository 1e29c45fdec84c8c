import type { TrainConfig } from '@anet/contracts';
import type { Rng } from '@anet/preprocess';

/**
 * The stabilising noise square: size×size Gaussian noise smoothed by a 2D Gaussian (σ = smoothSigma,
 * edge-clamped), scaled to peak |value| = amplitude. Drawn once per run so every step shows the critic
 * the same pattern (row-major, size×size).
 */
export function makeNoisePattern(cfg: Pick<TrainConfig, 'noiseSquare'>, rng: Rng): Float32Array {
  const { size, smoothSigma, amplitude } = cfg.noiseSquare;
  const raw = new Float32Array(size * size);
  for (let i = 0; i < raw.length; i++) raw[i] = rng.normal();
  const r = Math.max(1, Math.ceil(3 * smoothSigma));
  const k: number[] = [];
  for (let d = -r; d <= r; d++) k.push(Math.exp(-(d * d) / (2 * smoothSigma * smoothSigma)));
  const ks = k.reduce((a, b) => a + b, 0);
  const blur = (src: Float32Array, dx: number, dy: number): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        let s = 0;
        for (let d = -r; d <= r; d++) {
          const xx = Math.min(size - 1, Math.max(0, x + d * dx));
          const yy = Math.min(size - 1, Math.max(0, y + d * dy));
          s += k[d + r] * src[yy * size + xx];
        }
        out[y * size + x] = s / ks;
      }
    return out;
  };
  const sm = blur(blur(raw, 1, 0), 0, 1);
  let peak = 0;
  for (const v of sm) peak = Math.max(peak, Math.abs(v));
  const scale = peak > 0 ? amplitude / peak : 0;
  for (let i = 0; i < sm.length; i++) sm[i] *= scale;
  return sm;
}

/** Top-left corner of the square centred at `centre` (fractions) on a width×height slice. */
export function squareOrigin(
  centre: [number, number],
  size: number,
  width: number,
  height: number,
): [number, number] {
  const x0 = Math.round(centre[0] * width - size / 2);
  const y0 = Math.round(centre[1] * height - size / 2);
  return [Math.min(Math.max(0, x0), width - size), Math.min(Math.max(0, y0), height - size)];
}

/** Adds the pattern in place to each of `count` row-major width×height slices stacked in `slices`. */
export function addNoiseSquare(
  slices: Float32Array,
  count: number,
  width: number,
  height: number,
  pattern: Float32Array,
  size: number,
  centre: [number, number],
): void {
  const [x0, y0] = squareOrigin(centre, size, width, height);
  for (let b = 0; b < count; b++) {
    const base = b * width * height;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) slices[base + (y0 + y) * width + x0 + x] += pattern[y * size + x];
  }
}
