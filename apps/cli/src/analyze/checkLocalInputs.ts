import { stat } from 'node:fs/promises';
import { AnetError } from '@anet/contracts';
import { readNiftiDims } from '../dicom/readNiftiDims';

/**
 * The in-process commands read NIfTI files only. Check every given path before any work (and before
 * any progress bar) so a typo or a DICOM folder fails at once with exit 3 and says what to do.
 */
export async function checkLocalInputs(inputs: Array<[label: string, path: string | undefined]>): Promise<void> {
  for (const [label, path] of inputs) {
    if (path === undefined) continue;
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new AnetError('VALIDATION_FAILED', `${label}: no such file: ${path}`);
    }
    if (info.isDirectory()) {
      throw new AnetError(
        'VALIDATION_FAILED',
        `${label}: ${path} is a folder; \`anet analyze\` reads NIfTI files (.nii / .nii.gz). For a DICOM series, convert it first with \`dcm2niix -z y -o OUT_DIR ${path}\` (Debian/Ubuntu: apt install dcm2niix), or use \`anet submit\`, which converts DICOM folders itself`,
      );
    }
    if (info.size === 0) throw new AnetError('VALIDATION_FAILED', `${label}: ${path} is empty`);
    try {
      await readNiftiDims(path);
    } catch (err) {
      throw new AnetError(
        'NIFTI_BAD_MAGIC',
        `${label}: ${path} is not a NIfTI-1/2 file (${(err as Error).message}); give a .nii or .nii.gz file`,
      );
    }
  }
}
