import { describe, expect, it } from 'vitest';
import type { Volume } from '@anet/contracts';
import { writeNifti } from '@anet/nifti';
import { makePhantomPair, toCanonical } from '@anet/preprocess';
import { resolveConfig, runPipeline } from '@anet/pipeline';
import { restore } from '../../packages/preprocess/src/__tests__/restore';

type V3 = [number, number, number];
const nii = (v: Volume, datatype: 'float32' | 'uint8' = 'float32') => writeNifti(v, { datatype });

// A progressing phantom; the follow-up head is moved (rotation + shift), so alignment has work to do.
const ph = makePhantomPair({ seed: 21, dims: [48, 48, 20], change: 2.5, noise: 0.01 });
const subtraction = resolveConfig('smoke', { method: { align: 'rigid', map: 'subtraction' } });

async function mapFor(
  followup: Volume,
): Promise<{ map: Volume; report: Awaited<ReturnType<typeof runPipeline>>['report'] }> {
  const r = await runPipeline(
    { baseline: nii(ph.baseline), followup: nii(followup), baselineMask: nii(ph.baselineTumour, 'uint8') },
    subtraction,
    { sliceOverlays: false },
  );
  return { map: r.analysis.ternary, report: r.report };
}

describe('true geometry (aligned subtraction through the whole pipeline)', () => {
  it('the follow-up stored RAS, LPS or with permuted axes gives the same map', async () => {
    const ref = await mapFor(ph.followup);
    expect(ref.report.geometry.orientation).toEqual({ baseline: 'RAS', followup: 'RAS' });
    expect(ref.report.alignment?.quality.nccAfter).toBeGreaterThan(ref.report.alignment!.quality.nccBefore);
    for (const [perm, flip, letters] of [
      [[0, 1, 2], [true, true, false], 'LPS'],
      [[2, 0, 1], [true, false, false], 'IRA'],
    ] as Array<[V3, [boolean, boolean, boolean], string]>) {
      const other = await mapFor(restore(ph.followup, perm, flip));
      expect(other.report.geometry.orientation.followup).toBe(letters);
      // The map is in the baseline's grid either way: the same ternary up to interpolation at the
      // lesion's border (the registration sees the same world, so its result agrees to far below a voxel).
      let differ = 0;
      let changed = 0;
      for (let i = 0; i < ref.map.data.length; i++) {
        if (ref.map.data[i] !== 0 || other.map.data[i] !== 0) changed++;
        if (ref.map.data[i] !== other.map.data[i]) differ++;
      }
      expect(changed).toBeGreaterThan(50);
      expect(differ / changed).toBeLessThan(0.05);
    }
  }, 120_000);

  it('the report records alignment, masks and the components of the map', async () => {
    const { report } = await mapFor(ph.followup);
    expect(report.alignment).toMatchObject({ method: 'rigid-mutual-information' });
    // The phantom moved the follow-up by a known rotation and shift; the alignment found a real motion.
    expect(
      Math.hypot(...report.alignment!.translationMm) + Math.hypot(...report.alignment!.rotationDeg),
    ).toBeGreaterThan(0.5);
    expect(report.geometry.brainMasks).toEqual({ baseline: 'computed', followup: 'computed' });
    expect(report.method).toMatchObject({ align: 'rigid', map: 'subtraction', network: null });
    expect(report.variant).toBe('aligned-subtraction');
    expect(report.artifacts.map((a) => a.name)).not.toContain('training_curve.png');
  }, 60_000);

  it('refuses bad masks before any training, with a code that names the part', async () => {
    const empty = { ...ph.baselineBrainMask, data: new Float32Array(ph.baselineBrainMask.data.length) };
    const otherGrid = restore(ph.baselineBrainMask, [1, 0, 2], [false, false, false]);
    const otherAffine = {
      ...ph.followupBrainMask,
      affine: ph.followupBrainMask.affine.map((v, i) => (i === 7 ? v + 4 : v)),
    };
    const flipped = restore(ph.baselineBrainMask, [0, 1, 2], [true, false, false]);
    const cases: Array<[Record<string, Uint8Array>, string, string]> = [
      [{ baselineBrainMask: nii(ph.baseline) }, 'MASK_INVALID', 'baselineBrainMask'], // an MRI passed as a mask
      [{ followupBrainMask: nii(empty, 'uint8') }, 'MASK_INVALID', 'followupBrainMask'],
      [{ followupBrainMask: nii(otherAffine, 'uint8') }, 'MASK_GRID_MISMATCH', 'followupBrainMask'],
      [{ baselineMask: nii(flipped, 'uint8') }, 'MASK_GRID_MISMATCH', 'baselineMask'],
    ];
    // same dims (48×48) but another storage order and affine
    cases.push([{ baselineBrainMask: nii(otherGrid, 'uint8') }, 'MASK_GRID_MISMATCH', 'baselineBrainMask']);
    for (const [extra, code, part] of cases) {
      const progress: string[] = [];
      await expect(
        runPipeline(
          { baseline: nii(ph.baseline), followup: nii(ph.followup), ...extra },
          resolveConfig('smoke'),
          { onProgress: (p) => progress.push(p.stage) },
        ),
      ).rejects.toMatchObject({ code, details: { part } });
      expect(progress).not.toContain('training');
    }
  }, 60_000);

  it('refuses a pair whose fields of view cannot be one head', async () => {
    const tiny = {
      ...ph.followup,
      affine: ph.followup.affine.map((v, i) => (i === 0 || i === 5 ? v / 8 : v)),
    };
    await expect(
      runPipeline({ baseline: nii(ph.baseline), followup: nii(tiny) }, resolveConfig('smoke')),
    ).rejects.toMatchObject({ code: 'STUDY_INCOMPATIBLE' });
    // the canonical view of a reoriented follow-up is still the same head: accepted by the same check
    expect(toCanonical(restore(ph.followup, [1, 2, 0], [false, false, true])).volume.dims).toEqual(
      ph.followup.dims,
    );
  });
});
