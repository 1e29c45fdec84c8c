import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AnetError } from '@anet/contracts';
import { runPipeline, type AnetConfig, type PipelineProgress, type PipelineResult } from '@anet/pipeline';
import { prepareOutputDir, writeOutputDir } from '../output/safeOutputDir';

export interface AnalyzePairArgs {
  baseline: string;
  followup: string;
  baselineMask?: string;
  baselineVolumeMl?: number;
  baselineBrainMask?: string;
  followupBrainMask?: string;
  out: string;
  /** Replace `out` when it holds an earlier anet result (a folder anet did not make is never replaced). */
  force?: boolean;
  config: AnetConfig;
  signal?: AbortSignal;
  /** false: skip the per-slice overlay PNGs (--no-slice-overlays). */
  sliceOverlays?: boolean;
  onProgress?(p: PipelineProgress): void;
}

async function readInput(file: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    throw new AnetError(
      'VALIDATION_FAILED',
      `cannot read ${what} file '${file}': ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Runs the whole pipeline on two files and writes every artifact into `out`. `out` must be new or empty,
 * or an earlier anet result with `force` (checked before the pipeline runs; see output/safeOutputDir).
 * Artifacts land in a temporary sibling folder that is swapped into place at the end, so `out` never
 * holds half a result.
 */
export async function analyzePair(args: AnalyzePairArgs): Promise<PipelineResult> {
  const target = await prepareOutputDir(args.out, { kind: 'analyze', force: args.force });
  const optional = (file: string | undefined, what: string) =>
    file ? readInput(file, what) : Promise.resolve(undefined);
  const [baseline, followup, baselineMask, baselineBrainMask, followupBrainMask] = await Promise.all([
    readInput(args.baseline, 'baseline'),
    readInput(args.followup, 'follow-up'),
    optional(args.baselineMask, 'baseline mask'),
    optional(args.baselineBrainMask, 'baseline brain mask'),
    optional(args.followupBrainMask, 'follow-up brain mask'),
  ]);
  const base = (file: string | undefined) => (file ? path.basename(file) : undefined);
  const result = await runPipeline(
    {
      baseline,
      followup,
      baselineMask,
      baselineBrainMask,
      followupBrainMask,
      baselineVolumeMl: args.baselineVolumeMl,
      names: {
        baseline: path.basename(args.baseline),
        followup: path.basename(args.followup),
        baselineMask: base(args.baselineMask),
        baselineBrainMask: base(args.baselineBrainMask),
        followupBrainMask: base(args.followupBrainMask),
      },
    },
    args.config,
    { signal: args.signal, onProgress: args.onProgress, sliceOverlays: args.sliceOverlays },
  );
  await writeOutputDir(target, async (dir) => {
    for (const a of result.artifacts) await writeFile(path.join(dir, a.name), a.bytes);
    // The scan the results lie on, so that `anet view DIR` has everything in one folder.
    const gz = baseline[0] === 0x1f && baseline[1] === 0x8b;
    await writeFile(path.join(dir, gz ? 'baseline.nii.gz' : 'baseline.nii'), baseline);
  });
  return result;
}
