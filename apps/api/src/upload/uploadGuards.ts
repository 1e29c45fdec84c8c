import type { FastifyRequest } from 'fastify';
import { AnetError } from '@anet/contracts';
import { someCause } from '../someCause';

/**
 * Uploads in flight per tenant on this process: past `max` a tenant's next POST is refused with 429
 * before its body is read, so one tenant's slow or stuck clients cannot hold every socket.
 */
export class UploadSlots {
  private readonly inFlight = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** Takes a slot or throws TOO_MANY_UPLOADS; call the returned function exactly once when done. */
  acquire(tenantId: string): () => void {
    const n = this.inFlight.get(tenantId) ?? 0;
    if (n >= this.max)
      throw new AnetError(
        'TOO_MANY_UPLOADS',
        `this tenant already has ${n} uploads in progress (limit ${this.max}); wait for one to finish`,
        { details: { limit: this.max } },
      );
    this.inFlight.set(tenantId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(tenantId) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(tenantId);
      else this.inFlight.set(tenantId, left);
    };
  }

  count(tenantId: string): number {
    return this.inFlight.get(tenantId) ?? 0;
  }
}

export interface IdleWatchdog {
  /** The 408 error once the body has been idle too long, else undefined. */
  readonly fired: AnetError | undefined;
  /** `p`, or a rejection with the 408 error if the body goes idle first. */
  race<T>(p: Promise<T>): Promise<T>;
  /** Called with the error when it fires (to destroy the part stream being stored). */
  onFire(fn: (err: AnetError) => void): void;
  stop(): void;
}

/**
 * Fires when the request body makes no progress for `idleMs`: no new byte read from the socket and
 * nothing waiting unread in the buffers (when our side is slow — S3 backpressure — data waits in the
 * buffers and the client is not blamed).
 */
export function idleWatchdog(req: FastifyRequest, idleMs: number): IdleWatchdog {
  const socket = req.raw.socket;
  let lastBytes = socket?.bytesRead ?? 0;
  let lastProgress = Date.now();
  let fired: AnetError | undefined;
  let rejectRace: (err: AnetError) => void = () => undefined;
  const raced = new Promise<never>((_, reject) => (rejectRace = reject));
  raced.catch(() => undefined);
  const listeners: Array<(err: AnetError) => void> = [];
  const timer = setInterval(
    () => {
      if (fired || req.raw.complete || !socket) return;
      const now = Date.now();
      const buffered = req.raw.readableLength + socket.readableLength;
      if (socket.bytesRead !== lastBytes || buffered > 0) {
        lastBytes = socket.bytesRead;
        lastProgress = now;
        return;
      }
      if (now - lastProgress < idleMs) return;
      fired = new AnetError(
        'REQUEST_TIMEOUT',
        `the upload sent no data for ${Math.round(idleMs / 1000)} s; send the body without pauses`,
        { details: { idleTimeoutMs: idleMs } },
      );
      for (const fn of listeners) fn(fired);
      rejectRace(fired);
    },
    Math.max(50, Math.min(1000, Math.floor(idleMs / 4))),
  );
  timer.unref();
  return {
    get fired() {
      return fired;
    },
    race: <T>(p: Promise<T>) => Promise.race([p, raced]),
    onFire: (fn) => listeners.push(fn),
    stop: () => clearInterval(timer),
  };
}

/**
 * The client closed the connection before its body was complete (Node's `aborted` / ECONNRESET on
 * the request stream): the client's doing, not a storage failure.
 */
export function isClientAbort(req: FastifyRequest, err: unknown): boolean {
  if (req.raw.complete) return false;
  if (req.raw.destroyed || req.raw.socket?.destroyed) return true;
  return someCause(
    err,
    (e) =>
      e.code === 'ECONNRESET' ||
      e.code === 'ECONNABORTED' ||
      e.code === 'ERR_STREAM_PREMATURE_CLOSE' ||
      e.message === 'aborted',
  );
}

/**
 * Bytes of working memory a job needs, from the two scans' voxel counts. The pipeline holds the
 * native volumes as float32 plus derived volumes of the same size (reoriented and resampled copies,
 * brain masks, harmonised scans, maps, uncertainty); the outside probe measured a 5.5 GB peak for a
 * pair of 512³ scans, about 20 bytes per input voxel, so 24 leaves a margin.
 */
export const WORKING_BYTES_PER_VOXEL = 24;
export function estimateJobBytes(baselineDims: number[], followupDims: number[]): number {
  const voxels = (d: number[]) => d.reduce((a, b) => a * Math.max(1, b), 1);
  return WORKING_BYTES_PER_VOXEL * (voxels(baselineDims) + voxels(followupDims));
}
