import type { Command } from 'commander';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { followJob } from '../output/followJob';
import { runAction } from '../output/runAction';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('watch')
      .description(
        'follow a job until it ends (safe to interrupt and re-run); exit 0 succeeded, 5 failed/cancelled',
      )
      .argument('<id>', 'job id')
      .option('--out <dir>', 'on success, also fetch the artifacts into this folder'),
  ).action(
    runAction(async (id: string, opts: CommonOptions & { out?: string }) => {
      await followJob(clientFromOptions(opts), id, { json: opts.json, outDir: opts.out });
    }),
  );
}
