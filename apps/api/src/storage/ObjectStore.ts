import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  CreateBucketCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AnetError } from '@anet/contracts';

export interface ObjectStoreConfig {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/** The S3_* variables of the API and worker environments (see their config schemas). */
export interface ObjectStoreEnv {
  S3_ENDPOINT?: string;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_FORCE_PATH_STYLE: boolean;
}

/** A multipart upload in progress (parts stored, never completed or aborted). */
export interface PendingUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

/** The server does not implement an S3 operation (some local S3 stand-ins). */
export function isNotImplemented(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotImplemented' || e?.Code === 'NotImplemented' || e?.$metadata?.httpStatusCode === 501;
}

// The SDK warns on every start that its releases from 2027 will need Node 22; the README promises
// Node 20 and the SDK version is pinned, so the warning only adds noise to every service's log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The store the API and the worker build from their parsed environment. */
export function objectStoreFromEnv(env: ObjectStoreEnv): ObjectStore {
  return new ObjectStore({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    bucket: env.S3_BUCKET,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  });
}

/** The few S3 operations anet needs, on one bucket. Shared by the API and the worker. */
export class ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(cfg: ObjectStoreConfig) {
    this.bucket = cfg.bucket;
    this.client = new S3Client({
      endpoint: cfg.endpoint,
      region: cfg.region,
      forcePathStyle: cfg.forcePathStyle,
      credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
      // s3rver and MinIO do not need the newer default checksums; keep requests plain.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Streams `body` to `key` (multipart above 5 MiB), so memory stays bounded by the part size × queue. */
  async putStream(
    key: string,
    body: Readable,
    contentType = 'application/octet-stream',
    signal?: AbortSignal,
  ): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      // One 5 MiB part in flight per stream: 8 concurrent 2-file uploads then buffer ~80 MiB, not 160.
      queueSize: 1,
      partSize: 5 * 1024 * 1024,
      // We abort ourselves (below): the library's own abort replaces the upload's error with the
      // abort's when the server refuses AbortMultipartUpload, and a client's disconnect then looks
      // like a storage failure.
      leavePartsOnError: true,
    });
    const onAbort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      const uploadId = (upload as unknown as { uploadId?: string }).uploadId;
      // Parts left behind (server refused, or we died first) are swept by the reconciler.
      if (uploadId) await this.abortMultipartUpload(key, uploadId).catch(() => undefined);
      throw storageError(`upload of ${key} failed`, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async putBytes(key: string, bytes: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType }),
      );
    } catch (err) {
      throw storageError(`put of ${key} failed`, err);
    }
  }

  async getStream(key: string): Promise<{ body: Readable; bytes?: number; contentType?: string }> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { body: out.Body as Readable, bytes: out.ContentLength, contentType: out.ContentType };
    } catch (err) {
      throw storageError(`get of ${key} failed`, err);
    }
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const { body } = await this.getStream(key);
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Object keys under `prefix` with their last-modified time (all pages). */
  async list(prefix: string): Promise<Array<{ key: string; lastModified: Date; bytes: number }>> {
    const out: Array<{ key: string; lastModified: Date; bytes: number }> = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? [])
        if (o.Key) out.push({ key: o.Key, lastModified: o.LastModified ?? new Date(0), bytes: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** Multipart uploads in progress under `prefix` (all pages). */
  async listMultipartUploads(prefix: string): Promise<PendingUpload[]> {
    const out: PendingUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const u of page.Uploads ?? [])
        if (u.Key && u.UploadId)
          out.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? new Date(0) });
      if (!page.IsTruncated) return out;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Drops a multipart upload's stored parts. */
  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    await this.client.send(
      new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
    );
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      if (batch.length === 0) continue;
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = (await this.list(prefix)).map((o) => o.key);
    await this.deleteKeys(keys);
    return keys.length;
  }

  /** A short-lived GET URL; `filename` sets Content-Disposition so browsers save it under that name. */
  presignGet(key: string, expiresIn: number, filename?: string): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: filename ? `attachment; filename="${filename}"` : undefined,
      }),
      { expiresIn },
    );
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Creates the bucket when missing (dev stacks and tests; production buckets are provisioned). */
  async ensureBucket(): Promise<void> {
    try {
      await this.ping();
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket })).catch(() => undefined);
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function storageError(message: string, cause: unknown): AnetError {
  if (cause instanceof AnetError) return cause;
  return new AnetError('STORAGE_FAILED', message, { cause });
}
