import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { TRAIN_PROFILES } from '@anet/contracts';
import { formatCohortTable, renderRocCurve, summariseCohort } from '@anet/analysis';
import { resolveConfig } from '@anet/pipeline';
import { PipelineProgressBar } from '../analyze/PipelineProgressBar';
import { discoverCohort } from '../evaluate/discoverCohort';
import { evaluateCohortPair, type CohortPairResult } from '../evaluate/evaluateCohortPair';
import { progressModeFor } from '../output/ProgressReporter';
import { runAction } from '../output/runAction';
import { openResumableOutputDir } from '../output/safeOutputDir';
import { configOverrides, parseNumber, parseSetting } from './analyze';

interface EvaluateOptions {
  cohort: string;
  profile: string;
  out: string;
  force?: boolean;
  seed?: number;
  epochs?: number;
  swap: string[];
  set?: string[];
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description(
      "run `analyze` on every pair of a cohort folder (one folder per pair: baseline.nii.gz, followup.nii.gz, baseline_mask.nii.gz, followup_mask.nii.gz) and score it with the paper's protocol: voxel-wise ROC AUC for growth / reduction / micro-average, modified-RANO accuracy; resumable",
    )
    .requiredOption('--cohort <dir>', 'cohort folder')
    .addOption(
      new Option('--profile <name>', 'configuration profile').choices([...TRAIN_PROFILES]).default('cpu'),
    )
    .option(
      '--out <dir>',
      'results folder (one subfolder per pair, table.txt, summary.json, roc.png): new, empty, or an earlier anet evaluation (resumed)',
      'anet-evaluation',
    )
    .option(
      '--force',
      'start afresh: replace --out if it holds an earlier anet result (never a folder anet did not make)',
    )
    .option('--seed <n>', 'random seed', parseNumber('int'))
    .option('--epochs <n>', 'override the profile’s number of epochs', parseNumber('int', 1))
    .option(
      '--swap <pair...>',
      'also evaluate these pairs with baseline and follow-up exchanged (e.g. to get a response case)',
      [],
    )
    .option(
      '--set <group.key=value>',
      'override one setting of the profile, e.g. method.map=subtraction (repeatable)',
      parseSetting,
    )
    .option('--json', 'JSON-lines progress and a JSON summary on stdout')
    .addHelpText(
      'after',
      "\nThe follow-up mask is carried into the baseline grid with the pipeline's own rigid registration (elastix in WebAssembly; nothing to install).\nExit codes: 0 success, 2 usage, 3 bad input, 1 internal failure.",
    )
    .action(
      runAction(async (opts: EvaluateOptions) => {
        const pairs = await discoverCohort(opts.cohort, opts.swap);
        const config = resolveConfig(opts.profile, configOverrides(opts));
        await openResumableOutputDir(opts.out, { kind: 'evaluate', force: opts.force });
        const bar = new PipelineProgressBar(progressModeFor({ json: opts.json }));
        const results: CohortPairResult[] = [];
        try {
          for (const pair of pairs) {
            const r = await evaluateCohortPair(pair, opts.out, config, {
              onProgress: (p) => bar.update(p, pair.name),
            });
            bar.stop();
            results.push(r);
            const e = r.evaluation;
            const line = `${pair.name}: AUC growth ${e.aucGrowth?.toFixed(3) ?? 'n/a'}, reduction ${e.aucReduction?.toFixed(3) ?? 'n/a'}; class ${e.predicted.class} (truth ${e.truth.class})${r.resumed ? ' [resumed]' : ''}`;
            if (opts.json)
              process.stdout.write(
                `${JSON.stringify({ type: 'pair', name: pair.name, resumed: r.resumed, evaluation: { ...e, roc: undefined } })}\n`,
              );
            else process.stderr.write(`${line}\n`);
          }
        } finally {
          bar.stop();
        }
        const table = formatCohortTable(results);
        const summary = summariseCohort(results);
        await writeFile(path.join(opts.out, 'table.txt'), table + '\n');
        await writeFile(
          path.join(opts.out, 'summary.json'),
          JSON.stringify(
            {
              profile: opts.profile,
              configuration: config,
              summary,
              pairs: results.map((r) => ({ name: r.name, ...r.evaluation, roc: undefined })),
            },
            null,
            2,
          ) + '\n',
        );
        await writeFile(
          path.join(opts.out, 'roc.png'),
          renderRocCurve(
            results.map((r) => ({
              label: `${r.name} micro`,
              fpr: r.evaluation.roc.micro.fpr,
              tpr: r.evaluation.roc.micro.tpr,
              auc: r.evaluation.aucMicro ?? undefined,
            })),
            { title: `Voxel-wise ROC, profile ${opts.profile}` },
          ),
        );
        if (opts.json) process.stdout.write(`${JSON.stringify({ type: 'summary', summary })}\n`);
        else process.stdout.write(table + '\n');
      }),
    );
}
