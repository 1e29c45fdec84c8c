export * from './convertDicomSeries';
export * from './findDcm2niix';
export * from './readNiftiDims';
export * from './resolveInputVolume';
