import { describe, expect, it } from 'vitest';
import { glyphRows, hasGlyph } from './font5x7';

describe('font5x7', () => {
  it('has every digit and upper-case letter as 7 rows of 5 bits, each with some ink', () => {
    for (const ch of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ%+-.:()') {
      expect(hasGlyph(ch)).toBe(true);
      const rows = glyphRows(ch);
      expect(rows).toHaveLength(7);
      expect(rows.every((r) => r >= 0 && r < 32)).toBe(true);
      expect(rows.some((r) => r !== 0)).toBe(true);
    }
  });
  it('draws lower case as upper case and unknown characters as ?', () => {
    expect(glyphRows('a')).toEqual(glyphRows('A'));
    expect(glyphRows('\u0001')).toEqual(glyphRows('?'));
  });
  it('keeps glyphs distinct', () => {
    const seen = new Set('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((c) => glyphRows(c).join(',')));
    expect(seen.size).toBe(36);
  });
});
