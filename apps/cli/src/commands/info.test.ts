import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNifti } from '@anet/nifti';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/anet.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'anet-info-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const anet = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('anet info', () => {
  // LPS: x and y flipped; values 0..59 so min/max/mean are known in closed form.
  const path = join(dir, 'lps.nii.gz');
  writeFileSync(
    path,
    writeNifti(
      {
        dims: [5, 4, 3],
        spacing: [0.5, 0.75, 2],
        affine: [-0.5, 0, 0, 10, 0, -0.75, 0, 20, 0, 0, 2, -30, 0, 0, 0, 1],
        data: Float32Array.from({ length: 60 }, (_, i) => i),
      },
      { datatype: 'int16' },
    ),
  );

  it('prints dims, spacing, datatype, orientation and intensity range as JSON', () => {
    const r = anet('info', path, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      niftiVersion: 1,
      datatype: 'int16',
      dims: [5, 4, 3],
      spacing: [0.5, 0.75, 2],
      orientation: 'LPS',
      affineSource: 'sform',
      intensity: { min: 0, max: 59, mean: 29.5 },
    });
  });

  it('prints a human summary, and an input error with exit code 3 for a non-NIfTI file', () => {
    const text = anet('info', path);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/dims\s+5 × 4 × 3/);
    expect(text.stdout).toMatch(/orientation\s+LPS/);
    expect(text.stdout).toMatch(/min 0 {2}max 59 {2}mean 29.5/);
    const bogus = join(dir, 'notes.nii');
    writeFileSync(bogus, 'not an image at all, just some text that is long enough');
    const bad = anet('info', bogus);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toContain('NIFTI_BAD_MAGIC');
  });
});
