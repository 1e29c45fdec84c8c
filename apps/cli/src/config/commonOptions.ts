import type { Command } from 'commander';
import { AnetClient } from '../client';
import { formatRetry } from '../output/formatRetry';
import { resolveConfig } from './resolveConfig';

export interface CommonOptions {
  url?: string;
  token?: string;
  config?: string;
  json?: boolean;
}

/** The options every command takes (connection, config file, --json). */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'API base URL (else $ANET_URL, else the config file)')
    .option('--token <token>', 'API token (prefer $ANET_TOKEN or the config file: flags show up in `ps`)')
    .option('--config <path>', 'config file with {"url","token"} (default ~/.config/anet/config.json)')
    .option('--json', 'machine-readable output: one JSON object per line on stdout');
}

/** Resolves configuration (flags → env → file) and builds the API client; retries are noted on stderr. */
export function clientFromOptions(opts: CommonOptions): AnetClient {
  const cfg = resolveConfig(opts);
  for (const w of cfg.warnings) process.stderr.write(`warning: ${w}\n`);
  return new AnetClient({
    baseUrl: cfg.url,
    token: cfg.token,
    onRetry: (n) => process.stderr.write(`${formatRetry(n)}\n`),
  });
}
