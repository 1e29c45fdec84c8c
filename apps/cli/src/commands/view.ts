import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { serveFolder } from '@anet/viewer/serveFolder';
import { clientFromOptions, withCommonOptions, type CommonOptions } from '../config/commonOptions';
import { runAction } from '../output/runAction';
import { UsageError } from '../output/UsageError';

interface ViewOptions extends CommonOptions {
  port?: string;
  baseline?: string;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('view')
      .description(
        'open a result in the browser viewer: a job id prints a short-lived signed link from the API; a result folder (anet analyze --out / anet fetch) is served on 127.0.0.1 until Ctrl-C',
      )
      .argument('<job-or-folder>', 'job id, or a local result folder')
      .option('--port <n>', 'local port for a folder (default: any free port)')
      .option('--baseline <file>', 'the baseline scan, for a folder that has none (e.g. one made by anet fetch)'),
  ).action(
    runAction(async (target: string, opts: ViewOptions) => {
      if (existsSync(target) && statSync(target).isDirectory()) return viewFolder(target, opts);
      if (opts.baseline || opts.port) throw new UsageError('--baseline and --port apply to a local folder only');
      const link = await clientFromOptions(opts).createViewerLink(target);
      if (opts.json) process.stdout.write(`${JSON.stringify({ jobId: target, ...link })}\n`);
      else process.stdout.write(`${link.url}\n  (expires ${link.expiresAt}; anyone with the link can view this job until then)\n`);
    }),
  );
}

async function viewFolder(dir: string, opts: ViewOptions): Promise<void> {
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${opts.port}: not a port`);
  const served = await serveFolder({ dir, baseline: opts.baseline, port });
  if (opts.json) process.stdout.write(`${JSON.stringify({ folder: dir, url: served.url })}\n`);
  else
    process.stdout.write(
      `anet viewer for ${dir}: open ${served.url}\n  (this machine only; Ctrl-C stops it)\n`,
    );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void served.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
