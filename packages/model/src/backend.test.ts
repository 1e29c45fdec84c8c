import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';

describe('selectBackend', () => {
  it('falls back to a working backend and reports it', async () => {
    const b = await selectBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(b.name);
    expect(tf.getBackend()).toBe(b.name.startsWith('tensorflow') ? 'tensorflow' : b.name);
    expect(b.device.length).toBeGreaterThan(0);
  });
  it('can be forced, and fails with BACKEND_UNAVAILABLE for unknown names', async () => {
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).name).toBe('wasm');
    await expect(selectBackend('tpu')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
  it('honours ANET_TF_BACKEND', async () => {
    process.env.ANET_TF_BACKEND = 'cpu';
    try {
      expect((await selectBackend()).name).toBe('cpu');
    } finally {
      delete process.env.ANET_TF_BACKEND;
    }
  });
});
