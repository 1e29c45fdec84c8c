import * as tf from '@tensorflow/tfjs';

let registered = false;

/**
 * tfjs has no gradient for AvgPoolGrad, which the gradient penalty (a gradient of a gradient through
 * the critic's pooling) needs. AvgPoolGrad is linear in dy (dx = Aᵀ·dy for the pooling matrix A),
 * so its own gradient w.r.t. dy is A·ddx = avgPool(ddx); w.r.t. the input (shape only) it is zero.
 */
export function registerAvgPoolGradGradient(): void {
  if (registered || tf.getGradient('AvgPoolGrad')) {
    registered = true;
    return;
  }
  tf.registerGradient({
    kernelName: 'AvgPoolGrad',
    inputsToSave: ['input'],
    gradFunc: (ddx, saved, attrs) => {
      const [input] = saved;
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
        filterSize: [number, number];
        strides: [number, number];
        pad: 'valid' | 'same';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      return {
        dy: () => tf.avgPool(ddx as tf.Tensor4D, filterSize, strides, pad, dimRoundingMode),
        input: () => tf.zerosLike(input),
      };
    },
  });
  registered = true;
}
