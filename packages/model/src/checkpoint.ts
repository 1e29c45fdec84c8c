import { AnetError } from '@anet/contracts';

/**
 * One self-describing binary blob: "ANETCKPT" | u32 version | u32 header length | header JSON |
 * zero padding to 4 bytes | float32 buffers back to back. The header lists every buffer's name,
 * shape and offset, so a reader needs nothing else; `meta` is free JSON (epoch, RNG state, history…).
 */
const MAGIC = 'ANETCKPT';
const VERSION = 1;

export interface BlobTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export function encodeBlob(meta: unknown, tensors: BlobTensor[]): Uint8Array {
  const entries: HeaderEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    entries.push({ name: t.name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, tensors: entries }));
  const headStart = 16;
  const dataStart = Math.ceil((headStart + header.length) / 4) * 4;
  const out = new Uint8Array(dataStart + offset * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, header.length, true);
  out.set(header, headStart);
  const f = new Float32Array(out.buffer, dataStart, offset);
  for (const [i, t] of tensors.entries()) f.set(t.data, entries[i].offset);
  return out;
}

export function decodeBlob<M>(blob: Uint8Array): { meta: M; tensors: Map<string, BlobTensor> } {
  const bad = (why: string) => new AnetError('CHECKPOINT_INVALID', `checkpoint unreadable: ${why}`);
  if (blob.length < 16 || new TextDecoder().decode(blob.subarray(0, 8)) !== MAGIC)
    throw bad('not an anet checkpoint');
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) throw bad(`version ${version}, expected ${VERSION}`);
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > blob.length) throw bad('truncated header');
  let header: { meta: M; tensors: HeaderEntry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(blob.subarray(16, 16 + hlen)));
  } catch (e) {
    throw new AnetError('CHECKPOINT_INVALID', 'checkpoint header is not JSON', { cause: e });
  }
  const dataStart = Math.ceil((16 + hlen) / 4) * 4;
  const total = header.tensors.reduce((a, t) => a + t.length, 0);
  if (dataStart + total * 4 !== blob.length) throw bad('size does not match its header');
  // Copy: the caller's buffer may be unaligned or reused.
  const all = new Float32Array(blob.slice(dataStart).buffer);
  const tensors = new Map<string, BlobTensor>();
  for (const e of header.tensors)
    tensors.set(e.name, { name: e.name, shape: e.shape, data: all.subarray(e.offset, e.offset + e.length) });
  return { meta: header.meta, tensors };
}
