import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseManifest, splitCsvLine } from '../../apps/cli/src/batch/parseManifest';

describe('parseManifest', () => {
  it('reads rows without a header, resolving paths against the manifest folder', () => {
    const { rows, problems } = parseManifest(
      'P1,a/b.nii.gz,a/f.nii.gz\nP2,/abs/b.nii,f.nii,m.nii.gz,12.5\n',
      '/data/m',
    );
    expect(problems).toEqual([]);
    expect(rows).toMatchObject([
      {
        line: 1,
        ref: 'P1',
        baseline: '/data/m/a/b.nii.gz',
        followup: '/data/m/a/f.nii.gz',
        baselineMask: undefined,
      },
      {
        line: 2,
        ref: 'P2',
        baseline: '/abs/b.nii',
        followup: '/data/m/f.nii',
        baselineMask: '/data/m/m.nii.gz',
        baselineVolumeMl: 12.5,
      },
    ]);
    expect(rows[0].rowHash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].rowHash).not.toBe(rows[1].rowHash);
  });

  it('takes a header in any column order, skips comments/blank lines, and keeps line numbers', () => {
    const text = 'ref,followup,baseline,baseline_volume_ml\n\n# a comment\nP1,f1.nii,b1.nii,3\n';
    const { rows, problems } = parseManifest(text, '/m');
    expect(problems).toEqual([]);
    expect(rows).toMatchObject([
      { line: 4, ref: 'P1', baseline: '/m/b1.nii', followup: '/m/f1.nii', baselineVolumeMl: 3 },
    ]);
  });

  it('reports each malformed row with its line number and keeps the others', () => {
    const text = [
      'ref,baseline,followup,baseline_mask,baseline_volume_ml',
      'P1,b.nii,f.nii',
      'John Smith,b.nii,f.nii',
      'P3,b.nii',
      'P4,b.nii,f.nii,,-2',
      'P5,"b,with comma.nii",f.nii',
      'P6,"unterminated,f.nii',
      'P1,b2.nii,f2.nii',
      'P5,"b,with comma.nii",f.nii',
      'P8,b.nii,f.nii,m.nii,1,extra',
    ].join('\n');
    const { rows, problems } = parseManifest(text, '/m');
    expect(rows.map((r) => r.ref)).toEqual(['P1', 'P5']);
    expect(rows[1].baseline).toBe('/m/b,with comma.nii');
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 7, 8, 9, 10]);
    expect(problems[0].message).toMatch(/pseudonym/);
    expect(problems[1].message).toMatch(/at least 3 fields/);
    expect(problems[2].message).toMatch(/baseline_volume_ml/);
    expect(problems[3].message).toMatch(/quotes/);
    expect(problems[4].message).toMatch(/already used on line 2/);
    expect(problems[5].message).toMatch(/same row as line 6/);
    expect(problems[6].message).toMatch(/at most 5 fields/);
  });

  it('reads the optional brain-mask columns, by header or by position (columns 6 and 7)', () => {
    const { rows, problems } = parseManifest(
      [
        'ref,followup_brain_mask,baseline,followup,baseline_brain_mask',
        'P1,fb.nii.gz,b.nii,f.nii,/abs/bb.nii.gz',
        'P2,,b.nii,f.nii,bb.nii',
        'P3,,b.nii,f.nii',
      ].join('\n'),
      '/m',
    );
    expect(problems).toEqual([]);
    expect(rows).toMatchObject([
      { ref: 'P1', baselineBrainMask: '/abs/bb.nii.gz', followupBrainMask: '/m/fb.nii.gz' },
      { ref: 'P2', baselineBrainMask: '/m/bb.nii', followupBrainMask: undefined },
      { ref: 'P3', baselineBrainMask: undefined, followupBrainMask: undefined },
    ]);
    const positional = parseManifest('P1,b.nii,f.nii,,,bb.nii,fb.nii\nP2,b.nii,f.nii,m.nii,2,bb.nii\n', '/m');
    expect(positional.problems).toEqual([]);
    expect(positional.rows).toMatchObject([
      { ref: 'P1', baselineMask: undefined, baselineBrainMask: '/m/bb.nii', followupBrainMask: '/m/fb.nii' },
      { ref: 'P2', baselineMask: '/m/m.nii', baselineVolumeMl: 2, baselineBrainMask: '/m/bb.nii' },
    ]);
    expect(parseManifest('P1,b.nii,f.nii,,,bb.nii,fb.nii,x\n', '/m').problems).toMatchObject([
      { line: 1, message: expect.stringMatching(/at most 7 fields/) },
    ]);
  });

  it('keeps the row hash of rows without brain masks (resume state from earlier runs), changes it with them', () => {
    const hash = (text: string) => parseManifest(text, '/m').rows[0].rowHash;
    const plain = hash('P1,b.nii,f.nii');
    expect(hash('ref,baseline,followup,baseline_brain_mask\nP1,b.nii,f.nii,')).toBe(plain);
    // What the row hash was before the brain-mask columns existed.
    expect(plain).toBe(
      createHash('sha256')
        .update(JSON.stringify(['P1', 'b.nii', 'f.nii', '', '']))
        .digest('hex'),
    );
    const withBrain = hash('P1,b.nii,f.nii,,,bb.nii');
    expect(withBrain).not.toBe(plain);
    expect(hash('P1,b.nii,f.nii,,,,bb.nii')).not.toBe(withBrain);
  });

  it('refuses refs that would escape the output folder', () => {
    const { rows, problems } = parseManifest('..,b.nii,f.nii\n.,b.nii,f.nii\nok..x,b.nii,f.nii\n', '/m');
    expect(problems.map((p) => p.line)).toEqual([1, 2]);
    expect(rows.map((r) => r.ref)).toEqual(['ok..x']);
  });

  it('catches a volume written in the mask column of a header-less manifest', () => {
    const { rows, problems } = parseManifest('P1,b.nii,f.nii,12.5\nP2,b.nii,f.nii,,12.5\n', '/m');
    expect(problems).toMatchObject([{ line: 1, message: expect.stringMatching(/leave column 4 empty/) }]);
    expect(rows).toMatchObject([{ ref: 'P2', baselineMask: undefined, baselineVolumeMl: 12.5 }]);
  });

  it('splits RFC 4180 quoting', () => {
    expect(splitCsvLine('a,"b ""q"", c",d')).toEqual(['a', 'b "q", c', 'd']);
    expect(splitCsvLine('a,"b')).toBeUndefined();
    expect(splitCsvLine('a,,')).toEqual(['a', '', '']);
  });
});
