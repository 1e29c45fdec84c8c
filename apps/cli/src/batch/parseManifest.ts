import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { ClientReferenceSchema } from '@anet/contracts';

/** One pair to submit: paths already resolved against the manifest's folder. */
export interface ManifestRow {
  line: number;
  ref: string;
  baseline: string;
  followup: string;
  baselineMask?: string;
  baselineVolumeMl?: number;
  /** Brain masks, each in its own scan's grid (the service computes them when absent). */
  baselineBrainMask?: string;
  followupBrainMask?: string;
  /** sha256 (hex) of the row's fields as written: identifies the row across runs. */
  rowHash: string;
}

export interface ManifestProblem {
  line: number;
  ref?: string;
  message: string;
}

// New columns go last, so header-less manifests written for fewer columns keep their meaning.
const COLUMNS = [
  'ref',
  'baseline',
  'followup',
  'baseline_mask',
  'baseline_volume_ml',
  'baseline_brain_mask',
  'followup_brain_mask',
] as const;

/**
 * Parses `ref,baseline,followup[,baseline_mask][,baseline_volume_ml][,baseline_brain_mask][,followup_brain_mask]`
 * (header row optional, `#` comments and blank lines skipped, RFC 4180 quoting for paths with commas). A bad
 * row becomes a problem with its line number; the other rows are still returned.
 */
export function parseManifest(
  text: string,
  baseDir: string,
): { rows: ManifestRow[]; problems: ManifestProblem[] } {
  const rows: ManifestRow[] = [];
  const problems: ManifestProblem[] = [];
  const seenHash = new Map<string, number>();
  const seenRef = new Map<string, number>();
  let order: readonly string[] = COLUMNS;
  let first = true;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const line = i + 1;
    if (rawLine.trim() === '' || rawLine.trimStart().startsWith('#')) return;
    const fields = splitCsvLine(rawLine);
    if (fields === undefined) {
      problems.push({ line, message: 'unbalanced quotes' });
      first = false;
      return;
    }
    const cells = fields.map((f) => f.trim());
    if (first) {
      first = false;
      if (cells[0]?.toLowerCase() === 'ref') {
        const header = cells.map((c) => c.toLowerCase());
        const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
        for (const need of ['ref', 'baseline', 'followup']) {
          if (!header.includes(need)) problems.push({ line, message: `header lacks column ${need}` });
        }
        if (unknown.length > 0)
          problems.push({ line, message: `unknown header column(s): ${unknown.join(', ')}` });
        order = header;
        return;
      }
    }
    const row = parseRow(cells, order, line, baseDir);
    if ('message' in row) {
      problems.push(row);
      return;
    }
    const dupe = seenHash.get(row.rowHash);
    if (dupe !== undefined) {
      problems.push({ line, ref: row.ref, message: `same row as line ${dupe}` });
      return;
    }
    const dupeRef = seenRef.get(row.ref);
    if (dupeRef !== undefined) {
      problems.push({
        line,
        ref: row.ref,
        message: `ref ${row.ref} already used on line ${dupeRef} (refs name the output folders)`,
      });
      return;
    }
    seenHash.set(row.rowHash, line);
    seenRef.set(row.ref, line);
    rows.push(row);
  });
  return { rows, problems };
}

function parseRow(
  cells: string[],
  order: readonly string[],
  line: number,
  baseDir: string,
): ManifestRow | ManifestProblem {
  while (cells.length > 3 && cells[cells.length - 1] === '') cells.pop();
  if (cells.length < 3)
    return {
      line,
      ref: cells[0] || undefined,
      message: `expected at least 3 fields (ref,baseline,followup), got ${cells.length}`,
    };
  if (cells.length > order.length)
    return { line, ref: cells[0], message: `expected at most ${order.length} fields, got ${cells.length}` };
  const get = (name: string) => {
    const v = cells[order.indexOf(name)];
    return v === undefined || v === '' ? undefined : v;
  };
  const ref = get('ref');
  const baseline = get('baseline');
  const followup = get('followup');
  const mask = get('baseline_mask');
  const ml = get('baseline_volume_ml');
  const baselineBrainMask = get('baseline_brain_mask');
  const followupBrainMask = get('followup_brain_mask');
  // Refs name output folders: '.' and '..' would escape --out.
  if (!ref || !ClientReferenceSchema.safeParse(ref).success || /^\.+$/.test(ref)) {
    return {
      line,
      ref,
      message: `ref ${JSON.stringify(ref ?? '')} must be a pseudonym of 1-64 characters from [A-Za-z0-9._-]`,
    };
  }
  if (!baseline) return { line, ref, message: 'baseline path is empty' };
  if (!followup) return { line, ref, message: 'followup path is empty' };
  if (mask !== undefined && /^[+-]?\d+(\.\d+)?$/.test(mask) && order === COLUMNS) {
    return {
      line,
      ref,
      message: `baseline_mask ${JSON.stringify(mask)} looks like a number; for a volume without a mask leave column 4 empty: ${ref},…,…,,${mask}`,
    };
  }
  let baselineVolumeMl: number | undefined;
  if (ml !== undefined) {
    baselineVolumeMl = Number(ml);
    if (!Number.isFinite(baselineVolumeMl) || baselineVolumeMl <= 0 || baselineVolumeMl > 10_000) {
      return {
        line,
        ref,
        message: `baseline_volume_ml ${JSON.stringify(ml)} must be a number in (0, 10000]`,
      };
    }
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    line,
    ref,
    baseline: abs(baseline),
    followup: abs(followup),
    baselineMask: mask === undefined ? undefined : abs(mask),
    baselineVolumeMl,
    baselineBrainMask: baselineBrainMask === undefined ? undefined : abs(baselineBrainMask),
    followupBrainMask: followupBrainMask === undefined ? undefined : abs(followupBrainMask),
    // Brain masks enter the hash only when given, so rows without them keep the hash (and the
    // resume state) they had before those columns existed.
    rowHash: createHash('sha256')
      .update(
        JSON.stringify([
          ref,
          baseline,
          followup,
          mask ?? '',
          ml ?? '',
          ...(baselineBrainMask || followupBrainMask
            ? [baselineBrainMask ?? '', followupBrainMask ?? '']
            : []),
        ]),
      )
      .digest('hex'),
  };
}

/** Splits one CSV line (RFC 4180 quotes, no embedded newlines); undefined when quotes do not balance. */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) return undefined;
  out.push(cur);
  return out;
}
