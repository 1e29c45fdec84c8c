// Shared by `npm test` and `npm run demo`: make a fresh clone runnable (install, Prisma client).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command in the repo root with inherited stdio; exits this process if it fails. */
export function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

export function bootstrap() {
  if (!existsSync(join(root, 'node_modules', '.bin', 'vitest'))) {
    console.error('[bootstrap] node_modules missing: npm ci');
    run('npm', ['ci']);
  }
  if (!existsSync(join(root, 'packages', 'db', 'src', 'generated', 'client.ts'))) {
    console.error('[bootstrap] Prisma client missing: npm run db:generate');
    run('npm', ['run', 'db:generate']);
  }
}
