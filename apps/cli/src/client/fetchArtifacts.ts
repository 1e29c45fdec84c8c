import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnetClient, DownloadedArtifact } from './AnetClient';
import { ArtifactChecksumError } from './ArtifactChecksumError';

/** An artifact name we are willing to turn into a file name (the server chooses them). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Downloads every artifact of a finished job into `outDir`, each verified against the listing's
 * sha256 (one retry on mismatch: a truncated transfer usually heals).
 */
export async function fetchArtifacts(
  client: AnetClient,
  jobId: string,
  outDir: string,
  opts: { signal?: AbortSignal; onArtifact?: (a: DownloadedArtifact) => void } = {},
): Promise<DownloadedArtifact[]> {
  const listing = await client.listArtifacts(jobId, opts.signal);
  await mkdir(outDir, { recursive: true });
  const done: DownloadedArtifact[] = [];
  for (const artifact of listing) {
    if (!SAFE_NAME.test(artifact.name) || artifact.name.includes('..')) {
      throw new Error(`refusing to write artifact with unsafe name ${JSON.stringify(artifact.name)}`);
    }
    const dest = join(outDir, artifact.name);
    let got: DownloadedArtifact;
    try {
      got = await client.downloadArtifact(jobId, artifact, dest, opts.signal);
    } catch (err) {
      if (!(err instanceof ArtifactChecksumError)) throw err;
      got = await client.downloadArtifact(jobId, artifact, dest, opts.signal);
    }
    opts.onArtifact?.(got);
    done.push(got);
  }
  return done;
}
