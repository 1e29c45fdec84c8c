import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { loadConfig } from './config';

// Only process life here: logger, graceful close, listen. Everything else is in buildApp.
const config = loadConfig();
const app = await buildApp({
  config,
  reconcile: true,
  logger: { level: config.LOG_LEVEL, redact: ['req.headers.authorization'] },
});
closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
  if (err) app.log.error({ err }, 'closing after error');
  else app.log.info({ signal }, 'closing');
  await app.close();
});
await app.store.ensureBucket();
await app.listen({ port: config.PORT, host: config.HOST });
