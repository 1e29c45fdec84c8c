import { Option, type Command } from 'commander';
import { JOB_STATUSES, type JobStatus } from '@anet/contracts';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { parsePositive } from '../config/parseOptionValues';
import { formatProgress } from '../output/formatJob';
import { runAction } from '../output/runAction';
import { UsageError } from '../output/UsageError';

interface ListOptions extends CommonOptions {
  status?: JobStatus;
  ref?: string;
  limit?: string;
  cursor?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('list')
      .description('list your jobs, newest first')
      .addOption(new Option('--status <status>', 'only jobs in this state').choices([...JOB_STATUSES]))
      .option('--ref <pseudonym>', 'only jobs with this client reference')
      .option('--limit <n>', 'page size, 1-100', '20')
      .option('--cursor <cursor>', 'next page (printed after a full page)')
      .option('--created-after <iso>', 'only jobs created after this ISO date-time')
      .option('--created-before <iso>', 'only jobs created before this ISO date-time'),
  ).action(
    runAction(async (opts: ListOptions) => {
      const limit = parsePositive('--limit', opts.limit ?? '20', true);
      if (limit > 100) throw new UsageError('--limit must be at most 100');
      for (const [flag, v] of [
        ['--created-after', opts.createdAfter],
        ['--created-before', opts.createdBefore],
      ]) {
        if (v !== undefined && Number.isNaN(Date.parse(v)))
          throw new UsageError(`${flag} must be an ISO date-time`);
      }
      const page = await clientFromOptions(opts).listJobs({
        status: opts.status,
        clientReference: opts.ref,
        limit,
        cursor: opts.cursor,
        createdAfter: opts.createdAfter && new Date(opts.createdAfter).toISOString(),
        createdBefore: opts.createdBefore && new Date(opts.createdBefore).toISOString(),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(page)}\n`);
        return;
      }
      for (const j of page.items) {
        const detail =
          j.result != null
            ? `${j.result.changeMl >= 0 ? '+' : ''}${j.result.changeMl.toFixed(2)} mL ${j.result.modifiedRano.class}`
            : j.error
              ? j.error.code
              : ['queued', 'cancelled'].includes(j.status)
                ? ''
                : formatProgress(j);
        process.stdout.write(
          `${j.id}\t${j.status}\t${j.clientReference ?? '-'}\t${j.createdAt}\t${detail}\n`,
        );
      }
      if (page.items.length === 0) process.stderr.write('no jobs\n');
      if (page.nextCursor) process.stderr.write(`more: anet list --cursor ${page.nextCursor}\n`);
    }),
  );
}
