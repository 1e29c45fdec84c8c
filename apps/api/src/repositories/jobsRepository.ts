import fp from 'fastify-plugin';
import { Prisma, type Job, type PrismaClient } from '@anet/db';
import { AnetError, type JobListQuery, type JobOptions, type JobProfile } from '@anet/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewJob {
  id: string;
  tenantId: string;
  profile: JobProfile;
  options: JobOptions;
  clientReference: string | null;
  idempotencyKey: string | null;
  payloadHash: string;
  inputs: {
    baseline: { key: string; sha256: string };
    followup: { key: string; sha256: string };
    baselineMask?: { key: string; sha256: string };
    baselineBrainMask?: { key: string; sha256: string };
    followupBrainMask?: { key: string; sha256: string };
  };
}

export interface JobsRepository {
  /** Job row + its `queued` event in one transaction. Throws P2002 on an idempotency-key race. */
  create(job: NewJob): Promise<Job>;
  get(tenantId: string, id: string): Promise<Job | null>;
  getOrThrow(tenantId: string, id: string): Promise<Job>;
  findByIdempotencyKey(tenantId: string, key: string): Promise<Job | null>;
  list(tenantId: string, q: JobListQuery): Promise<{ items: Job[]; nextCursor: string | null }>;
  /** queued → cancelled at once; running → cancel requested (the worker stops at its next step). */
  cancel(tenantId: string, id: string): Promise<{ job: Job; wasQueued: boolean }>;
  /** Nulls payload fields and marks deleted, keeping an audit event; returns the row as it was. */
  markDeleted(tenantId: string, id: string): Promise<Job>;
  queuedJobIds(olderThan: Date): Promise<string[]>;
  /** How many of a tenant's jobs created up to `until` are waiting (fair-share queue priorities). */
  countQueued(tenantId: string, until: Date): Promise<number>;
  existingIds(ids: string[]): Promise<Set<string>>;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobsRepository;
  }
}

function encodeCursor(job: Job): string {
  return Buffer.from(JSON.stringify({ c: job.createdAt.toISOString(), i: job.id })).toString('base64url');
}
function decodeCursor(cursor: string): { c: Date; i: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { c: string; i: string };
    const c = new Date(v.c);
    if (Number.isNaN(c.getTime()) || !UUID.test(v.i)) throw new Error('bad cursor');
    return { c, i: v.i };
  } catch (err) {
    throw new AnetError('VALIDATION_FAILED', 'cursor is not one this API returned', { cause: err });
  }
}

export function createJobsRepository(prisma: PrismaClient): JobsRepository {
  // findUnique by primary key costs about a third of the CPU of findFirst in Prisma 7 (measured:
  // 0.22 vs 0.74 ms per query) — this is the polling hot path, so scope by tenant in code.
  const get = async (tenantId: string, id: string) => {
    if (!UUID.test(id)) return null;
    const job = await prisma.job.findUnique({ where: { id } });
    return job && job.tenantId === tenantId && !job.deletedAt ? job : null;
  };
  const getOrThrow = async (tenantId: string, id: string) => {
    const job = await get(tenantId, id);
    if (!job) throw new AnetError('JOB_NOT_FOUND', `no job ${id}`);
    return job;
  };

  return {
    get,
    getOrThrow,
    async create(j) {
      return prisma.$transaction(async (tx) => {
        const job = await tx.job.create({
          data: {
            id: j.id,
            tenantId: j.tenantId,
            status: 'queued',
            profile: j.profile,
            options: j.options as Prisma.InputJsonValue,
            clientReference: j.clientReference,
            idempotencyKey: j.idempotencyKey,
            payloadHash: j.payloadHash,
            baselineKey: j.inputs.baseline.key,
            baselineSha256: j.inputs.baseline.sha256,
            followupKey: j.inputs.followup.key,
            followupSha256: j.inputs.followup.sha256,
            maskKey: j.inputs.baselineMask?.key ?? null,
            maskSha256: j.inputs.baselineMask?.sha256 ?? null,
            baselineBrainMaskKey: j.inputs.baselineBrainMask?.key ?? null,
            baselineBrainMaskSha256: j.inputs.baselineBrainMask?.sha256 ?? null,
            followupBrainMaskKey: j.inputs.followupBrainMask?.key ?? null,
            followupBrainMaskSha256: j.inputs.followupBrainMask?.sha256 ?? null,
          },
        });
        await tx.jobEvent.create({ data: { jobId: job.id, from: null, to: 'queued' } });
        return job;
      });
    },
    findByIdempotencyKey(tenantId, key) {
      return prisma.job.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } } });
    },
    async list(tenantId, q) {
      const where: Prisma.JobWhereInput = { tenantId, deletedAt: null };
      if (q.status) where.status = q.status;
      if (q.clientReference) where.clientReference = q.clientReference;
      if (q.createdAfter || q.createdBefore)
        where.createdAt = {
          ...(q.createdAfter ? { gte: new Date(q.createdAfter) } : {}),
          ...(q.createdBefore ? { lt: new Date(q.createdBefore) } : {}),
        };
      if (q.cursor) {
        const { c, i } = decodeCursor(q.cursor);
        where.AND = [{ OR: [{ createdAt: { lt: c } }, { createdAt: c, id: { lt: i } }] }];
      }
      const rows = await prisma.job.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: q.limit + 1,
      });
      const items = rows.slice(0, q.limit);
      return { items, nextCursor: rows.length > q.limit ? encodeCursor(items[items.length - 1]) : null };
    },
    async cancel(tenantId, id) {
      const job = await getOrThrow(tenantId, id);
      if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled')
        throw new AnetError('JOB_NOT_CANCELLABLE', `job is ${job.status}`);
      return prisma.$transaction(async (tx) => {
        const now = new Date();
        // Conditional update: a worker may have picked the job up since we read it.
        const queued = await tx.job.updateMany({
          where: { id, status: 'queued' },
          data: {
            status: 'cancelled',
            cancelRequestedAt: now,
            finishedAt: now,
            errorCode: 'JOB_CANCELLED',
            errorMessage: 'cancelled by the client',
          },
        });
        if (queued.count === 1) {
          await tx.jobEvent.create({
            data: { jobId: id, from: 'queued', to: 'cancelled', detail: { by: 'client' } },
          });
          return { job: await tx.job.findUniqueOrThrow({ where: { id } }), wasQueued: true };
        }
        const updated = await tx.job.update({
          where: { id },
          data: { cancelRequestedAt: job.cancelRequestedAt ?? now },
        });
        if (updated.status === 'succeeded' || updated.status === 'failed' || updated.status === 'cancelled')
          throw new AnetError('JOB_NOT_CANCELLABLE', `job is ${updated.status}`);
        return { job: updated, wasQueued: false };
      });
    },
    async markDeleted(tenantId, id) {
      const job = await getOrThrow(tenantId, id);
      const now = new Date();
      await prisma.$transaction([
        prisma.job.update({
          where: { id },
          data: {
            deletedAt: now,
            cancelRequestedAt: job.cancelRequestedAt ?? now,
            options: {},
            clientReference: null,
            idempotencyKey: null,
            payloadHash: null,
            baselineKey: '',
            followupKey: '',
            maskKey: null,
            baselineBrainMaskKey: null,
            followupBrainMaskKey: null,
            resultSummary: Prisma.DbNull,
            errorMessage: null,
          },
        }),
        prisma.artifact.deleteMany({ where: { jobId: id } }),
        prisma.jobEvent.create({
          data: { jobId: id, from: job.status, to: job.status, detail: { action: 'deleted', by: 'client' } },
        }),
      ]);
      return job;
    },
    async queuedJobIds(olderThan) {
      const rows = await prisma.job.findMany({
        where: { status: 'queued', deletedAt: null, createdAt: { lt: olderThan } },
        select: { id: true },
        take: 1000,
      });
      return rows.map((r) => r.id);
    },
    async countQueued(tenantId, until) {
      return prisma.job.count({
        where: { tenantId, status: 'queued', deletedAt: null, createdAt: { lte: until } },
      });
    },
    async existingIds(ids) {
      const valid = ids.filter((i) => UUID.test(i));
      const rows = await prisma.job.findMany({ where: { id: { in: valid } }, select: { id: true } });
      return new Set(rows.map((r) => r.id));
    },
  };
}

export const jobsRepositoryPlugin = fp(
  async (app) => {
    app.decorate('jobs', createJobsRepository(app.prisma));
  },
  { name: 'anet-jobs-repository', dependencies: ['anet-infrastructure'] },
);
