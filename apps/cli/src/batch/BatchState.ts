import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';

export const RowStateSchema = z.object({
  line: z.number(),
  ref: z.string(),
  idempotencyKey: z.string(),
  jobId: z.string().nullable(),
  /** A JobStatus, or local outcomes: pending (not finished here), rejected (server 4xx), invalid (local input). */
  status: z.string(),
  changeMl: z.number().nullable(),
  rano: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  fetched: z.boolean(),
  updatedAt: z.string(),
});
export type RowState = z.infer<typeof RowStateSchema>;

const StateFileSchema = z.object({
  version: z.literal(1),
  rows: z.record(z.string(), RowStateSchema),
});

/**
 * The batch's memory across runs (`MANIFEST.csv.state.json`), keyed by the row's idempotency key.
 * Every change is written at once and atomically (temp file + rename), one write at a time, so a
 * killed batch leaves either the old or the new file, never half of one.
 */
export class BatchState {
  #rows: Record<string, RowState>;
  #chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    rows: Record<string, RowState>,
  ) {
    this.#rows = rows;
  }

  static async load(path: string): Promise<BatchState> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new BatchState(path, {});
      throw err;
    }
    const parsed = StateFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new Error(`state file ${path} is not an anet batch state file; move it away to start over`);
    return new BatchState(path, parsed.data.rows);
  }

  get(key: string): RowState | undefined {
    return this.#rows[key];
  }

  all(): RowState[] {
    return Object.values(this.#rows);
  }

  /** Merges `patch` into the row and persists the whole file before resolving. */
  update(
    key: string,
    patch: Partial<RowState> & Pick<RowState, 'line' | 'ref' | 'idempotencyKey'>,
  ): Promise<void> {
    const prev: RowState = this.#rows[key] ?? {
      line: patch.line,
      ref: patch.ref,
      idempotencyKey: patch.idempotencyKey,
      jobId: null,
      status: 'pending',
      changeMl: null,
      rano: null,
      errorCode: null,
      errorMessage: null,
      fetched: false,
      updatedAt: '',
    };
    this.#rows[key] = { ...prev, ...patch, updatedAt: new Date().toISOString() };
    const snapshot = JSON.stringify({ version: 1, rows: this.#rows }, null, 2);
    // Each write waits for the previous one, but a failed write does not block later ones.
    const write = this.#chain
      .catch(() => undefined)
      .then(async () => {
        const tmp = `${this.path}.${process.pid}.tmp`;
        await writeFile(tmp, snapshot);
        await rename(tmp, this.path);
      });
    this.#chain = write;
    return write;
  }
}
