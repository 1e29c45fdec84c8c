export type {
  NiftiDatatype,
  NiftiMeta,
  NiftiReadOptions,
  NiftiSummary,
  NiftiVolume,
  NiftiWriteDatatype,
} from './niftiTypes';
export { readNifti, readNiftiAsync, readNiftiDescrip, readNiftiFile } from './readNifti';
export {
  writeNifti,
  writeNiftiAsync,
  writeNiftiFile,
  NIFTI_INTENT_LABEL,
  NIFTI_INTENT_NONE,
  type NiftiWriteOptions,
} from './writeNifti';
export {
  createNiftiValidator,
  validateNifti,
  type NiftiValidator,
  type NiftiValidatorOptions,
} from './createNiftiValidator';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_VOXELS } from './parseNiftiHeader';
export {
  niftiAffine,
  quaternToAffine,
  affineToQuaternion,
  affineSpacing,
  type Affine,
  type Quaternion,
} from './niftiAffine';
export { orientationCode } from './orientationCode';
export { intensityStats } from './intensityStats';
export {
  buildNiftiCorpus,
  encodeRawNifti,
  encodeValues,
  type NiftiCorpusEntry,
  type RawNiftiSpec,
} from './buildNiftiCorpus';
