import path from 'node:path';
import type { Command } from 'commander';
import { fetchArtifacts, type DownloadedArtifact } from '../client';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { runAction } from '../output/runAction';
import { prepareOutputDir, writeOutputDir } from '../output/safeOutputDir';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('fetch')
      .description('download all artifacts of a finished job, each verified against its sha256')
      .argument('<id>', 'job id')
      .option(
        '--out <dir>',
        'destination folder (default ./anet-<job id>): new or empty (a non-empty folder anet did not make is refused); written atomically',
      )
      .option(
        '--force',
        'replace --out if it holds an earlier anet result (never a folder anet did not make)',
      ),
  ).action(
    runAction(async (id: string, opts: CommonOptions & { out?: string; force?: boolean }) => {
      const outDir = opts.out ?? `anet-${id}`;
      // Downloaded into a temporary sibling, swapped into place once every file is verified.
      const target = await prepareOutputDir(outDir, { kind: 'fetch', force: opts.force });
      // Paths as they will be once in place.
      const final = (a: DownloadedArtifact): DownloadedArtifact => ({
        ...a,
        path: path.join(outDir, a.name),
      });
      const artifacts = await writeOutputDir(target, async (dir) =>
        (
          await fetchArtifacts(clientFromOptions(opts), id, dir, {
            onArtifact: (a) => {
              if (!opts.json)
                process.stdout.write(`${final(a).path}  ${a.bytes} bytes  sha256 ${a.sha256}\n`);
            },
          })
        ).map(final),
      );
      if (opts.json) process.stdout.write(`${JSON.stringify({ jobId: id, outDir, artifacts })}\n`);
      else process.stderr.write(`${artifacts.length} artifacts verified in ${outDir}\n`);
    }),
  );
}
