import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { createPrismaClient, type PrismaClient } from '@anet/db';
import { writeNifti } from '@anet/nifti';
import { buildApp, type BuildAppOptions } from '@anet/api';
import { loadConfig, type ApiConfig } from '@anet/api/config';
import { createApiKey } from '@anet/api/apiKeys';
import { ObjectStore } from '@anet/api/storage';

/** A fresh queue name per test so workers and jobs of different tests never meet. */
export function freshQueueName(): string {
  return `anet-test-${randomBytes(4).toString('hex')}`;
}

export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return loadConfig(process.env, {
    QUEUE_NAME: freshQueueName(),
    LOG_LEVEL: 'silent',
    RECONCILE_INTERVAL_MS: 0,
    AUTH_CACHE_TTL_MS: 0,
    ...overrides,
  });
}

export async function buildTestApp(
  overrides: Partial<ApiConfig> = {},
  opts: Omit<BuildAppOptions, 'config'> = {},
): Promise<FastifyInstance> {
  const app = await buildApp({ config: testConfig(overrides), logger: false, ...opts });
  await app.ready();
  return app;
}

export function testPrisma(): PrismaClient {
  return createPrismaClient(process.env.DATABASE_URL!);
}

export function testStore(): ObjectStore {
  const c = loadConfig(process.env);
  return new ObjectStore({
    endpoint: c.S3_ENDPOINT,
    region: c.S3_REGION,
    bucket: c.S3_BUCKET,
    accessKeyId: c.S3_ACCESS_KEY_ID,
    secretAccessKey: c.S3_SECRET_ACCESS_KEY,
    forcePathStyle: c.S3_FORCE_PATH_STYLE,
  });
}

/** A new tenant (unique name) with one key. */
export async function newTenantKey(
  prisma: PrismaClient,
  label = 'hospital',
): Promise<{ tenantId: string; key: string; id: string; prefix: string }> {
  return createApiKey(prisma, { tenant: `${label}-${randomBytes(4).toString('hex')}` });
}

/** The voxel→world affine of `syntheticNifti` and `syntheticMask` (1.5 × 1.5 × 2 mm, no rotation). */
export const SYNTHETIC_AFFINE = [1.5, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1];

/** A small synthetic head-like volume (smooth blob + texture), gzipped NIfTI-1, deterministic per seed. */
export function syntheticNifti(seed = 1, dims: [number, number, number] = [24, 24, 12]): Uint8Array {
  const [nx, ny, nz] = dims;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const r2 =
          ((x - nx / 2) / (nx / 3)) ** 2 + ((y - ny / 2) / (ny / 3)) ** 2 + ((z - nz / 2) / (nz / 3)) ** 2;
        data[x + nx * (y + ny * z)] =
          (r2 < 1 ? 500 : 20) + 30 * Math.sin(seed * 0.7 + x * 0.9 + y * 1.3 + z * 0.5);
      }
  return writeNifti(
    { data, dims, spacing: [1.5, 1.5, 2], affine: SYNTHETIC_AFFINE },
    { datatype: 'float32' },
  );
}

/** A 0/1 ellipsoid mask (uint8, gzipped NIfTI-1) on `syntheticNifti`'s grid unless dims/affine say otherwise. */
export function syntheticMask(
  dims: [number, number, number] = [24, 24, 12],
  affine: number[] = SYNTHETIC_AFFINE,
): Uint8Array {
  const [nx, ny, nz] = dims;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++)
        data[x + nx * (y + ny * z)] =
          ((x - nx / 2) / (nx / 3)) ** 2 + ((y - ny / 2) / (ny / 3)) ** 2 + ((z - nz / 2) / (nz / 3)) ** 2 < 1
            ? 1
            : 0;
  const spacing = [0, 1, 2].map((j) => Math.hypot(affine[j], affine[4 + j], affine[8 + j])) as [
    number,
    number,
    number,
  ];
  return writeNifti({ data, dims, spacing, affine }, { datatype: 'uint8' });
}

export function uncompressed(gz: Uint8Array): Uint8Array {
  return new Uint8Array(gunzipSync(gz));
}

export interface Part {
  name: string;
  filename?: string;
  body: Uint8Array | string;
  contentType?: string;
}

/** A multipart/form-data body for `app.inject` (files and text fields). */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----anet${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = p.filename
      ? `form-data; name="${p.name}"; filename="${p.filename}"`
      : `form-data; name="${p.name}"`;
    const type = p.filename ? `\r\nContent-Type: ${p.contentType ?? 'application/octet-stream'}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}${type}\r\n\r\n`));
    chunks.push(typeof p.body === 'string' ? Buffer.from(p.body) : Buffer.from(p.body));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

export function jobParts(
  opts: {
    baseline?: Uint8Array;
    followup?: Uint8Array;
    mask?: Uint8Array;
    baselineBrainMask?: Uint8Array;
    followupBrainMask?: Uint8Array;
    options?: unknown;
  } = {},
): Part[] {
  const parts: Part[] = [
    { name: 'baseline', filename: 'b.nii.gz', body: opts.baseline ?? syntheticNifti(1) },
    { name: 'followup', filename: 'f.nii.gz', body: opts.followup ?? syntheticNifti(2) },
  ];
  if (opts.mask) parts.push({ name: 'baselineMask', filename: 'm.nii.gz', body: opts.mask });
  if (opts.baselineBrainMask)
    parts.push({ name: 'baselineBrainMask', filename: 'bb.nii.gz', body: opts.baselineBrainMask });
  if (opts.followupBrainMask)
    parts.push({ name: 'followupBrainMask', filename: 'fb.nii.gz', body: opts.followupBrainMask });
  if (opts.options !== undefined)
    parts.push({
      name: 'options',
      body: typeof opts.options === 'string' ? opts.options : JSON.stringify(opts.options),
    });
  return parts;
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
