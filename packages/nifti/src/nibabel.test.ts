import type { Volume } from '@anet/contracts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNiftiCorpus } from './buildNiftiCorpus';
import { readNifti } from './readNifti';
import { writeNifti } from './writeNifti';

// An independent reader/writer: Debian's python3-nibabel (not the pyenv python on PATH).
const PYTHON = '/usr/bin/python3';
const hasNibabel = spawnSync(PYTHON, ['-c', 'import nibabel, numpy'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'anet-nibabel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function python(script: string, ...args: string[]): unknown {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface NibabelView {
  affine: number[][];
  qform: number[][] | null;
  qform_code: number;
  sform: number[][] | null;
  sform_code: number;
  shape: number[];
  dtype: string;
  zooms: number[];
  units: string[];
  descrip: string;
  data: number[];
}

const DESCRIBE = `
import json, sys, nibabel as nib, numpy as np
img = nib.load(sys.argv[1]); h = img.header
q, qc = img.get_qform(coded=True); s, sc = img.get_sform(coded=True)
print(json.dumps({
  'affine': img.affine.tolist(), 'qform': None if q is None else q.tolist(), 'qform_code': int(qc),
  'sform': None if s is None else s.tolist(), 'sform_code': int(sc), 'shape': list(img.shape),
  'dtype': str(h.get_data_dtype()), 'zooms': [float(z) for z in h.get_zooms()],
  'units': list(h.get_xyzt_units()), 'descrip': h['descrip'].tolist().decode(),
  'data': np.asarray(img.dataobj, dtype=np.float64).ravel(order='F').tolist()}))
`;

const theta = (25 * Math.PI) / 180;
const oblique: Volume = {
  dims: [7, 6, 5],
  spacing: [0.8, 1.2, 3.5],
  // rotation about z by 25°, x flipped (det < 0), arbitrary origin
  affine: [
    -0.8 * Math.cos(theta),
    -1.2 * Math.sin(theta),
    0,
    101.25,
    -0.8 * Math.sin(theta),
    1.2 * Math.cos(theta),
    0,
    -87.5,
    0,
    0,
    3.5,
    -40,
    0,
    0,
    0,
    1,
  ],
  data: Float32Array.from({ length: 7 * 6 * 5 }, (_, i) => Math.round(Math.sin(i) * 300) / 4),
};

describe.skipIf(!hasNibabel)(
  `nibabel agrees with us (${hasNibabel ? PYTHON : 'SKIPPED: /usr/bin/python3 lacks nibabel'})`,
  () => {
    it.each(['float32', 'int16'] as const)(
      'reads our %s .nii.gz with the same affine, qform, sform and values',
      (datatype) => {
        const vol =
          datatype === 'int16' ? { ...oblique, data: oblique.data.map((x) => Math.round(x)) } : oblique;
        const path = join(dir, `ours-${datatype}.nii.gz`);
        writeFileSync(path, writeNifti(vol, { datatype }));
        const nib = python(DESCRIBE, path) as NibabelView;
        expect(nib.shape).toEqual(vol.dims);
        expect(nib.dtype).toBe(datatype);
        expect(nib.sform_code).toBe(2);
        expect(nib.qform_code).toBe(2);
        expect(nib.qform).not.toBeNull();
        const flat = (m: number[][]) => m.flat();
        flat(nib.affine).forEach((x: number, i: number) => expect(x).toBeCloseTo(vol.affine[i], 4));
        flat(nib.qform ?? []).forEach((x: number, i: number) => expect(x).toBeCloseTo(vol.affine[i], 4));
        nib.zooms.forEach((z: number, i: number) => expect(z).toBeCloseTo(vol.spacing[i], 5));
        expect(nib.units).toEqual(['mm', 'unknown']);
        expect(nib.descrip).toBe('');
        expect(nib.data).toEqual(Array.from(vol.data));
      },
    );

    it('we read a nibabel-written scaled int16 file with its affine and values', () => {
      const path = join(dir, 'theirs.nii.gz');
      const out = python(
        `
import json, sys, numpy as np, nibabel as nib
aff = np.array([[0.0, 0.0, -2.5, 90.0], [-0.9, 0.0, 0.0, 120.0], [0.0, 1.1, 0.0, -60.0], [0, 0, 0, 1]])
data = (np.arange(5 * 4 * 3, dtype=np.float64).reshape((5, 4, 3), order='F') * 0.75 - 7.0)
img = nib.Nifti1Image(data, aff); img.set_data_dtype(np.int16)
img.header.set_qform(aff, code=1); img.header.set_sform(aff, code=2)
img.header['descrip'] = b'Jane Doe 1970-01-01'
nib.save(img, sys.argv[1])
back = nib.load(sys.argv[1])
print(json.dumps({'affine': back.affine.tolist(), 'data': back.get_fdata().ravel(order='F').tolist(),
  'slope': float(back.dataobj.slope)}))
`,
        path,
      ) as { affine: number[][]; data: number[]; slope: number };
      expect(out.slope).not.toBe(1); // nibabel chose a scale factor: our reader must apply it
      const vol = readNifti(readFileSync(path));
      expect(vol.dims).toEqual([5, 4, 3]);
      expect(vol.meta.qformCode).toBe(1);
      expect(vol.meta.sformCode).toBe(2);
      vol.affine.forEach((x, i) => expect(x).toBeCloseTo(out.affine.flat()[i], 5));
      vol.data.forEach((x, i) => expect(x).toBeCloseTo(out.data[i], 4));
      // and writing it back "like" itself keeps nibabel's header geometry, minus the name
      const again = join(dir, 'again.nii.gz');
      writeFileSync(again, writeNifti(vol, { datatype: 'float32', like: vol.meta }));
      const nib = python(DESCRIBE, again) as NibabelView;
      expect(nib.qform_code).toBe(1);
      expect(nib.sform_code).toBe(2);
      nib.affine.flat().forEach((x: number, i: number) => expect(x).toBeCloseTo(out.affine.flat()[i], 5));
      expect(nib.descrip).toBe('');
    });

    it('reads every good corpus file as the corpus says (an independent check of the fixtures)', () => {
      const good = buildNiftiCorpus().filter((e) => e.truth);
      for (const e of good) writeFileSync(join(dir, e.name), e.bytes);
      const out = python(
        `
import json, sys, numpy as np, nibabel as nib
print(json.dumps({p.split('/')[-1]: {'affine': nib.load(p).affine.ravel().tolist(),
  'data': np.asarray(nib.load(p).dataobj, dtype=np.float64).ravel(order='F').tolist()} for p in sys.argv[1:]}))
`,
        ...good.map((e) => join(dir, e.name)),
      ) as Record<string, { affine: number[]; data: number[] }>;
      expect(Object.keys(out).length).toBe(good.length);
      for (const e of good) {
        // With qform_code = sform_code = 0 nibabel invents an ANALYZE-style centred, x-flipped affine;
        // we follow the NIfTI spec's "method 1" (pixdim diagonal), so compare geometry only when coded.
        // nibabel also takes a set sform as is even when it is all zeros (we fall back to the qform).
        const { qformCode, sformCode } = readNifti(e.bytes).meta;
        const nibSingular = out[e.name].affine.slice(0, 11).every((x, i) => i % 4 === 3 || x === 0);
        if ((qformCode > 0 || sformCode > 0) && !nibSingular) {
          out[e.name].affine.forEach((x, i) => expect(x).toBeCloseTo(e.truth!.affine[i], 5));
        }
        expect(Float32Array.from(out[e.name].data)).toEqual(e.truth!.values);
      }
    });
  },
);
