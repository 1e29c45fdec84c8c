// The reliability table (issue 8): runs `vitest --config vitest.reliability.config.ts` (fast + long
// parts, real Postgres/Redis/s3rver) and prints inputs tried, faults injected, jobs submitted, jobs lost
// and orphan objects beside their targets, from the figures the suites write.
// Usage: npx tsx bench/reliability.bench.ts   (≈ 6 min here with REL_LOAD_RUN=6; REL_LOAD_RUN=200 runs
// every load job to completion, ≈ 15–20 min on 2 shared cores). Needs `npm run services` (Postgres, Redis).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNiftiCorpus } from '@anet/nifti';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'anet-rel-bench-'));
const files = {
  load: join(dir, 'load.json'),
  faults: join(dir, 'faults.json'),
  hardening: join(dir, 'hardening.json'),
  vitest: join(dir, 'vitest.json'),
};

const t0 = Date.now();
const run = spawnSync(
  join(root, 'node_modules/.bin/vitest'),
  ['run', '--config', 'vitest.reliability.config.ts', '--reporter=json', `--outputFile=${files.vitest}`],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      REL_LOAD_FIGURES: files.load,
      REL_FAULTS_FIGURES: files.faults,
      REL_HARDENING_FIGURES: files.hardening,
    },
  },
);
const seconds = Math.round((Date.now() - t0) / 1000);

interface VitestJson {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; assertionResults: Array<{ status: string; title: string }> }>;
}
const read = <T>(p: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as T;
  } catch {
    return undefined;
  }
};
const v = read<VitestJson>(files.vitest);
const load = read<Record<string, unknown>>(files.load);
const faults = read<{
  ledger: string[];
  faultsInjected: number;
  jobsSubmitted: number;
  jobsLost: number;
  orphanObjects: number;
}>(files.faults);

const hardening = read<
  Array<{ case: string; tried: string; statuses: string; left: string; memory: string }>
>(files.hardening);

const perFile = (part: string) =>
  v?.testResults.filter((r) => r.name.includes(part)).flatMap((r) => r.assertionResults) ?? [];
// Open bugs are the `it.fails` tests (a fixed bug's test becomes a plain `it`): read them from the sources.
const bugs = (v?.testResults ?? []).flatMap((r) =>
  [...readFileSync(r.name, 'utf8').matchAll(/it\.fails\(\s*(['"`])(.+?)\1/g)].map((m) => m[2]),
);
const outcome = (load?.outcome ?? {}) as Record<string, number>;
const corpusBad = buildNiftiCorpus().filter((e) => e.expect !== 'ok').length;

const rows: Array<[string, string | number, string]> = [
  ['fuzz cases (fast-check, 6 properties × 300)', 1800, 'no non-AnetError, no hang'],
  ['bad-input API cases (tests)', perFile('badInput').length, `incl. ${corpusBad} NIfTI corpus files`],
  ['security cases (tests)', perFile('security').length, '401 / 404 / 431 / expiry / no PHI'],
  ['concurrent Idempotency-Key cases (tests)', perFile('concurrency').length, 'one job per key'],
  [
    'faults injected',
    faults?.faultsInjected ?? 'n/a',
    'PG cut, Redis restart, S3 cut, cancel at worker start, API SIGKILL',
  ],
  [
    'jobs submitted (load + faults)',
    (outcome.submitted ?? 0) + (faults?.jobsSubmitted ?? 0),
    `load: ${outcome.submitted ?? 'n/a'}`,
  ],
  ['jobs lost', (outcome.lost ?? 0) + (faults?.jobsLost ?? 0), 'target 0'],
  ['orphan objects', faults?.orphanObjects ?? 'n/a', 'target 0'],
  [
    'jobs with ≠ 1 terminal event',
    outcome.notExactlyOneTerminalEvent ?? 'n/a',
    'target 0 (cancel race, see results)',
  ],
];
console.log(`reliability suite: ${seconds} s, exit ${run.status}`);
console.log(
  `tests: ${v?.numPassedTests ?? '?'} passed, ${v?.numFailedTests ?? '?'} failed of ${v?.numTotalTests ?? '?'}`,
);
console.log('\n| figure | measured | target / note |\n|---|---|---|');
for (const [k, m, t] of rows) console.log(`| ${k} | ${m} | ${t} |`);
if (load) console.log(`\nload figures: ${JSON.stringify(load, null, 2)}`);
if (hardening) {
  // Issue 14: per fault, what was tried, what came back, what was left, what it cost.
  console.log(
    '\n| hardening case | requests tried | statuses | left behind | memory |\n|---|---|---|---|---|',
  );
  for (const h of hardening)
    console.log(`| ${h.case} | ${h.tried} | ${h.statuses} | ${h.left} | ${h.memory} |`);
}
if (faults) console.log(`\nfaults: what was lost\n${faults.ledger.map((l) => `  ${l}`).join('\n')}`);
console.log(`\nopen bugs pinned by it.fails (${bugs.length}):\n${bugs.map((b) => `  - ${b}`).join('\n')}`);
process.exitCode = run.status ?? 1;
