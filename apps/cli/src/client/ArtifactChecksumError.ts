/** An artifact whose downloaded bytes differ from the listing (truncated transfer or tampering). */
export class ArtifactChecksumError extends Error {
  constructor(
    readonly artifactName: string,
    readonly expected: { bytes: number; sha256: string },
    readonly actual: { bytes: number; sha256: string },
  ) {
    super(
      `artifact ${artifactName}: expected ${expected.bytes} bytes sha256 ${expected.sha256}, ` +
        `got ${actual.bytes} bytes sha256 ${actual.sha256}`,
    );
    this.name = 'ArtifactChecksumError';
  }
}
