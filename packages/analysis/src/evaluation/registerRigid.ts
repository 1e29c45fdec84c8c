import { AnetError, type Volume } from '@anet/contracts';
import { readNifti, writeNifti } from '@anet/nifti';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Rigid registration for EVALUATION ONLY (the method never registers): Debian's `elastix` CLI with
 * Mattes mutual information and a 6-DOF Euler transform, centre-of-gravity initialisation, a 3-level
 * pyramid that does not shrink z (clinical T1ce volumes have few, thick slices), fixed random seed.
 */
export const RIGID_PARAMETERS = `// anet evaluation: rigid (Euler, 6 DOF), Mattes mutual information
(FixedInternalImagePixelType "float")
(MovingInternalImagePixelType "float")
(FixedImageDimension 3)
(MovingImageDimension 3)
(UseDirectionCosines "true")
(Registration "MultiResolutionRegistration")
(Interpolator "BSplineInterpolator")
(ResampleInterpolator "FinalBSplineInterpolator")
(Resampler "DefaultResampler")
(FixedImagePyramid "FixedSmoothingImagePyramid")
(MovingImagePyramid "MovingSmoothingImagePyramid")
(NumberOfResolutions 3)
(ImagePyramidSchedule 4 4 1 2 2 1 1 1 1)
(Optimizer "AdaptiveStochasticGradientDescent")
(Transform "EulerTransform")
(Metric "AdvancedMattesMutualInformation")
(NumberOfHistogramBins 32)
(AutomaticScalesEstimation "true")
(AutomaticTransformInitialization "true")
(AutomaticTransformInitializationMethod "CenterOfGravity")
(HowToCombineTransforms "Compose")
(MaximumNumberOfIterations 400)
(ImageSampler "RandomCoordinate")
(NumberOfSpatialSamples 4096)
(NewSamplesEveryIteration "true")
(RandomSeed 20230174)
(BSplineInterpolationOrder 1)
(FinalBSplineInterpolationOrder 3)
(DefaultPixelValue 0)
(WriteResultImage "true")
(ResultImagePixelType "float")
(ResultImageFormat "nii.gz")
`;

export interface RigidTransform {
  /** elastix's TransformParameters.0.txt: the transform and the fixed grid it resamples onto. */
  parameterText: string;
  /** Euler angles (rad) about x, y, z, then translation (mm) in ITK's LPS world. */
  parameters: number[];
  /** Fixed grid the transform maps into. */
  fixed: Pick<Volume, 'dims' | 'spacing' | 'affine'>;
}

export interface RegisterRigidResult {
  transform: RigidTransform;
  /** The moving volume resampled into the fixed grid (cubic B-spline). */
  registered: Volume;
}

export interface ElastixOptions {
  elastixPath?: string;
  transformixPath?: string;
  threads?: number;
  signal?: AbortSignal;
  /** Optimiser iterations per resolution (default 400). */
  maxIterations?: number;
}

function run(cmd: string, args: string[], opts: ElastixOptions, logPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { signal: opts.signal, maxBuffer: 64 << 20 }, async (err) => {
      if (!err) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(
          new AnetError(
            'DEPENDENCY_UNAVAILABLE',
            `${cmd} not found: install elastix (apt-get install elastix)`,
          ),
        );
      }
      const log = await readFile(logPath, 'utf8').catch(() => '');
      reject(
        new AnetError('INTERNAL', `${cmd} failed: ${log.split('\n').slice(-15).join('\n') || err.message}`, {
          cause: err,
        }),
      );
    });
  });
}

/** true when the elastix and transformix binaries answer. */
export async function elastixAvailable(opts: ElastixOptions = {}): Promise<boolean> {
  const probe = (cmd: string) =>
    new Promise<boolean>((resolve) => execFile(cmd, ['--version'], (err) => resolve(!err)));
  return (await probe(opts.elastixPath ?? 'elastix')) && (await probe(opts.transformixPath ?? 'transformix'));
}

function geometry(v: Volume): RigidTransform['fixed'] {
  return { dims: [...v.dims], spacing: [...v.spacing], affine: [...v.affine] };
}

/** Reads a result NIfTI and puts it on the fixed grid's exact geometry (ITK rewrites the header). */
function onGrid(bytes: Uint8Array, fixed: RigidTransform['fixed']): Volume {
  const v = readNifti(bytes);
  const [a, b, c] = fixed.dims;
  if (v.dims[0] !== a || v.dims[1] !== b || v.dims[2] !== c) {
    throw new AnetError(
      'INTERNAL',
      `elastix result has dims ${v.dims.join('×')}, expected ${fixed.dims.join('×')}`,
    );
  }
  return { data: v.data, dims: [a, b, c], spacing: [...fixed.spacing], affine: [...fixed.affine] };
}

/** Rigidly registers `moving` onto `fixed` (both any grid); see RIGID_PARAMETERS for the protocol. */
export async function registerRigid(
  fixed: Volume,
  moving: Volume,
  opts: ElastixOptions = {},
): Promise<RegisterRigidResult> {
  const dir = await mkdtemp(join(tmpdir(), 'anet-elastix-'));
  try {
    await writeFile(join(dir, 'fixed.nii.gz'), writeNifti(fixed, { datatype: 'float32' }));
    await writeFile(join(dir, 'moving.nii.gz'), writeNifti(moving, { datatype: 'float32' }));
    const params = RIGID_PARAMETERS.replace(
      /\(MaximumNumberOfIterations \d+\)/,
      `(MaximumNumberOfIterations ${Math.max(1, Math.round(opts.maxIterations ?? 400))})`,
    );
    await writeFile(join(dir, 'rigid.txt'), params);
    const args = [
      '-f',
      join(dir, 'fixed.nii.gz'),
      '-m',
      join(dir, 'moving.nii.gz'),
      '-p',
      join(dir, 'rigid.txt'),
    ];
    args.push('-out', dir, '-threads', String(opts.threads ?? 2));
    await run(opts.elastixPath ?? 'elastix', args, opts, join(dir, 'elastix.log'));
    const parameterText = await readFile(join(dir, 'TransformParameters.0.txt'), 'utf8');
    const m = /\(TransformParameters ([^)]*)\)/.exec(parameterText);
    const parameters = m ? m[1].trim().split(/\s+/).map(Number) : [];
    const transform: RigidTransform = { parameterText, parameters, fixed: geometry(fixed) };
    const registered = onGrid(await readFile(join(dir, 'result.0.nii.gz')), transform.fixed);
    return { transform, registered };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Carries a mask from the moving grid into the fixed grid with a transform from registerRigid, by
 * nearest neighbour (transformix, FinalBSplineInterpolationOrder 0): labels stay labels.
 */
export async function carryMask(
  mask: Volume,
  transform: RigidTransform,
  opts: ElastixOptions = {},
): Promise<Volume> {
  const dir = await mkdtemp(join(tmpdir(), 'anet-transformix-'));
  try {
    const text = transform.parameterText
      .replace(/\(FinalBSplineInterpolationOrder [^)]*\)/, '(FinalBSplineInterpolationOrder 0)')
      .replace(/\(ResultImagePixelType "[^"]*"\)/, '(ResultImagePixelType "float")')
      .replace(/\(ResultImageFormat "[^"]*"\)/, '(ResultImageFormat "nii.gz")');
    await writeFile(join(dir, 'transform.txt'), text);
    await writeFile(join(dir, 'mask.nii.gz'), writeNifti(mask, { datatype: 'float32' }));
    const args = ['-in', join(dir, 'mask.nii.gz'), '-tp', join(dir, 'transform.txt'), '-out', dir];
    args.push('-threads', String(opts.threads ?? 2));
    await run(opts.transformixPath ?? 'transformix', args, opts, join(dir, 'transformix.log'));
    return onGrid(await readFile(join(dir, 'result.nii.gz')), transform.fixed);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
