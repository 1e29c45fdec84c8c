import cliProgress from 'cli-progress';

/** What the stage bar shows beside the percentage. */
export interface StageBarPayload {
  stage: string;
  epochs: string;
  etaText: string;
}

/**
 * Starts the progress bar of `anet analyze` and `anet wait` on `stream` ("{stage} |bar| n% epochs ETA"),
 * out of 100, at `value`; callers `update` it from then on.
 */
export function startStageBar(
  stream: NodeJS.WritableStream,
  value: number,
  payload: StageBarPayload,
  options: cliProgress.Options = {},
): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { format: '{stage} |{bar}| {value}% {epochs} ETA {etaText}', stream, hideCursor: true, ...options },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, value, payload);
  return bar;
}
