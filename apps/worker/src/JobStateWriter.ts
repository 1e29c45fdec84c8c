import type { Logger } from 'pino';
import type { Prisma, PrismaClient } from '@anet/db';
import { JOB_STAGES, type JobStage } from '@anet/contracts';

/** What the sandboxed processor reports through `job.updateProgress`. */
export interface ProcessorProgress {
  stage: JobStage;
  progress: number;
  epoch: number | null;
  totalEpochs: number | null;
  etaSeconds: number | null;
  attempt: number;
}

export function isProcessorProgress(v: unknown): v is ProcessorProgress {
  return !!v && typeof v === 'object' && JOB_STAGES.includes((v as ProcessorProgress).stage);
}

const ACTIVE = ['queued', 'preprocessing', 'training', 'inferring', 'analysing'] as const;
const TERMINAL: string[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Writes stage changes (+ a JobEvent) and progress to the Job row from the worker's MAIN thread.
 * The processor's thread is busy training and only turns its event loop once per epoch, so its own
 * database round trips would lag by many epochs; the progress message reaches this thread at once.
 * Writes per job are chained (a stage change is never overtaken by an older progress update) and
 * conditional on a non-terminal row (a late message never reopens a finished job).
 */
export class JobStateWriter {
  private readonly chains = new Map<string, { stage: string | null; tail: Promise<void> }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
    /** Called when a job leaves a state, with the seconds it spent there (the stage histogram). */
    private readonly onStageEnded: (stage: string, seconds: number) => void = () => undefined,
  ) {}

  /**
   * After an attempt: when the job ended (its last event is a move into a terminal state, written by
   * the processor), the time it spent in the state it left. Audit events (from = to) are not stages.
   */
  async observeFinalStage(jobId: string): Promise<void> {
    const recent = await this.prisma.jobEvent.findMany({
      where: { jobId },
      orderBy: { id: 'desc' },
      take: 8,
      select: { from: true, to: true, at: true },
    });
    const [last, prev] = recent.filter((e) => e.from !== e.to);
    if (!last || !prev || !last.from || !TERMINAL.includes(last.to)) return;
    this.onStageEnded(last.from, (last.at.getTime() - prev.at.getTime()) / 1000);
  }

  onProgress(jobId: string, p: ProcessorProgress): void {
    const entry = this.chains.get(jobId) ?? { stage: null, tail: Promise.resolve() };
    this.chains.set(jobId, entry);
    const data = {
      progress: p.progress,
      epoch: p.epoch,
      totalEpochs: p.totalEpochs,
      etaSeconds: p.etaSeconds,
    };
    const stageChanged = entry.stage !== p.stage;
    entry.stage = p.stage;
    entry.tail = entry.tail
      .then(() => (stageChanged ? this.transition(jobId, p, data) : this.progress(jobId, data)))
      .catch((err) => this.log.warn({ err, jobId }, 'job state write failed'));
  }

  /** Waits for this job's pending writes, then forgets it (call when the attempt ends). */
  async settle(jobId: string): Promise<void> {
    const entry = this.chains.get(jobId);
    this.chains.delete(jobId);
    await entry?.tail;
  }

  private async progress(jobId: string, data: Prisma.JobUpdateManyMutationInput): Promise<void> {
    await this.prisma.job.updateMany({ where: { id: jobId, status: { in: [...ACTIVE] } }, data });
  }

  private async transition(
    jobId: string,
    p: ProcessorProgress,
    data: Prisma.JobUpdateManyMutationInput,
  ): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const row = await tx.job.findUnique({ where: { id: jobId }, select: { status: true } });
      if (!row || !(ACTIVE as readonly string[]).includes(row.status) || row.status === p.stage) return;
      const entered = await tx.jobEvent.findFirst({
        where: { jobId, to: row.status },
        orderBy: { id: 'desc' },
        select: { at: true },
      });
      await tx.job.update({ where: { id: jobId }, data: { ...data, status: p.stage, stage: p.stage } });
      const ev = await tx.jobEvent.create({
        data: { jobId, from: row.status, to: p.stage, detail: { attempt: p.attempt } },
      });
      if (entered) this.onStageEnded(row.status, (ev.at.getTime() - entered.at.getTime()) / 1000);
    });
  }
}
