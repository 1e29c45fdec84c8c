import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { AnetError } from '@anet/contracts';
import { registerWasmTrainingKernels } from './wasmKernels';

export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export interface BackendInfo {
  /** Our name: tensorflow-gpu (tfjs-node-gpu), tensorflow (tfjs-node), wasm, cpu. */
  name: BackendName;
  /** What it runs on, in words. */
  device: string;
}

const require = createRequire(import.meta.url);
let current: BackendInfo | undefined;

/** The node bindings are optional dependencies whose native binary may be missing: any load error → unavailable. */
async function tryNodeBinding(pkg: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ pkg);
    return tf.findBackend('tensorflow') !== null;
  } catch {
    return false;
  }
}

async function tryBackend(name: BackendName): Promise<BackendInfo | undefined> {
  switch (name) {
    case 'tensorflow-gpu':
      if (!(await tryNodeBinding('@tensorflow/tfjs-node-gpu')) || !(await tf.setBackend('tensorflow')))
        return undefined;
      return { name, device: 'libtensorflow (CUDA)' };
    case 'tensorflow':
      if (!(await tryNodeBinding('@tensorflow/tfjs-node')) || !(await tf.setBackend('tensorflow')))
        return undefined;
      return { name, device: 'libtensorflow (CPU)' };
    case 'wasm': {
      setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
      registerWasmTrainingKernels();
      let ok = false;
      try {
        ok = await tf.setBackend('wasm');
      } catch {
        ok = false;
      }
      if (!ok) return undefined;
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      return { name, device: `WebAssembly${simd ? ' SIMD' : ''}, 1 thread (XNNPACK)` };
    }
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) return undefined;
      return { name, device: 'plain JavaScript (slow)' };
  }
}

/**
 * Picks the fastest available backend: tfjs-node-gpu → tfjs-node → wasm (+ our conv-gradient kernels) → cpu.
 * `forced` (or env ANET_TF_BACKEND) selects one and fails with BACKEND_UNAVAILABLE if it cannot load.
 */
export async function selectBackend(forced?: string): Promise<BackendInfo> {
  const want = forced ?? process.env.ANET_TF_BACKEND ?? undefined;
  if (want && !(BACKEND_ORDER as readonly string[]).includes(want))
    throw new AnetError(
      'BACKEND_UNAVAILABLE',
      `unknown backend '${want}' (known: ${BACKEND_ORDER.join(', ')})`,
    );
  if (current && (!want || want === current.name)) {
    // Someone may have switched tfjs's global backend since: switch back.
    const tfName = current.name.startsWith('tensorflow') ? 'tensorflow' : current.name;
    if (tf.getBackend() === tfName || (await tf.setBackend(tfName))) return current;
  }
  const order: BackendName[] = want ? [want as BackendName] : [...BACKEND_ORDER];
  for (const name of order) {
    const got = await tryBackend(name);
    if (got) {
      await tf.ready();
      current = got;
      if (process.env.ANET_QUIET !== '1')
        process.stderr.write(`anet model: tfjs backend ${got.name} (${got.device})\n`);
      return got;
    }
  }
  throw new AnetError('BACKEND_UNAVAILABLE', `tfjs backend '${want}' could not be loaded`);
}

/** The backend selected so far, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
