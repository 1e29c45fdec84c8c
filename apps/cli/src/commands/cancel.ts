import type { Command } from 'commander';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { formatJob } from '../output/formatJob';
import { runAction } from '../output/runAction';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('cancel')
      .description('cancel a job (queued: at once; running: at the next training step)')
      .argument('<id>', 'job id'),
  ).action(
    runAction(async (id: string, opts: CommonOptions) => {
      const job = await clientFromOptions(opts).cancelJob(id);
      process.stdout.write(opts.json ? `${JSON.stringify(job)}\n` : `${formatJob(job)}\n`);
    }),
  );
}
