import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readNiftiFile, writeNifti } from '@anet/nifti';
import { evaluateAgainstMasks, type AnetConfig, type PipelineProgress } from '@anet/pipeline';
import type { PairEvaluation } from '@anet/analysis';
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
  const run = await evaluateAgainstMasks(
    map,
    { baseline, followup, baselineMask, followupMask },
    config.analysis,
  );
  await writeFile(
    path.join(dir, 'followup_mask_in_baseline.nii.gz'),
    writeNifti(run.followupMaskInBaseline, { datatype: 'uint8', like: baseline.meta }),
  );
  // Typed arrays (ROC curves) as plain arrays so that a resumed run reads them back as such.
  const plain = (_k: string, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v);
  await writeFile(evalFile, JSON.stringify(run.evaluation, plain) + '\n');
  return { name: pair.name, evaluation: run.evaluation, resumed: done };
}
