import { AnetError, type Volume } from '@anet/contracts';
import { elastixNode } from '@itk-wasm/elastix';
import { Image, ImageType, FloatTypes, PixelTypes } from 'itk-wasm';

type Vec3 = [number, number, number];

/**
 * The one rigid registration of anet (alignment in the pipeline and the evaluation's mask carrying):
 * elastix compiled to WebAssembly (@itk-wasm/elastix, runs in Node, no system package), Mattes mutual
 * information, Euler transform (6 DOF), centre-of-gravity initialisation, a 3-level smoothing pyramid
 * that shrinks each axis by its voxel size (thick clinical slices are not shrunk), fixed random seed.
 */
export interface RegisterRigidOptions {
  /** Optimiser iterations per resolution (default 400). */
  maxIterations?: number;
  /** Random sampler seed (default 20230174). */
  seed?: number;
  /** Spatial samples per iteration (default 4096). */
  samples?: number;
  /** Extra elastix parameters (name → values), for experiments; they override the defaults above. */
  extra?: Record<string, string[]>;
}

export interface RigidAlignment {
  /** Row-major 4×4 world (RAS+, mm) transform mapping FIXED world points to MOVING world points. */
  matrix: number[];
  /** Rotation angles about R, A, S (degrees) and translation (mm) of that transform, for reports. */
  rotationDeg: Vec3;
  translationMm: Vec3;
  /** elastix's optimised parameters as it reports them (ITK LPS world: rad, rad, rad, mm, mm, mm). */
  elastix: { parameters: number[]; centreLps: Vec3 };
}

const LPS = [-1, -1, 1];

/** A Volume as an ITK image: ITK's world is LPS, so the first two world rows change sign. */
export function toItkImage(v: Volume, name: string): Image {
  const img = new Image(new ImageType(3, FloatTypes.Float32, PixelTypes.Scalar, 1));
  img.name = name;
  img.size = [...v.dims];
  const spacing = [0, 1, 2].map((j) => Math.hypot(v.affine[j]!, v.affine[4 + j]!, v.affine[8 + j]!));
  img.spacing = spacing;
  img.origin = [0, 1, 2].map((w) => LPS[w]! * v.affine[w * 4 + 3]!);
  const dir = new Float64Array(9);
  // itk-wasm stores the direction row-major: element (row w, column j).
  for (let w = 0; w < 3; w++)
    for (let j = 0; j < 3; j++) dir[w * 3 + j] = (LPS[w]! * v.affine[w * 4 + j]!) / spacing[j]!;
  img.direction = dir;
  img.data = v.data;
  return img;
}

/** ITK Euler3DTransform (ComputeZYX false): R = Rz·Rx·Ry. */
function eulerMatrix(rx: number, ry: number, rz: number): number[][] {
  const [cx, sx, cy, sy, cz, sz] = [
    Math.cos(rx),
    Math.sin(rx),
    Math.cos(ry),
    Math.sin(ry),
    Math.cos(rz),
    Math.sin(rz),
  ];
  const Rx = [
    [1, 0, 0],
    [0, cx, -sx],
    [0, sx, cx],
  ];
  const Ry = [
    [cy, 0, sy],
    [0, 1, 0],
    [-sy, 0, cy],
  ];
  const Rz = [
    [cz, -sz, 0],
    [sz, cz, 0],
    [0, 0, 1],
  ];
  const mul = (a: number[][], b: number[][]) =>
    a.map((row) => [0, 1, 2].map((c) => row[0]! * b[0]![c]! + row[1]! * b[1]![c]! + row[2]! * b[2]![c]!));
  return mul(Rz, mul(Rx, Ry));
}

/**
 * Euler parameters (ITK LPS: p' = R(p − c) + c + t) as a RAS+ world matrix: with F = diag(−1, −1, 1),
 * T_ras(q) = F·R·F·q + F·(c − R·c + t).
 */
export function eulerToRasMatrix(params: readonly number[], centreLps: readonly number[]): number[] {
  const [rx, ry, rz, tx, ty, tz] = params as number[];
  const R = eulerMatrix(rx!, ry!, rz!);
  const c = centreLps;
  const tl = [0, 1, 2].map(
    (i) => c[i]! - (R[i]![0]! * c[0]! + R[i]![1]! * c[1]! + R[i]![2]! * c[2]!) + [tx!, ty!, tz!][i]!,
  );
  const m = new Array<number>(16).fill(0);
  m[15] = 1;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) m[i * 4 + j] = LPS[i]! * R[i]![j]! * LPS[j]!;
    m[i * 4 + 3] = LPS[i]! * tl[i]!;
  }
  return m;
}

/** Angles (deg, about R, A, S, for R = Rz·Rx·Ry in RAS) and translation of a rigid RAS matrix. */
function describe(m: readonly number[]): { rotationDeg: Vec3; translationMm: Vec3 } {
  // R = Rz·Rx·Ry ⇒ R[2][1] = sin(rx); R[0][1] = −sin(rz)cos(rx); R[2][0] = −sin(ry)cos(rx).
  const rx = Math.asin(Math.max(-1, Math.min(1, m[9]!)));
  const rz = Math.atan2(-m[1]!, m[5]!);
  const ry = Math.atan2(-m[8]!, m[10]!);
  const deg = (r: number) => (r * 180) / Math.PI;
  return { rotationDeg: [deg(rx), deg(ry), deg(rz)], translationMm: [m[3]!, m[7]!, m[11]!] };
}

/** Shrink factors per axis and level: coarser where voxels are small, never below 16 voxels. */
function pyramidSchedule(v: Volume): number[] {
  const s = [0, 1, 2].map((j) => Math.hypot(v.affine[j]!, v.affine[4 + j]!, v.affine[8 + j]!));
  const smin = Math.min(...s);
  const out: number[] = [];
  for (const f of [4, 2, 1])
    for (let a = 0; a < 3; a++)
      out.push(Math.max(1, Math.min(Math.round((f * smin) / s[a]!), Math.floor(v.dims[a] / 16))));
  return out;
}

function parameterMap(fixed: Volume, opts: RegisterRigidOptions): Record<string, string[]> {
  return {
    Registration: ['MultiResolutionRegistration'],
    FixedInternalImagePixelType: ['float'],
    MovingInternalImagePixelType: ['float'],
    FixedImageDimension: ['3'],
    MovingImageDimension: ['3'],
    UseDirectionCosines: ['true'],
    Interpolator: ['LinearInterpolator'],
    ResampleInterpolator: ['FinalLinearInterpolator'],
    Resampler: ['DefaultResampler'],
    FixedImagePyramid: ['FixedSmoothingImagePyramid'],
    MovingImagePyramid: ['MovingSmoothingImagePyramid'],
    NumberOfResolutions: ['3'],
    ImagePyramidSchedule: pyramidSchedule(fixed).map(String),
    Optimizer: ['AdaptiveStochasticGradientDescent'],
    Transform: ['EulerTransform'],
    Metric: ['AdvancedMattesMutualInformation'],
    NumberOfHistogramBins: ['32'],
    AutomaticScalesEstimation: ['true'],
    AutomaticParameterEstimation: ['true'],
    AutomaticTransformInitialization: ['true'],
    AutomaticTransformInitializationMethod: ['CenterOfGravity'],
    HowToCombineTransforms: ['Compose'],
    MaximumNumberOfIterations: [String(Math.max(1, Math.round(opts.maxIterations ?? 400)))],
    ImageSampler: ['RandomCoordinate'],
    NumberOfSpatialSamples: [String(opts.samples ?? 4096)],
    NewSamplesEveryIteration: ['true'],
    RandomSeed: [String(opts.seed ?? 20230174)],
    DefaultPixelValue: ['0'],
    // The moving image resampled by elastix is not used (anet resamples in world coordinates itself).
    WriteResultImage: ['false'],
    ...opts.extra,
  };
}

/**
 * Rigidly registers `moving` onto `fixed` (any grids, any orientations: their affines place them in
 * the world) and returns the world transform fixed → moving. Resample with
 * `resampleWorld(moving, fixed, { worldTransform: t.matrix })`.
 */
export async function registerRigid(
  fixed: Volume,
  moving: Volume,
  opts: RegisterRigidOptions = {},
): Promise<RigidAlignment> {
  let result: Awaited<ReturnType<typeof elastixNode>>;
  try {
    result = await elastixNode([parameterMap(fixed, opts)], {
      fixed: toItkImage(fixed, 'fixed'),
      moving: toItkImage(moving, 'moving'),
    });
  } catch (err) {
    throw new AnetError('ALIGNMENT_FAILED', `rigid registration failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const maps = result.transformParameterObject as unknown as Array<Record<string, string[]>>;
  const tp = maps[maps.length - 1]!;
  const parameters = (tp.TransformParameters ?? []).map(Number);
  const centre = (tp.CenterOfRotationPoint ?? ['0', '0', '0']).map(Number) as Vec3;
  if (parameters.length !== 6 || parameters.some((p) => !Number.isFinite(p))) {
    throw new AnetError('ALIGNMENT_FAILED', 'rigid registration returned no usable transform');
  }
  const matrix = eulerToRasMatrix(parameters, centre);
  return { matrix, ...describe(matrix), elastix: { parameters, centreLps: centre } };
}
