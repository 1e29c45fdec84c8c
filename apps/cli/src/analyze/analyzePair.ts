import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AnetError } from '@anet/contracts';
import { runPipeline, type AnetConfig, type PipelineProgress, type PipelineResult } from '@anet/pipeline';

export interface AnalyzePairArgs {
  baseline: string;
  followup: string;
  baselineMask?: string;
  baselineVolumeMl?: number;
  baselineBrainMask?: string;
  followupBrainMask?: string;
  out: string;
  config: AnetConfig;
  signal?: AbortSignal;
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
 * Runs the whole pipeline on two files and writes every artifact into `out`. Artifacts land in a
 * temporary sibling folder that is renamed into place at the end, so `out` never holds half a result.
 */
export async function analyzePair(args: AnalyzePairArgs): Promise<PipelineResult> {
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
    { signal: args.signal, onProgress: args.onProgress },
  );
  const out = path.resolve(args.out);
  const tmp = `${out}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  for (const a of result.artifacts) await writeFile(path.join(tmp, a.name), a.bytes);
  await rm(out, { recursive: true, force: true });
  await mkdir(path.dirname(out), { recursive: true });
  await rename(tmp, out);
  return result;
}
