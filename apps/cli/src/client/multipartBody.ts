import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';

export type MultipartPart = { name: string; value: string } | { name: string; path: string };

export interface MultipartBody {
  contentType: string;
  contentLength: number;
  /** A fresh stream of the whole body (a retry needs a new one); files are read as they are sent. */
  open(): Readable;
}

/**
 * multipart/form-data built from text fields and files on disk, with an exact Content-Length.
 * Files are streamed in chunks (fs.createReadStream), so memory stays flat whatever their size.
 */
export async function multipartBody(parts: MultipartPart[]): Promise<MultipartBody> {
  const boundary = `----anet-${randomBytes(12).toString('hex')}`;
  const segments: Array<Buffer | { path: string; size: number }> = [];
  for (const part of parts) {
    if ('value' in part) {
      segments.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`,
        ),
      );
    } else {
      // Browsers' escaping: no quotes or line breaks inside the quoted filename.
      const filename = basename(part.path)
        .replace(/"/g, '%22')
        .replace(/[\r\n]/g, ' ');
      segments.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${filename}"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        ),
        { path: part.path, size: (await stat(part.path)).size },
        Buffer.from('\r\n'),
      );
    }
  }
  segments.push(Buffer.from(`--${boundary}--\r\n`));
  const contentLength = segments.reduce((n, s) => n + (Buffer.isBuffer(s) ? s.length : s.size), 0);
  async function* generate(): AsyncGenerator<Buffer> {
    for (const s of segments) {
      if (Buffer.isBuffer(s)) yield s;
      else
        for await (const chunk of createReadStream(s.path, { highWaterMark: 256 * 1024 }))
          yield chunk as Buffer;
    }
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
    open: () => Readable.from(generate(), { objectMode: false }),
  };
}
