import type cliProgress from 'cli-progress';
import type { JobView } from '@anet/contracts';
import { formatEta, formatProgress } from './formatJob';
import { startStageBar } from './stageBar';

export type ProgressMode = 'bar' | 'lines' | 'json' | 'quiet';

/** Picks the progress style: JSON lines with --json, a bar on a terminal, plain lines otherwise. */
export function progressModeFor(opts: { json?: boolean; stream?: NodeJS.WriteStream }): ProgressMode {
  if (opts.json) return 'json';
  return (opts.stream ?? process.stderr).isTTY ? 'bar' : 'lines';
}

/** Shows a job's progress while we wait (stage, epoch, ETA). Progress goes to stderr, JSON to stdout. */
export class ProgressReporter {
  #bar?: cliProgress.SingleBar;
  #lastLine = '';

  constructor(
    readonly mode: ProgressMode,
    private readonly err: NodeJS.WritableStream = process.stderr,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  update(job: JobView): void {
    const payload = {
      stage: (job.stage ?? job.status).padEnd(13),
      epochs:
        job.progress.epoch != null && job.progress.totalEpochs != null
          ? `epoch ${job.progress.epoch}/${job.progress.totalEpochs}`
          : '',
      etaText: formatEta(job.progress.etaSeconds),
    };
    const value = Math.round(job.progress.fraction * 1000) / 10;
    switch (this.mode) {
      case 'json':
        this.out.write(
          `${JSON.stringify({ type: 'progress', id: job.id, status: job.status, stage: job.stage, progress: job.progress, at: new Date().toISOString() })}\n`,
        );
        return;
      case 'bar':
        if (!this.#bar) this.#bar = startStageBar(this.err, value, payload, { clearOnComplete: false });
        else this.#bar.update(value, payload);
        return;
      case 'lines': {
        // Plain lines for logs: one per stage change or 10 % step, not one per poll.
        const line = `${job.id} ${job.status} ${formatProgress(job)}`;
        const key = `${job.status}|${job.stage}|${Math.floor(job.progress.fraction * 10)}`;
        if (key !== this.#lastLine) {
          this.#lastLine = key;
          this.err.write(`${new Date().toISOString()} ${line}\n`);
        }
        return;
      }
      case 'quiet':
        return;
    }
  }

  /** A transient failure while polling: say so without ending the wait. */
  outage(message: string): void {
    if (this.mode === 'json') this.out.write(`${JSON.stringify({ type: 'outage', message })}\n`);
    else if (this.mode !== 'quiet')
      this.err.write(`${this.mode === 'bar' ? '\n' : ''}still waiting: ${message}\n`);
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
