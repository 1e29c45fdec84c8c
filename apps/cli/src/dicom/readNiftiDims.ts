import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/**
 * The dim[] array of a NIfTI-1/2 file (`.nii` or `.nii.gz`), reading only the header.
 * Returns [ndim, d1, …, d7]. Enough to count slices when choosing a DICOM series.
 */
export async function readNiftiDims(path: string): Promise<number[]> {
  const head = await readHead(path, 80, false);
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const bytes = gz ? await readHead(path, 80, true) : head;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const little of [true, false]) {
    const size = view.getInt32(0, little);
    if (size === 348) return Array.from({ length: 8 }, (_, i) => view.getInt16(40 + 2 * i, little));
    if (size === 540)
      return Array.from({ length: 8 }, (_, i) => Number(view.getBigInt64(16 + 8 * i, little)));
  }
  throw new Error(`${path} is not a NIfTI file`);
}

async function readHead(path: string, n: number, gunzip: boolean): Promise<Uint8Array> {
  const raw = createReadStream(path);
  const stream = gunzip ? raw.pipe(createGunzip()) : raw;
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= n) break;
    }
  } finally {
    raw.destroy();
    stream.destroy();
  }
  const all = Buffer.concat(chunks);
  if (all.length < n) throw new Error(`${path}: file too short for a NIfTI header`);
  return new Uint8Array(all.subarray(0, n));
}
