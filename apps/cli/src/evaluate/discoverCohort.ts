import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../output/UsageError';

export const COHORT_FILES = [
  'baseline.nii.gz',
  'followup.nii.gz',
  'baseline_mask.nii.gz',
  'followup_mask.nii.gz',
] as const;

export interface CohortPair {
  name: string;
  baseline: string;
  followup: string;
  baselineMask: string;
  followupMask: string;
  /** true for a pair whose time points were swapped on purpose (e.g. to make a response case). */
  swapped: boolean;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/**
 * One folder per pair holding exactly COHORT_FILES (the layout of the TCIA pairs). `swap` names pairs
 * to add a second time with baseline and follow-up exchanged (`<name>-swapped`).
 */
export async function discoverCohort(dir: string, swap: string[] = []): Promise<CohortPair[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: Error) => {
    throw new UsageError(`cannot read cohort folder '${dir}': ${err.message}`);
  });
  const pairs: CohortPair[] = [];
  for (const e of entries
    .filter((x) => x.isDirectory() || x.isSymbolicLink())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const f = (n: string) => path.join(dir, e.name, n);
    const missing = [];
    for (const n of COHORT_FILES) if (!(await exists(f(n)))) missing.push(n);
    if (missing.length) {
      process.stderr.write(`skipping ${e.name}: missing ${missing.join(', ')}\n`);
      continue;
    }
    const pair = {
      name: e.name,
      baseline: f('baseline.nii.gz'),
      followup: f('followup.nii.gz'),
      baselineMask: f('baseline_mask.nii.gz'),
      followupMask: f('followup_mask.nii.gz'),
      swapped: false,
    };
    pairs.push(pair);
    if (swap.includes(e.name)) {
      pairs.push({
        name: `${e.name}-swapped`,
        baseline: pair.followup,
        followup: pair.baseline,
        baselineMask: pair.followupMask,
        followupMask: pair.baselineMask,
        swapped: true,
      });
    }
  }
  for (const s of swap) {
    if (!pairs.some((p) => p.name === s)) throw new UsageError(`--swap ${s}: no such pair in ${dir}`);
  }
  if (pairs.length === 0)
    throw new UsageError(`no pairs in '${dir}' (each folder needs ${COHORT_FILES.join(', ')})`);
  return pairs;
}
