import type { Command } from 'commander';
import { fetchArtifacts } from '../client';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { runAction } from '../output/runAction';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('fetch')
      .description('download all artifacts of a finished job, each verified against its sha256')
      .argument('<id>', 'job id')
      .option('--out <dir>', 'destination folder (default ./anet-<job id>)'),
  ).action(
    runAction(async (id: string, opts: CommonOptions & { out?: string }) => {
      const outDir = opts.out ?? `anet-${id}`;
      const artifacts = await fetchArtifacts(clientFromOptions(opts), id, outDir, {
        onArtifact: (a) => {
          if (!opts.json) process.stdout.write(`${a.path}  ${a.bytes} bytes  sha256 ${a.sha256}\n`);
        },
      });
      if (opts.json) process.stdout.write(`${JSON.stringify({ jobId: id, outDir, artifacts })}\n`);
      else process.stderr.write(`${artifacts.length} artifacts verified in ${outDir}\n`);
    }),
  );
}
