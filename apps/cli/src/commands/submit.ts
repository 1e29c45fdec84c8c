import { Option, type Command } from 'commander';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { parseJobOptions } from '../config/parseOptionValues';
import { resolveInputVolume, type InputVolume } from '../dicom';
import { followJob } from '../output/followJob';
import { InterruptedError } from '../output/InterruptedError';
import { runAction } from '../output/runAction';
import { UsageError } from '../output/UsageError';

interface SubmitOptions extends CommonOptions {
  baseline: string;
  followup: string;
  baselineMask?: string;
  baselineBrainMask?: string;
  followupBrainMask?: string;
  baselineVolumeMl?: string;
  profile?: string;
  ref?: string;
  wait?: boolean;
  out?: string;
  series?: string[];
  epochs?: string;
  seed?: string;
  idempotencyKey?: string;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('submit')
      .description(
        'submit a baseline/follow-up pair (NIfTI files or DICOM series folders) and print the job id',
      )
      .requiredOption('--baseline <path>', 'baseline T1ce: .nii/.nii.gz file or DICOM folder')
      .requiredOption('--followup <path>', 'follow-up T1ce: .nii/.nii.gz file or DICOM folder')
      .option('--baseline-mask <path>', 'baseline enhancing-tumour mask (.nii/.nii.gz, baseline grid)')
      .option(
        '--baseline-brain-mask <path>',
        'brain mask of the baseline in its own grid (0/1); without it the service computes one',
      )
      .option(
        '--followup-brain-mask <path>',
        'brain mask of the follow-up in its own grid (0/1); without it the service computes one',
      )
      .option('--baseline-volume-ml <ml>', 'baseline enhancing-tumour volume in mL (when no mask)')
      .addOption(new Option('--profile <profile>', 'training profile').choices(['paper', 'cpu', 'smoke']))
      .option('--ref <pseudonym>', 'your pseudonymous reference [A-Za-z0-9._-]{1,64}; never a patient name')
      .option(
        '--series <uid...>',
        'DICOM SeriesInstanceUID(s) to use (default: the series with the most slices)',
      )
      .option('--epochs <n>', "override the profile's number of epochs")
      .option('--seed <n>', 'override the random seed')
      .option('--idempotency-key <key>', 'reuse to make a re-run return the same job (default: random)')
      .option('--wait', 'wait for the job, showing progress, then fetch the artifacts')
      .option('--out <dir>', 'where --wait puts the artifacts (default ./anet-<job id>; implies --wait)'),
  ).action(
    runAction(async (opts: SubmitOptions) => {
      const client = clientFromOptions(opts);
      const options = parseJobOptions(opts);
      if (opts.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,128}$/.test(opts.idempotencyKey)) {
        throw new UsageError('--idempotency-key must be 1-128 printable ASCII characters without spaces');
      }
      const inputs: InputVolume[] = [];
      // Ctrl-C during conversion or upload: stop, but still delete the converted files.
      const controller = new AbortController();
      const onSigint = () =>
        controller.abort(new InterruptedError('interrupted before the job was submitted'));
      process.once('SIGINT', onSigint);
      let submitted;
      try {
        const resolve = async (label: string, path: string) => {
          controller.signal.throwIfAborted();
          const input = await resolveInputVolume(label, path, { seriesUids: opts.series });
          inputs.push(input);
          if (input.dicom) {
            const { chosen, candidates } = input.dicom;
            process.stderr.write(
              `${label}: DICOM folder ${path}: ${candidates.length} series; using ${chosen.seriesUid} ` +
                `(series ${chosen.seriesNumber ?? '?'}, ${chosen.slices} slices, ${chosen.dims.join('×')})\n`,
            );
          }
          return input.path;
        };
        const baseline = await resolve('baseline', opts.baseline);
        const followup = await resolve('followup', opts.followup);
        const optional = (label: string, path: string | undefined) =>
          path ? resolve(label, path) : Promise.resolve(undefined);
        const baselineMask = await optional('baseline mask', opts.baselineMask);
        const baselineBrainMask = await optional('baseline brain mask', opts.baselineBrainMask);
        const followupBrainMask = await optional('follow-up brain mask', opts.followupBrainMask);
        const usedSeries = new Set(inputs.map((i) => i.dicom?.chosen.seriesUid));
        const missing = (opts.series ?? []).filter((uid) => !usedSeries.has(uid));
        if (missing.length > 0)
          throw new UsageError(`--series ${missing.join(', ')}: not found in any DICOM input folder`);
        submitted = await client.submitJob({
          baseline,
          followup,
          baselineMask,
          baselineBrainMask,
          followupBrainMask,
          options,
          idempotencyKey: opts.idempotencyKey,
          signal: controller.signal,
        });
      } catch (err) {
        throw controller.signal.aborted ? controller.signal.reason : err;
      } finally {
        process.off('SIGINT', onSigint);
        // The converted NIfTI lived only for the upload.
        await Promise.all(inputs.map((i) => i.cleanup()));
      }
      const { job } = submitted;
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ type: 'submitted', job, idempotencyKey: submitted.idempotencyKey, httpStatus: submitted.httpStatus })}\n`,
        );
      } else {
        process.stdout.write(`${job.id}\n`);
        process.stderr.write(
          `${submitted.httpStatus === 200 ? 'already submitted as' : 'submitted'} job ${job.id} (${job.status}); ` +
            `follow with: anet watch ${job.id}\n`,
        );
      }
      if (opts.wait || opts.out) {
        await followJob(client, job.id, {
          json: opts.json,
          outDir: opts.out ?? `anet-${job.id}`,
          initial: { job, retryAfterMs: submitted.retryAfterMs },
        });
      }
    }),
  );
}
