import { describe, expect, it } from 'vitest';
import { decodeBlob, encodeBlob } from './checkpoint';

describe('checkpoint blob', () => {
  it('round-trips meta and tensors', () => {
    const a = new Float32Array([1, 2, 3, -4.5]);
    const b = new Float32Array([Math.PI]);
    const blob = encodeBlob({ epoch: 3, note: 'x' }, [
      { name: 'a', shape: [2, 2], data: a },
      { name: 'b', shape: [1], data: b },
    ]);
    const { meta, tensors } = decodeBlob<{ epoch: number }>(blob.slice());
    expect(meta.epoch).toBe(3);
    expect(Array.from(tensors.get('a')!.data)).toEqual(Array.from(a));
    expect(tensors.get('a')!.shape).toEqual([2, 2]);
    expect(tensors.get('b')!.data[0]).toBe(b[0]);
  });
  it('rejects foreign, truncated and corrupt blobs with CHECKPOINT_INVALID', () => {
    const blob = encodeBlob({ epoch: 1 }, [{ name: 'a', shape: [3], data: new Float32Array(3) }]);
    for (const bad of [
      new Uint8Array(4),
      blob.subarray(0, blob.length - 4),
      new TextEncoder().encode('NOTACKPTxxxxxxxxxxxx'),
    ]) {
      expect(() => decodeBlob(bad)).toThrow(expect.objectContaining({ code: 'CHECKPOINT_INVALID' }));
    }
    const corrupt = blob.slice();
    corrupt[16] = 0x7b + 1; // header no longer JSON
    expect(() => decodeBlob(corrupt)).toThrow(expect.objectContaining({ code: 'CHECKPOINT_INVALID' }));
  });
});
