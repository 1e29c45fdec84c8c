import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createNiftiValidator } from '@anet/nifti';
import {
  AnetError,
  ARTIFACT_NAME_MAX,
  ERROR_CODES,
  HTTP_STATUS_BY_CODE,
  type JobOptions,
} from '@anet/contracts';
import { loadConfig, requestTimeoutMs, type ApiConfig } from './config';
import { cutOffSlowRequests, frameworkErrorHandler, handleClientError } from './connectionLimits';
import { withRedaction } from './logRedaction';
import { logDestination, logOneLinePerRequest } from './logging';
import { refuseKeysInQuery } from './plugins/auth';
import { fallbackRateLimitStore } from './rateLimitStore';
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
    logger: withRedaction(
      opts.logger ?? { level: config.LOG_LEVEL, stream: logDestination(config.LOG_FORMAT) },
    ),
    // One line per request, written by logOneLinePerRequest (with credentials redacted from the URL).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // The router's limit on a raw path segment: an artifact name of the contract's longest, even
    // fully percent-encoded (3 characters each), reaches the route and its schema.
    routerOptions: { maxParamLength: 3 * ARTIFACT_NAME_MAX },
    frameworkErrors: frameworkErrorHandler,
    // Fastify's default logs err.rawPacket, i.e. the raw request with its Authorization header.
    clientErrorHandler: (err, socket) => handleClientError(logRef.log, err, socket),
  });
  logRef.log = app.log;
  logOneLinePerRequest(app);
  cutOffSlowRequests(app, requestTimeoutMs(config));
  refuseKeysInQuery(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app, { retryAfterSeconds: config.RETRY_AFTER_SECONDS });

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
    (() =>
      createNiftiValidator({
        maxDecompressedBytes: config.MAX_DECOMPRESSED_BYTES,
        maxVoxels: config.MAX_VOXELS_PER_SCAN,
      }));
  await app.register(
    async (v1) => {
      await v1.register(authPlugin);
      await v1.register(rateLimit, {
        global: true,
        hook: 'preHandler',
        max: config.RATE_LIMIT_MAX,
        timeWindow: config.RATE_LIMIT_WINDOW_MS,
        store: rateLimitStore(app),
        keyGenerator: (req) => req.principal.keyId,
        errorResponseBuilder: (_req, ctx) =>
          new AnetError(
            'RATE_LIMITED',
            `rate limit of ${ctx.max} requests per ${config.RATE_LIMIT_WINDOW_MS / 1000} s exceeded; retry in ${ctx.after}`,
            { details: { limit: ctx.max, windowSeconds: config.RATE_LIMIT_WINDOW_MS / 1000 } },
          ),
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

/**
 * The per-key limiter's store: Redis, or process memory while Redis is unreachable. Each request
 * counted in memory increments anet_rate_limit_fallback_total; the log says so once per outage.
 */
function rateLimitStore(app: FastifyInstance) {
  let degraded = false;
  app.redis.on('ready', () => {
    if (degraded) app.log.info('redis is back: the rate limiter counts in Redis again');
    degraded = false;
  });
  return fallbackRateLimitStore(app.redis, `${app.config.REDIS_PREFIX}:anet-rl:`, {
    onFallback(err) {
      app.rateLimitFallbacks.inc();
      if (degraded) return;
      degraded = true;
      app.log.warn(
        { err: err ?? undefined, redis: app.redis.status },
        'redis unavailable: the rate limiter counts in process memory until it is back',
      );
    },
  });
}
