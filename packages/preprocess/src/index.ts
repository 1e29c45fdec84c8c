export * from './rng';
export * from './augment';
