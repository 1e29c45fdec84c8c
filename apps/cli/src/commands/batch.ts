import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { runBatch, type BatchEvent } from '../batch/runBatch';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { parseJobOptions, parsePositive } from '../config/parseOptionValues';
import { EXIT } from '../exitCodes';
import { InterruptedError } from '../output/InterruptedError';
import { runAction } from '../output/runAction';

interface BatchCliOptions extends CommonOptions {
  out: string;
  concurrency: string;
  profile?: string;
  epochs?: string;
  seed?: string;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('batch')
      .description(
        'submit every row of a CSV manifest (ref,baseline,followup[,baseline_mask][,baseline_volume_ml]' +
          '[,baseline_brain_mask][,followup_brain_mask]), ' +
          'fetch results into OUT/<ref>/ and write OUT/summary.csv; re-run the same command to resume',
      )
      .argument('<manifest>', 'CSV manifest; paths are relative to its folder')
      .requiredOption('--out <dir>', 'results folder (one sub-folder per ref, plus summary.csv)')
      .option('--concurrency <n>', 'jobs in flight at once', '2')
      .addOption(
        new Option('--profile <profile>', 'training profile for every row').choices([
          'paper',
          'cpu',
          'smoke',
        ]),
      )
      .option('--epochs <n>', "override the profile's number of epochs")
      .option('--seed <n>', 'override the random seed'),
  ).action(
    runAction(async (manifest: string, opts: BatchCliOptions) => {
      const client = clientFromOptions(opts);
      const concurrency = parsePositive('--concurrency', opts.concurrency, true);
      const { profile, overrides } = parseJobOptions(opts);
      const controller = new AbortController();
      const onSigint = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const print = (e: BatchEvent) => {
        if (opts.json) process.stdout.write(`${JSON.stringify({ type: 'row', ...e })}\n`);
        else process.stderr.write(`line ${e.line}${e.ref ? ` ${e.ref}` : ''}: ${describeEvent(e)}\n`);
      };
      let result;
      try {
        result = await runBatch({
          client,
          manifestPath: resolve(manifest),
          outDir: resolve(opts.out),
          concurrency,
          jobOptions: { ...(profile ? { profile } : {}), ...(overrides ? { overrides } : {}) },
          signal: controller.signal,
          onEvent: print,
        });
      } finally {
        process.off('SIGINT', onSigint);
      }
      const counts: Record<string, number> = {};
      for (const r of result.rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ type: 'summary', summaryPath: result.summaryPath, counts, rows: result.rows })}\n`,
        );
      } else {
        process.stdout.write(
          `${result.rows.length} rows: ${Object.entries(counts)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')}; summary in ${result.summaryPath}\n`,
        );
      }
      if (controller.signal.aborted) {
        throw new InterruptedError(
          `batch interrupted; state kept in ${result.statePath}: run the same command to resume`,
        );
      }
      if (result.rows.some((r) => r.status === 'pending')) process.exitCode = EXIT.NETWORK;
      else if (result.rows.some((r) => r.status !== 'succeeded')) process.exitCode = EXIT.JOB_FAILED;
    }),
  );
}

function describeEvent(e: BatchEvent): string {
  switch (e.event) {
    case 'invalid':
      return `invalid row: ${e.message}`;
    case 'submitted':
      return `submitted job ${e.jobId}`;
    case 'resumed':
      return `resuming job ${e.jobId} (${e.status})`;
    case 'progress':
      return `job ${e.jobId} ${e.status}`;
    case 'finished':
      return `job ${e.jobId} ${e.status}${e.errorCode ? ` (${e.errorCode})` : ''}`;
    default:
      return `${e.errorCode}: ${e.message}`;
  }
}
