import { readNiftiFile } from '@anet/nifti';
import { registerRigid, resampleWorld, normalisedCrossCorrelation, computeBrainMask, toCanonical } from './src/index';
const settings: Record<string, Record<string, string[]>> = {
  default: {},
  it1000: { MaximumNumberOfIterations: ['1000'], NumberOfSpatialSamples: ['8192'] },
  ncc: { Metric: ['AdvancedNormalizedCorrelation'] },
  mi64: { NumberOfHistogramBins: ['64'], MaximumNumberOfIterations: ['1000'] },
};
for (const p of ['01','02','03','05']) {
  const b = await readNiftiFile(`/work/shared/data/tcia-pairs/${p}/baseline.nii.gz`);
  const f = await readNiftiFile(`/work/shared/data/tcia-pairs/${p}/followup.nii.gz`);
  const m = computeBrainMask(toCanonical(b).volume); // canonical == stored for these (LPS→ flips) so use stored
  const mb = computeBrainMask(b);
  const row: string[] = [p];
  for (const [name, extra] of Object.entries(settings)) {
    const t0 = Date.now();
    const t = await registerRigid(b, f, { extra });
    const after = resampleWorld(f, b, { worldTransform: t.matrix });
    row.push(`${name} ncc=${normalisedCrossCorrelation(b.data, after.data, mb.data).toFixed(3)} rot=${t.rotationDeg.map(x=>x.toFixed(1)).join('/')} tr=${t.translationMm.map(x=>x.toFixed(1)).join('/')} ${((Date.now()-t0)/1000).toFixed(0)}s`);
  }
  console.log(row.join(' | '));
  void m;
}
