import type cliProgress from 'cli-progress';
import type { PipelineProgress } from '@anet/pipeline';
import type { ProgressMode } from '../output/ProgressReporter';
import { formatEta } from '../output/formatJob';
import { startStageBar } from '../output/stageBar';

/** In-process pipeline progress: a bar on a TTY, JSON lines with --json, a line per stage/10 % otherwise. */
export class PipelineProgressBar {
  #bar?: cliProgress.SingleBar;
  #lastKey = '';

  constructor(
    readonly mode: ProgressMode,
    private readonly err: NodeJS.WritableStream = process.stderr,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  update(p: PipelineProgress, label = ''): void {
    const epochs = p.epoch != null && p.totalEpochs != null ? `epoch ${p.epoch}/${p.totalEpochs}` : '';
    const value = Math.round(p.fraction * 1000) / 10;
    switch (this.mode) {
      case 'json':
        this.out.write(
          `${JSON.stringify({ type: 'progress', pair: label || undefined, ...p, at: new Date().toISOString() })}\n`,
        );
        return;
      case 'bar': {
        const payload = {
          stage: `${label ? label + ' ' : ''}${p.stage}`.padEnd(16),
          epochs,
          etaText: formatEta(p.etaSeconds),
        };
        if (!this.#bar) this.#bar = startStageBar(this.err, value, payload);
        else this.#bar.update(value, payload);
        return;
      }
      case 'lines': {
        const key = `${label}|${p.stage}|${Math.floor(p.fraction * 10)}`;
        if (key !== this.#lastKey) {
          this.#lastKey = key;
          this.err.write(
            `${new Date().toISOString()} ${label ? label + ' ' : ''}${p.stage} ${value}% ${epochs} ETA ${formatEta(p.etaSeconds)}\n`,
          );
        }
        return;
      }
      case 'quiet':
        return;
    }
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
