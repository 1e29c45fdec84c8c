import { AnetError, type Volume } from '@anet/contracts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildNiftiCorpus } from './buildNiftiCorpus';
import { readNifti, readNiftiDescrip, readNiftiFile } from './readNifti';
import {
  NIFTI_INTENT_LABEL,
  NIFTI_INTENT_NONE,
  writeNifti,
  writeNiftiAsync,
  writeNiftiFile,
} from './writeNifti';

const corpus = buildNiftiCorpus();
const oblique = (): number[] => {
  // 20° about x then a flip of x: a non-trivial rigid+zoom affine with negative determinant.
  const c = Math.cos((20 * Math.PI) / 180);
  const s = Math.sin((20 * Math.PI) / 180);
  return [-0.9, 0, 0, 91.5, 0, 1.1 * c, -3 * s, -120.25, 0, 1.1 * s, 3 * c, -60, 0, 0, 0, 1];
};

function volume(
  values: (i: number) => number,
  affine = oblique(),
  dims: [number, number, number] = [6, 5, 4],
): Volume {
  const n = dims[0] * dims[1] * dims[2];
  return {
    data: Float32Array.from({ length: n }, (_, i) => values(i)),
    dims,
    spacing: [0.9, 1.1, 3],
    affine,
  };
}

describe('writeNifti', () => {
  it.each([
    ['float32', (i: number) => Math.sin(i) * 123.456],
    ['int16', (i: number) => ((i * 97) % 30000) - 15000],
    ['int8', (i: number) => (i % 3) - 1],
    ['uint8', (i: number) => (i * 7) % 256],
  ] as const)('round-trips %s values exactly', (datatype, f) => {
    const vol = volume(f);
    const back = readNifti(writeNifti(vol, { datatype }));
    expect(back.meta.datatype).toBe(datatype);
    expect(back.dims).toEqual(vol.dims);
    expect(Array.from(back.data)).toEqual(Array.from(vol.data));
    back.affine.forEach((x, i) => expect(x).toBeCloseTo(vol.affine[i], 4));
    back.spacing.forEach((x, i) => expect(x).toBeCloseTo(vol.spacing[i], 5));
  });

  it('rebuilds a qform that agrees with the sform for an oblique, flipped affine', () => {
    const back = readNifti(
      writeNifti(
        volume(() => 1),
        { datatype: 'uint8' },
      ),
    );
    expect(back.meta.sformCode).toBe(2);
    expect(back.meta.qformCode).toBe(2);
    expect(back.meta.pixdim[0]).toBe(-1); // determinant < 0 → qfac −1
    const viaQform = readNifti(
      writeNifti({ ...back, meta: undefined }, { datatype: 'uint8', like: { ...back.meta, sformCode: 0 } }),
    );
    expect(viaQform.meta.sformCode).toBe(0);
    viaQform.affine.forEach((x, i) => expect(x).toBeCloseTo(oblique()[i], 4));
  });

  it('keeps the source qform and sform verbatim, its units, and blanks descrip', () => {
    const src = corpus.find((e) => e.name === 'good-sform-over-qform.nii')!;
    const like = readNifti(src.bytes);
    const out = writeNifti(
      { ...like, data: like.data.map((x) => x * 2) },
      { datatype: 'float32', like: like.meta },
    );
    const back = readNifti(out);
    for (const key of ['qformCode', 'sformCode', 'quatern', 'qoffset', 'srow', 'xyztUnits'] as const) {
      expect(back.meta[key]).toEqual(like.meta[key]);
    }
    expect(back.meta.pixdim.slice(0, 4)).toEqual(like.meta.pixdim.slice(0, 4));
    expect(back.affine).toEqual(like.affine);
    const raw = gunzipSync(out);
    expect(new TextDecoder().decode(src.bytes.subarray(148, 160))).toBe('PATIENT NAME');
    expect(raw.subarray(148, 252).every((b) => b === 0)).toBe(true); // descrip + aux_file
    expect(raw.subarray(4, 32).every((b) => b === 0)).toBe(true); // data_type + db_name
  });

  it('keeps a big-endian qform-only source geometry when writing little-endian', () => {
    const src = corpus.find((e) => e.name === 'good-int16-bigendian.nii')!;
    const like = readNifti(src.bytes);
    const back = readNifti(writeNifti(like, { datatype: 'int16' }));
    expect(back.meta.littleEndian).toBe(true);
    expect(back.meta.qformCode).toBe(1);
    expect(back.meta.sformCode).toBe(0);
    expect(back.affine).toEqual(like.affine);
    expect(Array.from(back.data)).toEqual(Array.from(like.data));
  });

  it("rebuilds geometry from the volume when `like` describes another grid, keeping like's codes", () => {
    const src = readNifti(corpus.find((e) => e.name === 'good-sform-over-qform.nii')!.bytes);
    const vol = volume(() => 0, [2, 0, 0, -10, 0, 2, 0, -20, 0, 0, 2, -30, 0, 0, 0, 1]);
    const back = readNifti(writeNifti(vol, { datatype: 'float32', like: src.meta }));
    expect(back.meta.sformCode).toBe(src.meta.sformCode);
    expect(back.meta.qformCode).toBe(src.meta.qformCode);
    expect(back.affine).toEqual(vol.affine);
  });

  it('rounds to the integer type and refuses values that do not fit', () => {
    const back = readNifti(
      writeNifti(
        volume((i) => (i % 2 ? 1.4 : -0.6)),
        { datatype: 'int8' },
      ),
    );
    expect(Array.from(back.data.subarray(0, 4))).toEqual([-1, 1, -1, 1]);
    expect(() =>
      writeNifti(
        volume(() => 300),
        { datatype: 'uint8' },
      ),
    ).toThrow(AnetError);
    expect(() =>
      writeNifti(
        volume(() => NaN),
        { datatype: 'int16' },
      ),
    ).toThrow(/does not fit int16/);
    expect(() => writeNifti({ ...volume(() => 0), dims: [2, 2, 2] }, { datatype: 'uint8' })).toThrow(
      /dims 2×2×2/,
    );
  });

  it('writes and reads files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anet-nifti-'));
    try {
      const vol = volume((i) => Math.round(i / 3));
      await writeNiftiFile(join(dir, 'v.nii.gz'), vol, { datatype: 'float32' });
      expect(await writeNiftiAsync(vol, { datatype: 'int16' })).toEqual(
        writeNifti(vol, { datatype: 'int16' }),
      );
      const back = await readNiftiFile(join(dir, 'v.nii.gz'));
      expect(Array.from(back.data)).toEqual(Array.from(vol.data));
      await expect(readNiftiFile(join(dir, 'v.nii.gz'), { maxBytes: 10 })).rejects.toMatchObject({
        code: 'NIFTI_TOO_LARGE',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('writeNifti header options (intent, intent_name, cal_min/cal_max, descrip)', () => {
  const labels = () =>
    volume((i) => [0, 1, 2][i % 3], [1, 0, 0, -10, 0, 1, 0, -20, 0, 0, 2, -30, 0, 0, 0, 1]);
  const OPTIONS = {
    intent: NIFTI_INTENT_LABEL,
    intentName: 'anet ternary',
    calMin: 0,
    calMax: 2,
    descrip: 'anet ternary labels: 0 none, 1 growth, 2 reduction',
  } as const;

  it('defaults are unchanged: intent none, blank intent_name and descrip, no display window', () => {
    const out = writeNifti(labels(), { datatype: 'uint8' });
    const { meta } = readNifti(out);
    expect(meta).toMatchObject({ intentCode: NIFTI_INTENT_NONE, intentName: '', calMin: 0, calMax: 0 });
    expect(readNiftiDescrip(out)).toBe('');
    const raw = gunzipSync(out);
    expect(raw.subarray(56, 70).every((b) => b === 0)).toBe(true); // intent_p1..3 + intent_code
    expect(raw.subarray(124, 132).every((b) => b === 0)).toBe(true); // cal_max, cal_min
    expect(raw.subarray(148, 252).every((b) => b === 0)).toBe(true); // descrip + aux_file
    expect(raw.subarray(328, 344).every((b) => b === 0)).toBe(true); // intent_name
  });

  it('writes what the options say, and our reader reads it back', () => {
    const out = writeNifti(labels(), { datatype: 'uint8', ...OPTIONS });
    const back = readNifti(out);
    expect(back.meta).toMatchObject({
      intentCode: 1002,
      intentName: 'anet ternary',
      calMin: 0,
      calMax: 2,
    });
    expect(readNiftiDescrip(out)).toBe(OPTIONS.descrip);
    expect(readNiftiDescrip(gunzipSync(out))).toBe(OPTIONS.descrip); // .nii as well as .nii.gz
    expect(Array.from(back.data.subarray(0, 6))).toEqual([0, 1, 2, 0, 1, 2]);
    const raw = gunzipSync(out);
    expect(raw.subarray(228, 252).every((b) => b === 0)).toBe(true); // aux_file stays blank
    expect(raw.subarray(4, 32).every((b) => b === 0)).toBe(true); // data_type + db_name stay blank
    // a float window, as for the change map
    const map = readNifti(writeNifti(labels(), { datatype: 'float32', calMin: -0.5, calMax: 0.5 }));
    expect([map.meta.calMin, map.meta.calMax]).toEqual([-0.5, 0.5]);
    expect(map.meta.intentCode).toBe(NIFTI_INTENT_NONE);
  });

  it('never copies intent, window or descrip from `like`, and a descrip of ours replaces the source’s', () => {
    const first = readNifti(writeNifti(labels(), { datatype: 'uint8', ...OPTIONS }));
    const again = writeNifti(first, { datatype: 'uint8', like: first.meta });
    expect(readNifti(again).meta).toMatchObject({ intentCode: 0, intentName: '', calMin: 0, calMax: 0 });
    expect(readNiftiDescrip(again)).toBe('');

    const src = corpus.find((e) => e.name === 'good-sform-over-qform.nii')!;
    expect(readNiftiDescrip(src.bytes)).toMatch(/^PATIENT NAME/);
    const like = readNifti(src.bytes);
    const ours = writeNifti(like, { datatype: 'float32', like: like.meta, descrip: 'anet map' });
    expect(readNiftiDescrip(ours)).toBe('anet map');
    expect(new TextDecoder().decode(gunzipSync(ours).subarray(148, 228))).toBe('anet map'.padEnd(80, '\0'));
  });

  it('our reader finds intent_name and descrip at the NIfTI-2 offsets too', () => {
    const bytes = Uint8Array.from(corpus.find((e) => e.name === 'good-nifti2.nii')!.bytes);
    bytes.set(new TextEncoder().encode('a NIfTI-2 note'), 240);
    bytes.set(new TextEncoder().encode('label name'), 508);
    expect(readNiftiDescrip(bytes)).toBe('a NIfTI-2 note');
    expect(readNifti(bytes).meta).toMatchObject({ niftiVersion: 2, intentName: 'label name' });
  });

  it('refuses values that do not fit instead of cutting them', () => {
    const w = (o: object) => () => writeNifti(labels(), { datatype: 'uint8', ...o });
    expect(w({ intentName: 'x'.repeat(15) })).not.toThrow();
    expect(w({ descrip: 'x'.repeat(79) })).not.toThrow();
    expect(w({ intentName: 'x'.repeat(16) })).toThrow(/intentName .* at most 15/);
    expect(w({ descrip: 'x'.repeat(80) })).toThrow(/descrip .* at most 79/);
    expect(w({ descrip: 'Müller' })).toThrow(AnetError);
    expect(w({ descrip: 'two\nlines' })).toThrow(AnetError);
    expect(w({ intent: 1.5 })).toThrow(/intent code/);
    expect(w({ intent: 40000 })).toThrow(/intent code/);
    expect(w({ calMin: 1, calMax: 0 })).toThrow(/calMin ≤ calMax/);
    expect(w({ calMax: NaN })).toThrow(/finite/);
  });
});

// An independent reader: Debian's python3-nibabel (as in nibabel.test.ts; skipped where it is missing).
const PYTHON = '/usr/bin/python3';
const hasNibabel = spawnSync(PYTHON, ['-c', 'import nibabel, numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasNibabel)(
  `nibabel reads our header options (${hasNibabel ? PYTHON : 'SKIPPED: /usr/bin/python3 lacks nibabel'})`,
  () => {
    it('intent code and name, cal_min/cal_max, descrip; aux_file and db_name blank', () => {
      const dir = mkdtempSync(join(tmpdir(), 'anet-nifti-intent-'));
      try {
        const path = join(dir, 'labels.nii.gz');
        writeFileSync(
          path,
          writeNifti(
            volume((i) => i % 3),
            {
              datatype: 'uint8',
              intent: NIFTI_INTENT_LABEL,
              intentName: 'anet ternary',
              calMin: 0,
              calMax: 2,
              descrip: 'anet change map: follow-up minus baseline, [0,1]-normalised intensity units',
            },
          ),
        );
        const r = spawnSync(
          PYTHON,
          [
            '-c',
            `
import json, sys, nibabel as nib
h = nib.load(sys.argv[1]).header
code, params, name = h.get_intent()
print(json.dumps({'intent_code': int(h['intent_code']), 'intent': code, 'params': list(params),
  'intent_name': name, 'cal_min': float(h['cal_min']), 'cal_max': float(h['cal_max']),
  'descrip': h['descrip'].tolist().decode(), 'aux_file': h['aux_file'].tolist().decode(),
  'db_name': h['db_name'].tolist().decode(), 'dtype': str(h.get_data_dtype())}))
`,
            path,
          ],
          { encoding: 'utf8', timeout: 60_000 },
        );
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({
          intent_code: 1002,
          intent: 'label',
          params: [],
          intent_name: 'anet ternary',
          cal_min: 0,
          cal_max: 2,
          descrip: 'anet change map: follow-up minus baseline, [0,1]-normalised intensity units',
          aux_file: '',
          db_name: '',
          dtype: 'uint8',
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
