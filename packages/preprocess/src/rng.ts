import { AnetError } from '@anet/contracts';

/** A small seedable random source. Its whole state is a plain number array (for checkpoints). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (ziggurat). */
  normal(): number;
  /** Uniform in [a, b). */
  uniform(a: number, b: number): number;
  /** Serialisable state: restore with `rngFromState`; the restored stream continues exactly. */
  state(): number[];
}

const TWO_POW_32 = 4294967296;

/** splitmix32: spreads one seed over the four sfc32 words so that nearby seeds give unrelated streams. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

// Ziggurat tables (Marsaglia & Tsang 2000, in Doornik's 2005 "ZIGNOR" form: 128 layers, layer
// index and value from independent bits). ~5× faster than Box–Muller, which matters for the
// 65k normals of every noisy training slice.
const ZIG_LAYERS = 128;
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_X = new Float64Array(ZIG_LAYERS + 1);
const ZIG_RATIO = new Float64Array(ZIG_LAYERS);
{
  let f = Math.exp(-0.5 * ZIG_R * ZIG_R);
  ZIG_X[0] = ZIG_V / f;
  ZIG_X[1] = ZIG_R;
  ZIG_X[ZIG_LAYERS] = 0;
  for (let i = 2; i < ZIG_LAYERS; i++) {
    ZIG_X[i] = Math.sqrt(-2 * Math.log(ZIG_V / ZIG_X[i - 1] + f));
    f = Math.exp(-0.5 * ZIG_X[i] * ZIG_X[i]);
  }
  for (let i = 0; i < ZIG_LAYERS; i++) ZIG_RATIO[i] = ZIG_X[i + 1] / ZIG_X[i];
}

/** sfc32 (Doty-Humphrey's Small Fast Counting generator, PractRand-clean). State: [a, b, c, d]. */
function makeSfc32(a: number, b: number, c: number, d: number): Rng {
  // State in a typed array: plain `let` uint32 values above 2^30 would be boxed on every step.
  const st = new Int32Array([a | 0, b | 0, c | 0, d | 0]);

  const nextU32 = (): number => {
    const s0 = st[0];
    const s1 = st[1];
    const s2 = st[2];
    const s3 = st[3];
    const t = (s0 + s1 + s3) | 0;
    st[3] = (s3 + 1) | 0;
    st[0] = s1 ^ (s1 >>> 9);
    st[1] = (s2 + (s2 << 3)) | 0;
    st[2] = (((s2 << 21) | (s2 >>> 11)) + t) | 0;
    return t >>> 0;
  };

  const next = (): number => nextU32() / TWO_POW_32;

  const normal = (): number => {
    for (;;) {
      const t = nextU32();
      const i = t & (ZIG_LAYERS - 1);
      // The other 25 bits give u uniform in (−1, 1).
      const u = ((t >>> 7) - 16777216 + 0.5) / 16777216;
      if (Math.abs(u) < ZIG_RATIO[i]) return u * ZIG_X[i];
      if (i === 0) {
        // Base layer: sample the tail beyond R (Marsaglia 1964).
        let x: number;
        let y: number;
        do {
          x = Math.log(1 - next()) / ZIG_R;
          y = Math.log(1 - next());
        } while (-2 * y < x * x);
        return u < 0 ? x - ZIG_R : ZIG_R - x;
      }
      const x = u * ZIG_X[i];
      const f0 = Math.exp(-0.5 * (ZIG_X[i] * ZIG_X[i] - x * x));
      const f1 = Math.exp(-0.5 * (ZIG_X[i + 1] * ZIG_X[i + 1] - x * x));
      if (f1 + next() * (f0 - f1) < 1) return x;
    }
  };

  return {
    next,
    normal,
    uniform: (lo: number, hi: number) => lo + (hi - lo) * next(),
    state: () => [st[0] >>> 0, st[1] >>> 0, st[2] >>> 0, st[3] >>> 0],
  };
}

/** A fresh generator from an integer seed (any finite number; it is folded to 32 bits). */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new AnetError('CONFIG_INVALID', `RNG seed must be finite, got ${seed}`);
  const mix = splitmix32(Math.trunc(seed) | 0);
  const rng = makeSfc32(mix(), mix(), mix(), mix());
  // Warm up: the first sfc32 outputs are weakly mixed.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/** Restores a generator from `rng.state()`: the restored stream continues exactly. */
export function rngFromState(state: number[]): Rng {
  if (!Array.isArray(state) || state.length !== 4) {
    throw new AnetError('CHECKPOINT_INVALID', 'RNG state must be an array of 4 uint32 words');
  }
  for (let i = 0; i < 4; i++) {
    const w = state[i];
    if (!Number.isInteger(w) || w < 0 || w >= TWO_POW_32) {
      throw new AnetError('CHECKPOINT_INVALID', `RNG state word ${i} is not a uint32: ${w}`);
    }
  }
  return makeSfc32(state[0], state[1], state[2], state[3]);
}
