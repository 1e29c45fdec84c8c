import type { ParamData } from './networks/params';

/** One generator snapshot: weights + BN moving statistics + where its own noise square was (or null). */
export interface Snapshot {
  epoch: number;
  /** Noise square in force while this snapshot trained up to it: centre (fractions) and size (pixels). */
  noiseSquare: { centre: [number, number]; size: number; margin: number } | null;
  generator: { base: number; levels: number; params: ParamData; stats: ParamData };
}

export interface LossHistory {
  /** One entry per epoch (1-based), means over that epoch's critic updates. */
  epoch: number[];
  critic: number[];
  wasserstein: number[];
  gp: number[];
  generator: number[];
}

export interface TrainProgress {
  stage: 'training';
  epoch: number;
  totalEpochs: number;
  fraction: number;
  etaSeconds: number;
  losses: { critic: number; generator: number; gp: number; wasserstein: number };
}

export interface TrainHooks {
  signal?: AbortSignal;
  /**
   * Graceful stop (a worker shutting down): the current epoch finishes, a checkpoint of it is written
   * through onCheckpoint, then JOB_CANCELLED is thrown — a resume loses nothing. `signal` stops at once.
   */
  stopSignal?: AbortSignal;
  onProgress?(p: TrainProgress): void;
  resumeFrom?: Uint8Array;
  onCheckpoint?(blob: Uint8Array, epoch: number): Promise<void>;
}

export interface TrainResult {
  snapshots: Snapshot[];
  history: LossHistory;
  backend: string;
  epochs: number;
  /** Wall time of this call (resumed runs: since the resume). */
  seconds: number;
}
