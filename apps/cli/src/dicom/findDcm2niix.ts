import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { AnetError } from '@anet/contracts';

/** Where dcm2niix is: $ANET_DCM2NIIX, else the first executable `dcm2niix` on PATH; undefined if none. */
export function findDcm2niix(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.ANET_DCM2NIIX
    ? [env.ANET_DCM2NIIX]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, 'dcm2niix'));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Like findDcm2niix, but says how to install it when it is missing. */
export function requireDcm2niix(env: NodeJS.ProcessEnv = process.env): string {
  const path = findDcm2niix(env);
  if (!path) {
    throw new AnetError(
      'DICOM_CONVERSION_FAILED',
      'DICOM input needs dcm2niix, which is not installed: `sudo apt-get install dcm2niix` (Debian/Ubuntu), ' +
        '`brew install dcm2niix` (macOS), or set ANET_DCM2NIIX to its path',
    );
  }
  return path;
}
