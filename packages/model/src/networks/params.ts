import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@anet/preprocess';

/**
 * A network's weights as plain tensors in a fixed order (no tf.Variable: the trainer owns the update,
 * so weights, Adam moments and checkpoints are all just ordered lists of tensors).
 */
export interface ParamSet {
  names: string[];
  tensors: tf.Tensor[];
}

/** Builds a ParamSet from named initialisers, in order. */
export class ParamBuilder {
  readonly names: string[] = [];
  readonly tensors: tf.Tensor[] = [];
  constructor(private readonly rng: Rng) {}

  /** He-normal conv kernel [kh, kw, in, out] (ReLU nets); fan-in = kh·kw·in. */
  heNormal(name: string, shape: number[], fanIn: number): number {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) data[i] = this.rng.normal() * std;
    return this.add(name, tf.tensor(data, shape));
  }

  constant(name: string, shape: number[], value: number): number {
    return this.add(name, tf.fill(shape, value));
  }

  private add(name: string, t: tf.Tensor): number {
    this.names.push(name);
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  build(): ParamSet {
    return { names: [...this.names], tensors: [...this.tensors] };
  }
}

export function disposeParams(p: ParamSet): void {
  for (const t of p.tensors) t.dispose();
}

export function countParams(p: ParamSet): number {
  return p.tensors.reduce((a, t) => a + t.size, 0);
}

/** Plain typed-array copy (for snapshots, checkpoints and worker messages). */
export interface ParamData {
  names: string[];
  shapes: number[][];
  data: Float32Array[];
}

export function paramsToData(p: ParamSet): ParamData {
  return {
    names: [...p.names],
    shapes: p.tensors.map((t) => [...t.shape]),
    data: p.tensors.map((t) => t.dataSync() as Float32Array).map((d) => d.slice()),
  };
}

export function paramsFromData(d: ParamData): ParamSet {
  return { names: [...d.names], tensors: d.data.map((a, i) => tf.tensor(a, d.shapes[i])) };
}
