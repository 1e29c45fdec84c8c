import type { Command } from 'commander';
import { AnetClient, type RetryPolicy } from '../client';
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
    retry: retryFromEnv(process.env),
    onRetry: (n) => process.stderr.write(`${formatRetry(n)}\n`),
  });
}

/** Operators may tune retries: ANET_RETRY_ATTEMPTS (total attempts), ANET_RETRY_BASE_MS (first backoff step). */
export function retryFromEnv(env: NodeJS.ProcessEnv): Partial<RetryPolicy> {
  const retry: Partial<RetryPolicy> = {};
  const attempts = Number(env.ANET_RETRY_ATTEMPTS);
  if (env.ANET_RETRY_ATTEMPTS && Number.isInteger(attempts) && attempts >= 1) retry.maxAttempts = attempts;
  const base = Number(env.ANET_RETRY_BASE_MS);
  if (env.ANET_RETRY_BASE_MS && Number.isFinite(base) && base >= 0) retry.baseDelayMs = base;
  return retry;
}
