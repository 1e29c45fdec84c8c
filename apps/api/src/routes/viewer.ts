import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { AnetError, ErrorBodySchema, JobIdParamsSchema, ViewerLinkSchema } from '@anet/contracts';
import type { Job } from '@anet/db';
import {
  OPTIONAL_ROLES,
  VIEWER_FILES,
  VIEWER_FILE_NAMES,
  VIEWER_SECURITY_HEADERS,
  isViewerAsset,
  parseByteRange,
  viewerAsset,
  viewerPageHtml,
  type ViewerRole,
} from '@anet/viewer';
import { signViewerLink, verifyViewerLink, viewerLinkSecret } from '../auth/viewerLinks';

/**
 * The browser viewer (docs/viewing.md). Two plugins: `viewerLinkRoutes` inside the authenticated /v1
 * scope hands out a signed link; `viewerPageRoutes`, outside it (a browser has no key to send), serves
 * the page, its bundled script and style, and the job's volumes to whoever holds a valid link.
 */

declare module 'fastify' {
  interface FastifyInstance {
    viewerLinkSecret: string;
  }
}

const TokenQuerySchema = z.object({ token: z.string().max(1024).optional() });
const FileParamsSchema = JobIdParamsSchema.extend({ name: z.string().max(128) });
const AssetParamsSchema = z.object({ name: z.string().max(64) });
const errors = { 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

function assertFinished(job: Job): void {
  if (job.status !== 'succeeded')
    throw new AnetError('JOB_NOT_FINISHED', `job is ${job.status}; the viewer opens once it succeeded`);
}

/** Authenticated: POST /v1/jobs/:id/viewer-links → {url, expiresAt}. */
export const viewerLinkRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/jobs/:id/viewer-links',
    {
      schema: {
        tags: ['viewer'],
        summary: 'A short-lived signed link to the job’s browser viewer (no API key in it)',
        params: JobIdParamsSchema,
        response: { 201: ViewerLinkSchema, 401: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema },
      },
    },
    async (req, reply) => {
      const job = await app.jobs.getOrThrow(req.principal.tenantId, req.params.id);
      assertFinished(job);
      const expiresAt = new Date(Date.now() + app.config.VIEWER_LINK_TTL_SECONDS * 1000);
      const token = signViewerLink(app.viewerLinkSecret, { tenantId: job.tenantId, jobId: job.id, expiresAt });
      return reply
        .code(201)
        .header('Cache-Control', 'private, no-store')
        .send({ url: `/v1/jobs/${job.id}/viewer?token=${encodeURIComponent(token)}`, expiresAt: expiresAt.toISOString() });
    },
  );
};

/** Unauthenticated (the token is the credential): the page, its assets and its files. */
export const viewerPageRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  /** Token → the job, re-read every time, so a deleted job's links die with it. */
  const jobFor = async (id: string, token: string | undefined): Promise<Job> => {
    const { tenantId } = verifyViewerLink(app.viewerLinkSecret, token, id);
    const job = await app.jobs.getOrThrow(tenantId, id);
    assertFinished(job);
    return job;
  };
  const secure = (reply: FastifyReply) => {
    for (const [k, v] of Object.entries(VIEWER_SECURITY_HEADERS)) reply.header(k, v);
    return reply;
  };

  app.get(
    '/jobs/:id/viewer',
    {
      schema: {
        tags: ['viewer'],
        summary: 'The job’s viewer page (HTML); `token` from POST /v1/jobs/{id}/viewer-links',
        params: JobIdParamsSchema,
        querystring: TokenQuerySchema,
        security: [],
        response: { 200: z.string(), ...errors },
      },
    },
    async (req, reply) => {
      const job = await jobFor(req.params.id, req.query.token);
      const present = new Set((await app.artifacts.list(job.id)).map((a) => a.name));
      const q = `?token=${encodeURIComponent(req.query.token!)}`;
      const files: Partial<Record<ViewerRole, string>> = {};
      for (const [role, name] of Object.entries(VIEWER_FILES) as Array<[ViewerRole, string]>) {
        // The baseline is the job's input; everything else must exist as an artifact.
        if (role !== 'baseline' && !present.has(name)) {
          if (OPTIONAL_ROLES.includes(role)) continue;
          throw new AnetError('ARTIFACT_NOT_FOUND', `job has no artifact '${name}' for the viewer`);
        }
        files[role] = `viewer/files/${encodeURIComponent(name)}${q}`;
      }
      const html = viewerPageHtml({ title: `job ${job.id}`, assetBase: '../../viewer-assets/', files });
      return secure(reply).code(200).header('Content-Type', 'text/html; charset=utf-8').send(html);
    },
  );

  app.get(
    '/jobs/:id/viewer/files/:name',
    {
      schema: {
        tags: ['viewer'],
        summary: 'One volume or the report for the viewer page; supports Range',
        params: FileParamsSchema,
        querystring: TokenQuerySchema,
        security: [],
        response: { 200: z.any(), 206: z.any(), 416: ErrorBodySchema, ...errors },
      },
    },
    async (req, reply) => {
      const job = await jobFor(req.params.id, req.query.token);
      const name = req.params.name;
      if (!VIEWER_FILE_NAMES.includes(name))
        throw new AnetError('ARTIFACT_NOT_FOUND', `the viewer serves only ${VIEWER_FILE_NAMES.join(', ')}`);
      let key: string;
      let size: number;
      let contentType: string;
      if (name === VIEWER_FILES.baseline) {
        key = job.baselineKey;
        const head = await app.store.client.send(new HeadObjectCommand({ Bucket: app.store.bucket, Key: key }));
        size = Number(head.ContentLength ?? 0);
        contentType = 'application/octet-stream';
      } else {
        const art = await app.artifacts.find(job.id, name);
        if (!art) throw new AnetError('ARTIFACT_NOT_FOUND', `job has no artifact '${name}'`);
        key = art.key;
        size = Number(art.bytes);
        contentType = art.contentType;
      }
      const range = parseByteRange(req.headers.range, size);
      secure(reply).header('Accept-Ranges', 'bytes').header('Content-Type', contentType);
      if (range === 'unsatisfiable') {
        reply.header('Content-Range', `bytes */${size}`);
        throw new AnetError('RANGE_NOT_SATISFIABLE', `the range starts past the end of ${name} (${size} bytes)`);
      }
      const out = await app.store.client.send(
        new GetObjectCommand({
          Bucket: app.store.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const body = out.Body as Readable;
      if (range) {
        return reply
          .code(206)
          .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
          .header('Content-Length', String(range.end - range.start + 1))
          .send(body);
      }
      return reply.code(200).header('Content-Length', String(size)).send(body);
    },
  );

  app.get(
    '/viewer-assets/:name',
    {
      schema: {
        tags: ['viewer'],
        summary: 'The viewer’s bundled script and style (no patient data; served without a token)',
        params: AssetParamsSchema,
        security: [],
        response: { 200: z.any(), 404: ErrorBodySchema },
      },
    },
    async (req, reply) => {
      if (!isViewerAsset(req.params.name))
        throw new AnetError('ROUTE_NOT_FOUND', `no viewer asset '${req.params.name}'`);
      const { bytes, contentType } = viewerAsset(req.params.name);
      return secure(reply)
        .header('Cache-Control', 'public, max-age=300')
        .header('Content-Type', contentType)
        .send(bytes);
    },
  );
};

/** The HMAC secret, decorated once on the root instance so both plugins above sign and verify alike. */
export function decorateViewerLinkSecret(
  app: { decorate(name: 'viewerLinkSecret', value: string): unknown; log: { warn(msg: string): void } },
  configured: string | undefined,
): void {
  const { secret, ephemeral } = viewerLinkSecret(configured);
  if (ephemeral)
    app.log.warn('VIEWER_LINK_SECRET is not set: viewer links are signed with a per-process key and die on restart');
  app.decorate('viewerLinkSecret', secret);
}
