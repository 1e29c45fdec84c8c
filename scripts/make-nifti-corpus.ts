/**
 * Writes the NIfTI test corpus (bad files with the AnetError code each must get, plus good files) to
 * fixtures/nifti-corpus/ with a manifest.json. The same files are built in memory by the unit tests
 * (`buildNiftiCorpus` in @anet/nifti), so this is for people and other tools (curl against the API,
 * other readers). Usage: npx tsx scripts/make-nifti-corpus.ts [outDir]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildNiftiCorpus } from '@anet/nifti';

const outDir = resolve(process.argv[2] ?? 'fixtures/nifti-corpus');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const corpus = buildNiftiCorpus();
for (const e of corpus) writeFileSync(join(outDir, e.name), e.bytes);
const manifest = corpus.map((e) => ({
  file: e.name,
  expect: e.expect,
  description: e.description,
  bytes: e.bytes.length,
}));
writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
const bad = corpus.filter((e) => e.expect !== 'ok').length;
process.stdout.write(`wrote ${corpus.length} files (${bad} bad, ${corpus.length - bad} good) to ${outDir}\n`);
