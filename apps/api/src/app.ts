import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createNiftiValidator } from '@anet/nifti';
import { AnetError, ERROR_CODES, HTTP_STATUS_BY_CODE, type JobOptions } from '@anet/contracts';
import { loadConfig, type ApiConfig } from './config';
import { cutOffSlowRequests, handleClientError } from './connectionLimits';
import { withRedaction } from './logRedaction';
import { registerErrorHandler } from './errorHandler';
import { infrastructurePlugin } from './plugins/infrastructure';
import { metricsPlugin } from './plugins/metrics';
import { authPlugin } from './plugins/auth';
import { apiKeysRepositoryPlugin } from './repositories/apiKeysRepository';
import { jobsRepositoryPlugin } from './repositories/jobsRepository';
import { artifactsRepositoryPlugin } from './repositories/artifactsRepository';
import { jobsRoutes } from './routes/jobs';
import { artifactsRoutes } from './routes/artifacts';
import { healthRoutes } from './routes/health';
import { decorateViewerLinkSecret, viewerLinkRoutes, viewerPageRoutes } from './routes/viewer';
import { Reconciler } from './queue/Reconciler';
import type { ValidatorFactory } from './upload/receiveJobUpload';

export interface BuildAppOptions {
  /** Defaults to `loadConfig(process.env)`; tests pass overrides. */
  config?: ApiConfig;
  logger?: FastifyServerOptions['logger'];
  /** Run the crash-window reconciler (on at start-up and every RECONCILE_INTERVAL_MS). */
  reconcile?: boolean;
  defaultProfile?: NonNullable<JobOptions['profile']>;
  createValidator?: ValidatorFactory;
}

/**
 * The API as one plugin tree: infrastructure (config, Prisma, S3, queue producer), swagger from
 * the zod schemas, repositories as decorators, then one route plugin per resource under /v1 with
 * auth + per-key rate limit in that scope only.
 */
export async function buildApp(opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config = opts.config ?? loadConfig();
  // The client-error handler needs the logger of the instance it is an option of.
  const logRef: { log?: FastifyBaseLogger } = {};
  const app = Fastify({
    logger: withRedaction(opts.logger ?? { level: config.LOG_LEVEL }),
    bodyLimit: 1024 * 1024,
    // Fastify's default logs err.rawPacket, i.e. the raw request with its Authorization header.
    clientErrorHandler: (err, socket) => handleClientError(logRef.log, err, socket),
  });
  logRef.log = app.log;
  cutOffSlowRequests(app, config.REQUEST_TIMEOUT_MS);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  await app.register(infrastructurePlugin, { config });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'anet API',
        version: '0.1.0',
        description:
          'Per-patient WGAN change detection for glioblastoma follow-up MRI (Strack et al. 2023). Research software, not a medical device.\n\n' +
          `Error codes (HTTP status): ${Object.values(ERROR_CODES)
            .map((c) => `${c} (${HTTP_STATUS_BY_CODE[c]})`)
            .join(', ')}.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(multipart, { limits: { fileSize: config.MAX_FILE_BYTES } });
  await app.register(metricsPlugin);
  await app.register(apiKeysRepositoryPlugin);
  await app.register(jobsRepositoryPlugin);
  await app.register(artifactsRepositoryPlugin);
  await app.register(healthRoutes);
  decorateViewerLinkSecret(app, config.VIEWER_LINK_SECRET);
  await app.register(viewerPageRoutes, { prefix: '/v1' });

  const createValidator: ValidatorFactory =
    opts.createValidator ??
    (() => createNiftiValidator({ maxDecompressedBytes: config.MAX_DECOMPRESSED_BYTES }));
  await app.register(
    async (v1) => {
      await v1.register(authPlugin);
      await v1.register(rateLimit, {
        global: true,
        hook: 'preHandler',
        max: config.RATE_LIMIT_MAX,
        timeWindow: config.RATE_LIMIT_WINDOW_MS,
        redis: app.redis,
        nameSpace: `${config.REDIS_PREFIX}:anet-rl:`,
        keyGenerator: (req) => req.principal.keyId,
        errorResponseBuilder: (_req, ctx) =>
          new AnetError('RATE_LIMITED', `rate limit of ${ctx.max} requests per ${ctx.after} exceeded`),
      });
      await v1.register(jobsRoutes, { createValidator, defaultProfile: opts.defaultProfile ?? 'cpu' });
      await v1.register(artifactsRoutes);
      await v1.register(viewerLinkRoutes);
    },
    { prefix: '/v1' },
  );

  if (opts.reconcile) {
    const reconciler = new Reconciler(
      { jobs: app.jobs, queue: app.queue, store: app.store, log: app.log },
      {
        intervalMs: config.RECONCILE_INTERVAL_MS,
        orphanAgeMs: config.ORPHAN_UPLOAD_AGE_MS,
        jobOptions: {
          attempts: config.JOB_ATTEMPTS,
          backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS },
        },
      },
    );
    app.addHook('onReady', async () => reconciler.start());
    app.addHook('preClose', async () => reconciler.stop());
  }
  return app;
}
