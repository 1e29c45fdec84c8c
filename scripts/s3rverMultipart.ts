// s3rver (the local S3 of dev and tests) stores multipart uploads in progress but answers
// ListMultipartUploads and AbortMultipartUpload with NotImplemented. This adds the two, reading the
// same folder s3rver writes (<dir>/<bucket>/._S3rver_uploads/<uploadId>/{key,metadata,<part>}),
// so the reconciler's sweep of stale multipart uploads runs against it as against S3 or MinIO.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type S3rver from 's3rver';

const UPLOADS = '._S3rver_uploads';
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function uploadsOf(root: string, bucket: string) {
  const dir = join(root, bucket, UPLOADS);
  const ids = await readdir(dir).catch(() => [] as string[]);
  const out: Array<{ id: string; key: string; initiated: Date }> = [];
  for (const id of ids) {
    const key = await readFile(join(dir, id, 'key'), 'utf8').catch(() => null);
    if (key === null) continue;
    out.push({ id, key, initiated: (await stat(join(dir, id))).birthtime });
  }
  return out;
}

/** Installs ListMultipartUploads (GET /<bucket>?uploads) and AbortMultipartUpload (DELETE /<bucket>/<key>?uploadId=). */
export function addMultipartUploadOps(s3: S3rver): void {
  const root = s3.store.rootDirectory;
  s3.middleware.unshift(async (ctx, next) => {
    const [, bucket, ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (ctx.method === 'GET' && bucket && !key && 'uploads' in ctx.query) {
      const prefix = String(ctx.query.prefix ?? '');
      const items = (await uploadsOf(root, bucket)).filter((u) => u.key.startsWith(prefix));
      ctx.status = 200;
      ctx.type = 'application/xml';
      ctx.body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<Bucket>${xml(bucket)}</Bucket><Prefix>${xml(prefix)}</Prefix><IsTruncated>false</IsTruncated>` +
        items
          .map(
            (u) =>
              `<Upload><Key>${xml(u.key)}</Key><UploadId>${xml(u.id)}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`,
          )
          .join('') +
        `</ListMultipartUploadsResult>`;
      return;
    }
    const uploadId = ctx.query.uploadId;
    if (ctx.method === 'DELETE' && bucket && key && typeof uploadId === 'string') {
      const dir = join(root, bucket, UPLOADS, uploadId);
      const stored = await readFile(join(dir, 'key'), 'utf8').catch(() => null);
      if (stored !== key) {
        ctx.status = 404;
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`;
        return;
      }
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    await next();
  });
}
