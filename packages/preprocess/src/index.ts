export * from './rng';
export * from './augment';
export * from './resample';
export * from './histogramMatch';
export * from './normalize';
export * from './brainMask';
export * from './centre';
