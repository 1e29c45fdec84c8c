import type { JobStage } from '@anet/contracts';

/** Share of the whole run each stage takes, for one overall progress fraction. */
const STAGE_SPAN: Record<JobStage, [number, number]> = {
  preprocessing: [0, 0.05],
  training: [0.05, 0.9],
  inferring: [0.9, 0.97],
  analysing: [0.97, 1],
};

/** Overall fraction from a stage and the fraction done within it. */
export function overallFraction(stage: JobStage, within: number): number {
  const [a, b] = STAGE_SPAN[stage];
  return a + (b - a) * Math.min(1, Math.max(0, within));
}

/** Wall-clock per stage in ms. */
export class StageClock {
  readonly timings: Record<string, number> = {};
  private readonly t0 = performance.now();
  private current?: { stage: string; start: number };

  start(stage: string): void {
    this.stop();
    this.current = { stage, start: performance.now() };
  }

  stop(): void {
    if (this.current) {
      this.timings[this.current.stage] =
        (this.timings[this.current.stage] ?? 0) + performance.now() - this.current.start;
      this.current = undefined;
    }
  }

  total(): number {
    return performance.now() - this.t0;
  }
}
