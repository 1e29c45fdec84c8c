/**
 * The label colours come from the result's own 3D Slicer table (`ternary_labels.ctbl`), so the viewer,
 * Slicer and ITK-SNAP show the same colours without a second copy of them here.
 */
export interface LabelColormap {
  R: number[];
  G: number[];
  B: number[];
  A: number[];
  I: number[];
  labels: string[];
}

/** `index name R G B A` lines (0..255; `#` comments) → NiiVue's label colormap; names get spaces back. */
export function parseColourTable(text: string): LabelColormap {
  const out: LabelColormap = { R: [], G: [], B: [], A: [], I: [], labels: [] };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    if (f.length < 6) throw new Error(`colour table line '${line}': expected 'index name R G B A'`);
    const [i, r, g, b, a] = [f[0], f[2], f[3], f[4], f[5]].map(Number);
    if (![i, r, g, b, a].every((x) => Number.isInteger(x) && x >= 0 && x <= 255))
      throw new Error(`colour table line '${line}': values must be integers 0..255`);
    out.I.push(i);
    out.R.push(r);
    out.G.push(g);
    out.B.push(b);
    out.A.push(a);
    out.labels.push(f[1].replace(/_/g, ' '));
  }
  if (!out.I.length) throw new Error('colour table has no labels');
  return out;
}

