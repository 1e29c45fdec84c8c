// Issue 13's dev-stack papercuts that live in the service: a second `npm run stack` beside the first
// (one variable moves ports, database, queue, prefix and bucket together) and a quiet start (no AWS
// SDK Node-version warning on every start).
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The environment without the variables the stack derives (the test run sets some of them). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of [
    'PORT',
    'HOST',
    'WORKER_HEALTH_PORT',
    'S3RVER_PORT',
    'DATABASE_URL',
    'QUEUE_NAME',
    'REDIS_PREFIX',
    'S3_BUCKET',
    'S3_ENDPOINT',
    'LOG_FORMAT',
    'ANET_SERVICES_DIR',
  ])
    delete env[k];
  return { ...env, ...extra };
}

function stackPlan(extra: Record<string, string>) {
  const r = spawnSync('bash', ['apps/api/scripts/stack.sh'], {
    cwd: ROOT,
    env: cleanEnv({ ANET_STACK_DRY_RUN: '1', ...extra }),
    encoding: 'utf8',
  });
  return {
    status: r.status,
    stderr: r.stderr,
    plan: Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    ),
  };
}

describe('npm run stack beside another stack', () => {
  it('ANET_STACK_PORT_BASE moves ports, database, queue, Redis prefix and bucket together', () => {
    const { status, plan } = stackPlan({ ANET_STACK_PORT_BASE: '9300' });
    expect(status).toBe(0);
    expect(plan).toMatchObject({
      PORT: '9300',
      WORKER_HEALTH_PORT: '9301',
      S3RVER_PORT: '9302',
      S3_ENDPOINT: 'http://127.0.0.1:9302',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/anet_9300',
      QUEUE_NAME: 'anet-analyse-9300',
      REDIS_PREFIX: 'anet-9300',
      S3_BUCKET: 'anet-9300',
      HOST: '127.0.0.1',
    });
  });

  it('without it, the first stack keeps its defaults; a bad base is refused', () => {
    const { plan } = stackPlan({});
    expect(plan).toMatchObject({ PORT: '8080', S3_BUCKET: 'anet', HOST: '127.0.0.1' });
    expect(plan.DATABASE_URL).toMatch(/\/anet$/);
    const bad = stackPlan({ ANET_STACK_PORT_BASE: 'eighty' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/ANET_STACK_PORT_BASE must be a port number/);
  });
});

describe('a quiet start', () => {
  it('building the object store prints no AWS SDK Node-version warning', () => {
    const script = join(ROOT, `.tmp-aws-warning-${process.pid}.mts`);
    writeFileSync(
      script,
      `const { ObjectStore } = await import('./apps/api/src/storage/index.ts');
const s = new ObjectStore({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', bucket: 'b', accessKeyId: 'a', secretAccessKey: 'b', forcePathStyle: true });
await s.ping().catch(() => undefined);
s.close();
`,
    );
    try {
      const env = { ...process.env };
      delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
    } finally {
      rmSync(script, { force: true });
    }
  });
});
