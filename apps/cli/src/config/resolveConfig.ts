import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../output/UsageError';

export type ConfigSource = 'flag' | 'env' | 'file';

export interface CliConfig {
  url: string;
  token: string;
  source: { url: ConfigSource; token: ConfigSource };
  /** Set when the config file that supplied the token is readable by group/others. */
  warnings: string[];
}

const ConfigFileSchema = z.object({ url: z.string().optional(), token: z.string().optional() });

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'anet', 'config.json');
}

/**
 * Where the API URL and token come from: flags, then env (ANET_URL, ANET_TOKEN), then the config file
 * (`--config PATH`, else ~/.config/anet/config.json). Each value is taken independently, so a token in
 * the file and a URL on the command line combine. Missing either → UsageError (exit 2).
 */
export function resolveConfig(
  flags: { url?: string; token?: string; config?: string },
  env: NodeJS.ProcessEnv = process.env,
): CliConfig {
  const explicitPath = flags.config;
  const path = explicitPath ?? defaultConfigPath(env);
  const warnings: string[] = [];
  let file: z.infer<typeof ConfigFileSchema> = {};
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // Only a file the user named must exist; the default location is optional.
    if (explicitPath) throw new UsageError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UsageError(`config file ${path} is not valid JSON`);
    }
    const parsed = ConfigFileSchema.safeParse(json);
    if (!parsed.success) throw new UsageError(`config file ${path}: expected {"url": "...", "token": "..."}`);
    file = parsed.data;
    if (file.token && (statSync(path).mode & 0o077) !== 0) {
      warnings.push(`config file ${path} holds a token and is readable by others: chmod 600 ${path}`);
    }
  }
  const pick = (flag: string | undefined, envValue: string | undefined, fileValue: string | undefined) =>
    flag
      ? { value: flag, source: 'flag' as const }
      : envValue
        ? { value: envValue, source: 'env' as const }
        : fileValue
          ? { value: fileValue, source: 'file' as const }
          : undefined;
  const url = pick(flags.url, env.ANET_URL, file.url);
  const token = pick(flags.token, env.ANET_TOKEN, file.token);
  if (!url) throw new UsageError(`no API URL: pass --url, set ANET_URL, or put "url" in ${path}`);
  if (!token) throw new UsageError(`no API token: set ANET_TOKEN, pass --token, or put "token" in ${path}`);
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url.value);
  } catch {
    throw new UsageError(
      `API URL ${JSON.stringify(url.value)} is not a URL (expected e.g. https://anet.example.org)`,
    );
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
    throw new UsageError(`API URL must be http(s), got ${parsedUrl.protocol}`);
  }
  return { url: url.value, token: token.value, source: { url: url.source, token: token.source }, warnings };
}
