import type { TrainConfig } from '@anet/contracts';

/**
 * The paper's schedule, with 1-based epochs e = 1…epochs (an epoch = one generator update):
 * `criticItersBoost` critic updates when e ≤ warmupEpochs or e % boostEvery = 0, else `criticIters`.
 * For 1000 epochs with 25/100: 35 boosted epochs (25 + 100, 200, …, 1000) → 965×5 + 35×100.
 */
export function criticItersFor(epoch: number, cfg: Pick<TrainConfig, 'schedule'>): number {
  const s = cfg.schedule;
  return epoch <= s.warmupEpochs || epoch % s.boostEvery === 0 ? s.criticItersBoost : s.criticIters;
}

export function totalCriticIters(cfg: Pick<TrainConfig, 'schedule' | 'epochs'>): number {
  let n = 0;
  for (let e = 1; e <= cfg.epochs; e++) n += criticItersFor(e, cfg);
  return n;
}

/** Last epoch (1-based) of each noise phase: phase p covers epochs (end[p−1], end[p]]. */
export function phaseEndEpochs(cfg: Pick<TrainConfig, 'noiseSquare' | 'epochs'>): number[] {
  return cfg.noiseSquare.phases.map((p) => Math.round(p.untilFraction * cfg.epochs));
}

/** Noise-square centre (fractions of the slice) in force during `epoch`, or null when off. */
export function noiseCentreFor(
  epoch: number,
  cfg: Pick<TrainConfig, 'noiseSquare' | 'epochs'>,
): [number, number] | null {
  if (!cfg.noiseSquare.enabled) return null;
  const ends = phaseEndEpochs(cfg);
  for (let p = 0; p < ends.length; p++) if (epoch <= ends[p]) return cfg.noiseSquare.phases[p].centre;
  return null;
}

/**
 * Epochs after which a snapshot is taken: the end of each noise phase (a change of the square) and
 * the last epoch — 4 for the paper. Phases that round to an empty range or past the end are dropped.
 */
export function snapshotEpochs(cfg: Pick<TrainConfig, 'noiseSquare' | 'epochs'>): number[] {
  const out = new Set<number>();
  if (cfg.noiseSquare.enabled) for (const e of phaseEndEpochs(cfg)) if (e >= 1 && e < cfg.epochs) out.add(e);
  out.add(cfg.epochs);
  return [...out].sort((a, b) => a - b);
}
