export * from './errorCodes';
export * from './AnetError';
export * from './volume';
export * from './trainConfig';
export * from './analysisConfig';
export * from './report';
export * from './job';
export * from './api';
