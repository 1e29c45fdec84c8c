import { InvalidArgumentError, Option, type Command } from 'commander';
import { TRAIN_PROFILES } from '@anet/contracts';
import type { ConfigOverrides } from '@anet/pipeline';
import { checkLocalInputs } from '../analyze/checkLocalInputs';
import { prepareOutputDir } from '../output/safeOutputDir';
import { progressModeFor } from '../output/ProgressReporter';
import { runAction } from '../output/runAction';
import { UsageError } from '../output/UsageError';

interface AnalyzeOptions {
  baseline: string;
  followup: string;
  baselineMask?: string;
  baselineVolumeMl?: number;
  profile: string;
  out: string;
  force?: boolean;
  seed?: number;
  epochs?: number;
  set?: string[];
  baselineBrainMask?: string;
  followupBrainMask?: string;
  json?: boolean;
  sliceOverlays?: boolean;
}

export function parseNumber(kind: 'int' | 'float', min = 0) {
  return (v: string): number => {
    const n = kind === 'int' ? Number.parseInt(v, 10) : Number.parseFloat(v);
    if (!Number.isFinite(n) || n < min || (kind === 'int' && String(n) !== v.trim()))
      throw new InvalidArgumentError(`expected ${kind === 'int' ? 'an integer' : 'a number'} ≥ ${min}`);
    return n;
  };
}

/** `--set group.key=value`: one override of the method, train or analysis configuration (value as JSON, else a string). */
export function parseSetting(v: string, previous: string[] = []): string[] {
  if (!/^(method|train|analysis)\.[A-Za-z0-9_.]+=.+$/.test(v))
    throw new InvalidArgumentError('expected method.KEY=VALUE, train.KEY=VALUE or analysis.KEY=VALUE');
  return [...previous, v];
}

/** The overrides that --seed, --epochs and --set ask for (absent flags keep the profile's). */
export function configOverrides(opts: { seed?: number; epochs?: number; set?: string[] }): ConfigOverrides {
  const out: Record<string, Record<string, unknown>> = { train: trainOverrides(opts) };
  for (const s of opts.set ?? []) {
    const eq = s.indexOf('=');
    const keys = s.slice(0, eq).split('.');
    const raw = s.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a bare word stays a string (method.map=subtraction)
    }
    let node: Record<string, unknown> = (out[keys[0]!] ??= {});
    for (const k of keys.slice(1, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]!] = value;
  }
  return out as ConfigOverrides;
}

/** The training overrides the --seed and --epochs flags ask for (absent flags keep the profile's). */
export function trainOverrides(opts: { seed?: number; epochs?: number }): { seed?: number; epochs?: number } {
  return {
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.epochs ? { epochs: opts.epochs } : {}),
  };
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description(
      'run the whole pipeline in this process (preprocess → train the per-patient WGAN → infer → analyse) and write the artifacts; no servers needed',
    )
    .requiredOption('--baseline <file>', 'baseline contrast-enhanced T1 (.nii / .nii.gz)')
    .requiredOption('--followup <file>', 'follow-up contrast-enhanced T1 (.nii / .nii.gz)')
    .option(
      '--baseline-mask <file>',
      'baseline enhancing-tumour mask in the baseline grid (for the RANO class)',
    )
    .option(
      '--baseline-volume-ml <mL>',
      'baseline enhancing-tumour volume in mL (instead of a mask)',
      parseNumber('float'),
    )
    .addOption(
      new Option('--profile <name>', 'configuration profile').choices([...TRAIN_PROFILES]).default('cpu'),
    )
    .option(
      '--out <dir>',
      'output folder: new or empty (a non-empty folder anet did not make is refused); written atomically',
      'anet-out',
    )
    .option('--force', 'replace --out if it holds an earlier anet result (never a folder anet did not make)')
    .option('--seed <n>', 'random seed (weights, augmentation)', parseNumber('int'))
    .option('--epochs <n>', 'override the profile’s number of epochs', parseNumber('int', 1))
    .option(
      '--baseline-brain-mask <file>',
      'brain mask of the baseline in its own grid (0/1); without it anet computes one',
    )
    .option(
      '--followup-brain-mask <file>',
      'brain mask of the follow-up in its own grid (0/1); without it anet computes one',
    )
    .option(
      '--set <group.key=value>',
      'override one setting of the profile, e.g. method.map=subtraction, analysis.threshold=0.1, train.epochs=300 (repeatable)',
      parseSetting,
    )
    .option('--no-slice-overlays', 'skip the per-slice overlay PNGs')
    .option('--json', 'JSON-lines progress and a JSON summary on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 2 usage (also: --out is not empty and not an anet result, or is one and --force is missing), 3 bad input (unreadable/invalid NIfTI, mismatched mask), 1 internal failure.\nResearch software, not a medical device.',
    )
    .action(
      runAction(async (opts: AnalyzeOptions) => {
        if (opts.baselineMask && opts.baselineVolumeMl !== undefined)
          throw new UsageError('give either --baseline-mask or --baseline-volume-ml, not both');
        // usage first (exit 2), then the inputs (exit 3); neither creates anything
        await prepareOutputDir(opts.out, { kind: 'analyze', force: opts.force });
        await checkLocalInputs([
          ['--baseline', opts.baseline],
          ['--followup', opts.followup],
          ['--baseline-mask', opts.baselineMask],
          ['--baseline-brain-mask', opts.baselineBrainMask],
          ['--followup-brain-mask', opts.followupBrainMask],
        ]);
        // The pipeline (tfjs, elastix) loads only when a command runs it, so --help stays fast.
        const [{ resolveConfig }, { analyzePair }, { PipelineProgressBar }] = await Promise.all([
          import('@anet/pipeline'),
          import('../analyze/analyzePair'),
          import('../analyze/PipelineProgressBar'),
        ]);
        const config = resolveConfig(opts.profile, configOverrides(opts));
        const bar = new PipelineProgressBar(progressModeFor({ json: opts.json }));
        const ac = new AbortController();
        const onSigint = () => ac.abort();
        process.once('SIGINT', onSigint);
        try {
          const { report } = await analyzePair({
            baseline: opts.baseline,
            followup: opts.followup,
            baselineMask: opts.baselineMask,
            baselineVolumeMl: opts.baselineVolumeMl,
            baselineBrainMask: opts.baselineBrainMask,
            followupBrainMask: opts.followupBrainMask,
            out: opts.out,
            force: opts.force,
            config,
            signal: ac.signal,
            sliceOverlays: opts.sliceOverlays,
            onProgress: (p) => bar.update(p),
          });
          bar.stop();
          const v = report.volumes;
          const mr = report.classes.modifiedRano;
          if (opts.json) {
            process.stdout.write(
              `${JSON.stringify({ type: 'result', out: opts.out, volumes: v, classes: report.classes, trust: report.trust, backend: report.backend })}\n`,
            );
          } else {
            const pct = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`);
            // mL rest on the header's spacing; when that looks wrong, say so beside every mL figure.
            const ml = report.trust.trustworthyFigure === 'ratio' ? ' mL*' : ' mL';
            process.stdout.write(
              [
                `anet analyze — ${report.disclaimer}`,
                `  change:      ${v.changeMl.toFixed(2)}${ml} (growth ${v.growthMl.toFixed(2)}${ml}, reduction ${v.reductionMl.toFixed(2)}${ml})`,
                `  baseline:    ${v.baselineMl === null ? 'unknown (give --baseline-mask or --baseline-volume-ml)' : `${v.baselineMl.toFixed(2)}${ml} (${v.baselineSource})`}`,
                `  follow-up:   ${v.predictedFollowupMl === null ? 'n/a' : `${v.predictedFollowupMl.toFixed(2)}${ml} (predicted)`}`,
                `  ${mr.label}: ${mr.class} (${pct(mr.percentChange)})${report.trust.trustworthyFigure === 'ratio' ? '  ← the figure to rely on' : ''}${report.trust.suspiciousChange.flagged ? '  (suspicious change: review)' : ''}`,
                `  ${report.classes.rano2.label}: ${report.classes.rano2.class} (${pct(report.classes.rano2.percentChange)})`,
                `  profile ${report.profile} (${report.variant}), backend ${report.backend.name}, ${(report.timingsMs.total / 1000).toFixed(1)} s`,
                ...(report.alignment
                  ? [
                      `  alignment:   rotation ${report.alignment.rotationDeg.map((x) => x.toFixed(1)).join('/')}°, translation ${report.alignment.translationMm.map((x) => x.toFixed(1)).join('/')} mm; NCC ${report.alignment.quality.nccBefore.toFixed(2)} → ${report.alignment.quality.nccAfter.toFixed(2)}`,
                    ]
                  : []),
                ...report.trust.warnings.map(
                  (w, i) => `  ${i === 0 && report.trust.trustworthyFigure === 'ratio' ? '* ' : '! '}${w}`,
                ),
                `  results in ${opts.out}/ (${report.artifacts
                  .filter((a) => !a.name.startsWith('overlay_slice'))
                  .map((a) => a.name)
                  .join(', ')}, report.json)`,
                `  view:        anet view ${opts.out}   (the browser viewer, on 127.0.0.1)`,
                '',
              ].join('\n'),
            );
          }
        } finally {
          bar.stop();
          process.off('SIGINT', onSigint);
        }
      }),
    );
}
