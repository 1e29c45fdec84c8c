import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AnetError,
  ArtifactListResponseSchema,
  ArtifactParamsSchema,
  ArtifactQuerySchema,
  ErrorBodySchema,
  JobIdParamsSchema,
} from '@anet/contracts';
import type { Job } from '@anet/db';

const errors = { 401: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 429: ErrorBodySchema };

function assertFinished(job: Job): void {
  if (job.status !== 'succeeded')
    throw new AnetError('JOB_NOT_FINISHED', `job is ${job.status}; artifacts exist once it succeeded`);
}

export const artifactsRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/jobs/:id/artifacts',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'List a finished job’s artifacts',
        params: JobIdParamsSchema,
        response: { 200: ArtifactListResponseSchema, ...errors },
      },
    },
    async (req) => {
      const job = await app.jobs.getOrThrow(req.principal.tenantId, req.params.id);
      assertFinished(job);
      const rows = await app.artifacts.list(job.id);
      return {
        items: rows.map((a) => ({
          name: a.name,
          contentType: a.contentType,
          bytes: Number(a.bytes),
          sha256: a.sha256,
          href: `/v1/jobs/${job.id}/artifacts/${encodeURIComponent(a.name)}`,
        })),
      };
    },
  );

  app.get(
    '/jobs/:id/artifacts/:name',
    {
      schema: {
        tags: ['artifacts'],
        summary:
          'Download an artifact: 302 to a short-lived presigned URL, ?download=stream to stream it; report.json inline',
        params: ArtifactParamsSchema,
        querystring: ArtifactQuerySchema,
        response: { 200: z.any(), 302: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const job = await app.jobs.getOrThrow(req.principal.tenantId, req.params.id);
      assertFinished(job);
      const art = await app.artifacts.find(job.id, req.params.name);
      if (!art) throw new AnetError('ARTIFACT_NOT_FOUND', `job has no artifact '${req.params.name}'`);
      if (art.name === 'report.json' || req.query.download === 'stream') {
        const { body } = await app.store.getStream(art.key);
        return reply
          .code(200)
          .header('Content-Type', art.contentType)
          .header('Content-Length', String(art.bytes))
          .header('Cache-Control', 'private, no-store')
          .header(
            'Content-Disposition',
            art.name === 'report.json' ? 'inline' : `attachment; filename="${art.name}"`,
          )
          .send(body);
      }
      const url = await app.store.presignGet(art.key, app.config.PRESIGN_TTL_SECONDS, art.name);
      return reply.code(302).header('Location', url).header('Cache-Control', 'private, no-store').send(null);
    },
  );
};
