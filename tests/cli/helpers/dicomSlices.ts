import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import type { Volume } from '@anet/contracts';

export interface DicomSlice {
  ipp: number[];
  rowDir: number[];
  colDir: number[];
  /** [between rows, between columns] */
  pixelSpacing: number[];
  rows: number;
  cols: number;
  pixels: Int16Array | Uint16Array;
  slope: number;
  intercept: number;
}

/** Reads every single-frame slice dcmjs can parse in a folder (the test's independent reader). */
export async function readDicomSlices(dir: string): Promise<DicomSlice[]> {
  dcmjs.log.setLevel('silent');
  dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');
  const out: DicomSlice[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.dcm')).sort()) {
    const buf = await readFile(join(dir, name));
    let n: Record<string, unknown>;
    try {
      const d = dcmjs.data.DicomMessage.readFile(
        buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
      );
      n = dcmjs.data.DicomMetaDictionary.naturalizeDataset(d.dict);
    } catch {
      continue;
    }
    const iop = n.ImageOrientationPatient as number[];
    const raw = (n.PixelData as ArrayBuffer[])[0];
    out.push({
      ipp: n.ImagePositionPatient as number[],
      rowDir: iop.slice(0, 3),
      colDir: iop.slice(3, 6),
      pixelSpacing: n.PixelSpacing as number[],
      rows: n.Rows as number,
      cols: n.Columns as number,
      pixels: n.PixelRepresentation === 1 ? new Int16Array(raw) : new Uint16Array(raw),
      slope: (n.RescaleSlope as number | undefined) ?? 1,
      intercept: (n.RescaleIntercept as number | undefined) ?? 0,
    });
  }
  return out;
}

/**
 * Compares a converted NIfTI with the DICOM slices through geometry alone: each NIfTI voxel's
 * world position (affine, RAS) is turned into LPS, matched to the slice whose plane contains it
 * (the nearest within `planeTolMm`) and to the pixel under it; values must agree. Returns how many voxels were
 * compared and the largest in-plane (voxels), off-plane (mm) and value errors, so flips, slice
 * order and spacing are all checked.
 */
export function compareWithDicom(vol: Volume, slices: DicomSlice[], opts: { planeTolMm?: number } = {}) {
  const planeTol = opts.planeTolMm ?? 0.05;
  const A = vol.affine;
  const normal = cross(slices[0].rowDir, slices[0].colDir);
  let compared = 0;
  let maxInPlaneErr = 0;
  let maxOffPlaneMm = 0;
  let maxValueErr = 0;
  let unmatchedSlices = 0;
  const [X, Y, Z] = vol.dims;
  for (let k = 0; k < Z; k++) {
    const centre = world(A, (X - 1) / 2, (Y - 1) / 2, k);
    let slice: DicomSlice | undefined;
    let best = planeTol;
    for (const s of slices) {
      const off = Math.abs(dot(sub(centre, s.ipp), normal));
      if (off < best) [slice, best] = [s, off];
    }
    if (!slice) {
      unmatchedSlices++;
      continue;
    }
    for (let j = 0; j < Y; j++)
      for (let i = 0; i < X; i++) {
        const d = sub(world(A, i, j, k), slice.ipp);
        const c = dot(d, slice.rowDir) / slice.pixelSpacing[1];
        const r = dot(d, slice.colDir) / slice.pixelSpacing[0];
        const ci = Math.round(c);
        const ri = Math.round(r);
        maxInPlaneErr = Math.max(maxInPlaneErr, Math.abs(c - ci), Math.abs(r - ri));
        maxOffPlaneMm = Math.max(maxOffPlaneMm, Math.abs(dot(d, normal)));
        if (ci < 0 || ri < 0 || ci >= slice.cols || ri >= slice.rows) {
          maxInPlaneErr = Infinity;
          continue;
        }
        const expected = slice.pixels[ci + slice.cols * ri] * slice.slope + slice.intercept;
        maxValueErr = Math.max(maxValueErr, Math.abs(vol.data[i + X * (j + Y * k)] - expected));
        compared++;
      }
  }
  return { compared, maxInPlaneErr, maxOffPlaneMm, maxValueErr, unmatchedSlices };
}

/** voxel → LPS world (NIfTI affines are RAS: negate x and y). */
function world(A: number[], i: number, j: number, k: number): number[] {
  const x = A[0] * i + A[1] * j + A[2] * k + A[3];
  const y = A[4] * i + A[5] * j + A[6] * k + A[7];
  const z = A[8] * i + A[9] * j + A[10] * k + A[11];
  return [-x, -y, z];
}
const sub = (a: number[], b: number[]) => a.map((v, i) => v - b[i]);
const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: number[], b: number[]) => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
