import { NIFTI_INTENT_LABEL, readNifti, writeNifti } from '@anet/nifti';
import { describe, expect, it } from 'vitest';
import { ternarize } from '../ternary';
import { TERNARY_LABEL, ternaryColourTable, ternaryItkSnapLabels, ternaryToLabels } from './ternaryLabels';

/** Slicer data lines: `index name R G B A`. */
function slicerRows(text: string) {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\d+) (\S+) (\d+) (\d+) (\d+) (\d+)$/.exec(l);
      expect(m, l).not.toBeNull();
      return { value: +m![1], name: m![2], rgb: [+m![3], +m![4], +m![5]], alpha: +m![6] / 255 };
    });
}

/** ITK-SNAP data lines: `IDX R G B A VIS MSH "LABEL"`. */
function itkSnapRows(text: string) {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([01])\s+([01])\s+"([^"]+)"$/.exec(l);
      expect(m, l).not.toBeNull();
      return { value: +m![1], rgb: [+m![2], +m![3], +m![4]], alpha: +m![5], vis: +m![6], name: m![8] };
    });
}

describe('ternary labels for viewers', () => {
  it('maps −1 → 2 (reduction), 0 → 0, +1 → 1 (growth), and refuses anything else', () => {
    const t = Float32Array.from([0, 1, -1, 0, -1, 1]);
    expect(Array.from(ternaryToLabels(t))).toEqual([0, 1, 2, 0, 2, 1]);
    expect(TERNARY_LABEL).toEqual({ noChange: 0, growth: 1, reduction: 2 });
    expect(ternaryToLabels(new Float32Array(0))).toHaveLength(0);
    for (const bad of [0.5, 2, NaN])
      expect(() => ternaryToLabels(Float32Array.from([0, bad]))).toThrow(/voxel 1/);
  });

  it('a ternarized map round-trips as a uint8 NIFTI_INTENT_LABEL image', () => {
    const map = Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => Math.sin(i) * 0.4);
    const ternary = Float32Array.from(ternarize(map, [4, 3, 2], 0.15));
    const labels = ternaryToLabels(ternary);
    const vol = {
      dims: [4, 3, 2] as [number, number, number],
      spacing: [1, 1, 1] as [number, number, number],
    };
    const affine = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    const back = readNifti(
      writeNifti({ ...vol, affine, data: labels }, { datatype: 'uint8', intent: NIFTI_INTENT_LABEL }),
    );
    expect(back.meta).toMatchObject({ datatype: 'uint8', intentCode: 1002 });
    expect(Array.from(back.data)).toEqual(Array.from(ternary, (v) => (v === -1 ? 2 : v)));
    expect(new Set(back.data)).toEqual(new Set([0, 1, 2]));
  });

  it('3D Slicer colour table: header, one `index name R G B A` line per label, background transparent', () => {
    const text = ternaryColourTable();
    expect(text.split('\n')[0]).toMatch(/^# Color table file /);
    expect(text).toContain('# 3 values\n');
    expect(text.endsWith('\n')).toBe(true);
    const rows = slicerRows(text);
    expect(rows.map((r) => [r.value, r.name])).toEqual([
      [0, 'no_change'],
      [1, 'growth'],
      [2, 'reduction'],
    ]);
    expect(rows[0].alpha).toBe(0);
    for (const r of rows) for (const c of r.rgb) expect(c >= 0 && c <= 255).toBe(true);
    const [, growth, reduction] = rows;
    expect(growth.rgb[0]).toBeGreaterThan(growth.rgb[2]); // warm
    expect(reduction.rgb[2]).toBeGreaterThan(reduction.rgb[0]); // cool
    expect(growth.alpha).toBe(1);
    expect(reduction.alpha).toBe(1);
  });

  it('ITK-SNAP label descriptions: same labels and colours, label 0 hidden', () => {
    const text = ternaryItkSnapLabels();
    expect(text).toContain('# ITK-SnAP Label Description File');
    const rows = itkSnapRows(text);
    const slicer = slicerRows(ternaryColourTable());
    expect(rows.map((r) => r.value)).toEqual([0, 1, 2]);
    expect(rows.map((r) => r.name)).toEqual(['no change', 'growth', 'reduction']);
    rows.forEach((r, i) => {
      expect(r.rgb).toEqual(slicer[i].rgb);
      expect(r.alpha).toBe(slicer[i].alpha);
      expect(r.vis).toBe(i === 0 ? 0 : 1);
    });
  });
});
