import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { runAction } from '../output/runAction';
import { UsageError } from '../output/UsageError';

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, ''));

export function register(program: Command): void {
  program
    .command('info')
    .description(
      "print a NIfTI file's dims, spacing, datatype, orientation and intensity range (read locally; nothing is sent)",
    )
    .argument('<file>', '.nii or .nii.gz (NIfTI-1 or NIfTI-2)')
    .option('--json', 'print one JSON object (for scripts)')
    .action(
      runAction(async (file: string, opts: { json?: boolean }) => {
        if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
        const { intensityStats, orientationCode, readNiftiFile } = await import('@anet/nifti');
        const vol = await readNiftiFile(file);
        const { meta } = vol;
        const info = {
          file,
          niftiVersion: meta.niftiVersion,
          datatype: meta.datatype,
          dims: vol.dims,
          spacing: vol.spacing,
          orientation: orientationCode(vol.affine),
          affineSource: meta.sformCode > 0 ? 'sform' : meta.qformCode > 0 ? 'qform' : 'pixdim',
          qformCode: meta.qformCode,
          sformCode: meta.sformCode,
          affine: vol.affine,
          scaled:
            meta.sclSlope !== 0 &&
            Number.isFinite(meta.sclSlope) &&
            (meta.sclSlope !== 1 || meta.sclInter !== 0),
          intensity: intensityStats(vol.data),
        };
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(info)}\n`);
          return;
        }
        const { min, max, mean } = info.intensity;
        process.stdout.write(
          [
            `file         ${file}`,
            `format       NIfTI-${info.niftiVersion}, ${info.datatype}${info.scaled ? ` (scaled ×${fmt(meta.sclSlope)} ${meta.sclInter < 0 ? '−' : '+'} ${fmt(Math.abs(meta.sclInter))})` : ''}`,
            `dims         ${info.dims.join(' × ')}`,
            `spacing      ${info.spacing.map(fmt).join(' × ')} mm`,
            `orientation  ${info.orientation} (from the ${info.affineSource}; qform_code ${info.qformCode}, sform_code ${info.sformCode})`,
            `intensity    min ${fmt(min)}  max ${fmt(max)}  mean ${fmt(mean)}`,
            '',
          ].join('\n'),
        );
      }),
    );
}
