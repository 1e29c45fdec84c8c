import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readNiftiFile, writeNifti } from '@anet/nifti';
import { evaluateAgainstMasks, type AnetConfig, type PipelineProgress } from '@anet/pipeline';
import { evaluatePair, type MapAucs, type PairEvaluation } from '@anet/analysis';
import type { Report } from '@anet/contracts';
import { analyzePair } from '../analyze/analyzePair';
import type { CohortPair } from './discoverCohort';

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** A finished analysis counts only if it ran with the same configuration (else it is redone). */
async function finishedWith(dir: string, config: AnetConfig): Promise<boolean> {
  const report = await readJson<{
    configuration?: { train?: unknown; analysis?: unknown; method?: unknown };
  }>(path.join(dir, 'report.json'));
  return (
    !!report &&
    JSON.stringify(report.configuration?.method) === JSON.stringify(config.method) &&
    JSON.stringify(report.configuration?.train) === JSON.stringify(config.train) &&
    JSON.stringify(report.configuration?.analysis) === JSON.stringify(config.analysis)
  );
}

export interface CohortPairResult {
  name: string;
  evaluation: PairEvaluation;
  resumed: boolean;
}

/** Analyse one pair (unless already done with this config), then evaluate it against its masks. */
export async function evaluateCohortPair(
  pair: CohortPair,
  outDir: string,
  config: AnetConfig,
  hooks: { signal?: AbortSignal; onProgress?(p: PipelineProgress): void },
): Promise<CohortPairResult> {
  const dir = path.join(outDir, pair.name);
  const evalFile = path.join(dir, 'evaluation.json');
  const done = await finishedWith(dir, config);
  if (done) {
    const cached = await readJson<PairEvaluation>(evalFile);
    if (cached) return { name: pair.name, evaluation: cached, resumed: true };
  } else {
    await analyzePair({
      baseline: pair.baseline,
      followup: pair.followup,
      baselineMask: pair.baselineMask,
      out: dir,
      force: true, // redo a pair analysed with another configuration (only ever replaces anet's own folder)
      config,
      signal: hooks.signal,
      onProgress: hooks.onProgress,
    });
  }
  const [map, baseline, followup, baselineMask, followupMask] = await Promise.all([
    readNiftiFile(path.join(dir, 'map.nii.gz')),
    readNiftiFile(pair.baseline),
    readNiftiFile(pair.followup),
    readNiftiFile(pair.baselineMask),
    readNiftiFile(pair.followupMask),
  ]);
  const report = await readJson<Report>(path.join(dir, 'report.json'));
  const mr = report?.classes.modifiedRano;
  const run = await evaluateAgainstMasks(
    map,
    { baseline, followup, baselineMask, followupMask },
    config.analysis,
    {
      // Score the class the pipeline reported (its region, scans and settings), not a recount.
      predicted:
        report && mr
          ? { class: mr.class, percentChange: mr.percentChange, changeMl: report.volumes.changeMl }
          : undefined,
    },
  );
  await writeFile(
    path.join(dir, 'followup_mask_in_baseline.nii.gz'),
    writeNifti(run.followupMaskInBaseline, { datatype: 'uint8', like: baseline.meta }),
  );
  // Component maps (e.g. the network's own map beside a combination): AUCs of each, same ground truth.
  const components: Record<string, MapAucs> = {};
  for (const a of report?.artifacts ?? []) {
    const m = /^component_(\w+)_map\.nii\.gz$/.exec(a.name);
    if (!m) continue;
    const e = evaluatePair({
      map: await readNiftiFile(path.join(dir, a.name)),
      baselineMask,
      followupMaskInBaseline: run.followupMaskInBaseline,
      rocPoints: 2,
    });
    components[m[1]!] = { aucGrowth: e.aucGrowth, aucReduction: e.aucReduction, aucMicro: e.aucMicro };
  }
  if (Object.keys(components).length) run.evaluation.components = components;
  // Typed arrays (ROC curves) as plain arrays so that a resumed run reads them back as such.
  const plain = (_k: string, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v);
  await writeFile(evalFile, JSON.stringify(run.evaluation, plain) + '\n');
  return { name: pair.name, evaluation: run.evaluation, resumed: done };
}
