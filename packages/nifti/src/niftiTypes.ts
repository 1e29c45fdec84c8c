import type { Volume } from '@anet/contracts';

/** Datatypes anet reads; the writer produces the first four. */
export type NiftiDatatype =
  'float32' | 'int16' | 'int8' | 'uint8' | 'uint16' | 'int32' | 'uint32' | 'float64';
export type NiftiWriteDatatype = 'float32' | 'int16' | 'int8' | 'uint8';

/**
 * What a writer needs to reproduce a file's header geometry (and nothing identifying:
 * descrip/aux_file/db_name are deliberately not kept; `readNiftiDescrip` reads descrip on its own).
 * Numbers are as stored in the header.
 */
export interface NiftiMeta {
  niftiVersion: 1 | 2;
  littleEndian: boolean;
  datatype: NiftiDatatype;
  datatypeCode: number;
  /** dim[0..7] as in the header (dim[0] = number of dimensions). */
  dim: number[];
  /** pixdim[0..7]; pixdim[0] is qfac (±1). */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  dimInfo: number;
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quatern: [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z. */
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z concatenated (12 numbers). */
  srow: number[];
  /**
   * intent_code (0 = NIFTI_INTENT_NONE, 1002 = NIFTI_INTENT_LABEL, …) and intent_name (up to the first NUL).
   * Read for inspection only: the writer takes intent from its options, never from `like`.
   */
  intentCode: number;
  intentName: string;
  /** cal_min / cal_max: the display window the file suggests (both 0: none). Not copied by the writer either. */
  calMin: number;
  calMax: number;
}

export interface NiftiVolume extends Volume {
  meta: NiftiMeta;
}

export interface NiftiReadOptions {
  /** Largest voxel count accepted (default 512³). */
  maxVoxels?: number;
  /** Largest decompressed file size accepted in bytes (default 2 GiB − 1). */
  maxBytes?: number;
}

/** What the validator learnt from a header and a bounded sample of the data. */
export interface NiftiSummary {
  niftiVersion: 1 | 2;
  dims: [number, number, number];
  spacing: [number, number, number];
  datatype: NiftiDatatype;
  affine: number[];
  voxelCount: number;
  compressed: boolean;
  /** Bytes of the (decompressed) file: header + extensions + data (+ any trailing bytes). */
  decompressedBytes: number;
  /** Bytes of voxel data checked for NaN/Inf (all of it for readNifti, a bounded sample when streaming). */
  sampledBytes: number;
}
