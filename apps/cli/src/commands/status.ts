import type { Command } from 'commander';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { formatJob } from '../output/formatJob';
import { runAction } from '../output/runAction';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('status')
      .description('show a job once (status, progress, result); exits 0 whatever the job state')
      .argument('<id>', 'job id'),
  ).action(
    runAction(async (id: string, opts: CommonOptions) => {
      const { job } = await clientFromOptions(opts).getJob(id);
      process.stdout.write(opts.json ? `${JSON.stringify(job)}\n` : `${formatJob(job)}\n`);
    }),
  );
}
