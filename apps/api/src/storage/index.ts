export * from './ObjectStore';
export * from './storageKeys';
