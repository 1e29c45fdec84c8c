import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../apps/cli/src/exitCodes';
import { runCli } from './helpers/runCli';

/**
 * Every case the CLI README's exit-code table names, run through the real executable: the code a
 * script sees must be the code the table promises, and the error is the last thing printed.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anet-exit-'));
  await writeFile(join(dir, 'notes.txt'), 'not an image');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? '';
const fixture = join(__dirname, '../../fixtures/tcia-pgbm-012/baseline.nii.gz');

describe('CLI exit codes match the README table', { timeout: 120_000 }, () => {
  it('the README table lists every exit code the CLI defines', async () => {
    const readme = await readFile(join(__dirname, '../../apps/cli/README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Exit codes'));
    for (const code of [...Object.values(EXIT), 130]) expect(table).toMatch(new RegExp(`\\n\\| ${code} +\\|`));
  });

  it.each([
    ['a missing file', ['analyze', '--baseline', '/no/such/scan.nii.gz', '--followup', fixture], EXIT.INPUT, /--baseline: no such file/],
    ['a folder where a file is expected', ['analyze', '--baseline', fixture, '--followup', '/tmp'], EXIT.INPUT, /is a folder.*dcm2niix/],
    ['a file that is not NIfTI', ['analyze', '--baseline', 'notes.txt', '--followup', fixture], EXIT.INPUT, /not a NIfTI-1\/2 file/],
    ['a missing required option', ['analyze', '--baseline', fixture], EXIT.USAGE, /add --help/],
    ['an unknown command', ['analyse-this'], EXIT.USAGE, /add --help/],
  ] as const)('%s', async (_name, args, code, message) => {
    const r = await runCli([...args], { home: dir, cwd: dir });
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/preprocessing/); // no progress bar before an input error
    if (code === EXIT.USAGE) expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3); // no help dump
  });

  it('a missing DATABASE_URL is a usage error (2)', async () => {
    const r = await runCli(['keys', 'create', '--tenant', 't'], { home: dir });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/set DATABASE_URL/);
  });

  it('an unreachable database is exit 6 (like an unreachable API), a missing one exit 2, both without a stack', async () => {
    const unreachable = await runCli(['keys', 'create', '--tenant', 't'], {
      home: dir,
      env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/anet' },
    });
    expect(unreachable.code).toBe(EXIT.NETWORK);
    expect(lastLine(unreachable.stderr)).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1/);
    const missing = await runCli(['keys', 'create', '--tenant', 't'], {
      home: dir,
      env: { DATABASE_URL: `postgresql://postgres@127.0.0.1:${process.env.PGPORT ?? 5432}/anet_no_such_db_${process.pid}` },
    });
    expect(missing.code).toBe(EXIT.USAGE);
    expect(missing.stderr).toMatch(/does not exist .*npm run db:migrate/);
    expect(missing.stderr).not.toMatch(/prisma\.|→/);
  });

  it('--help and --version exit 0', async () => {
    expect((await runCli(['--help'], { home: dir })).code).toBe(EXIT.OK);
    expect((await runCli(['--version'], { home: dir })).code).toBe(EXIT.OK);
    expect((await runCli(['keys', 'create', '--help'], { home: dir })).code).toBe(EXIT.OK);
  });
});
