import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AnetError } from '@anet/contracts';
import { runPipeline, type AnetConfig, type PipelineProgress, type PipelineResult } from '@anet/pipeline';

export interface AnalyzePairArgs {
  baseline: string;
  followup: string;
  baselineMask?: string;
  baselineVolumeMl?: number;
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
  const [baseline, followup, baselineMask] = await Promise.all([
    readInput(args.baseline, 'baseline'),
    readInput(args.followup, 'follow-up'),
    args.baselineMask ? readInput(args.baselineMask, 'baseline mask') : Promise.resolve(undefined),
  ]);
  const result = await runPipeline(
    {
      baseline,
      followup,
      baselineMask,
      baselineVolumeMl: args.baselineVolumeMl,
      names: {
        baseline: path.basename(args.baseline),
        followup: path.basename(args.followup),
        baselineMask: args.baselineMask ? path.basename(args.baselineMask) : undefined,
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
