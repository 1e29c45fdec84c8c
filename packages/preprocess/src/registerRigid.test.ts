import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readNifti } from '@anet/nifti';
import { matMul4 } from './orientation';
import { registerRigid } from './registerRigid';
import { invertAffine, resampleWorld } from './resampleWorld';

const fixture = (name: string) =>
  readNifti(
    new Uint8Array(
      readFileSync(fileURLToPath(new URL(`../../../fixtures/tcia-pgbm-012/${name}`, import.meta.url))),
    ),
  );

/** Rigid RAS transform: rotation (deg) about R, A, S in that order about centre c, then translation t. */
function rigid(deg: [number, number, number], c: number[], t: number[]): number[] {
  const [a, b, g] = deg.map((d) => (d * Math.PI) / 180) as [number, number, number];
  const Rx = [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
  const Ry = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
  const Rz = [Math.cos(g), -Math.sin(g), 0, Math.sin(g), Math.cos(g), 0, 0, 0, 1];
  const m3 = (p: number[], q: number[]) =>
    [0, 1, 2].flatMap((r) =>
      [0, 1, 2].map((cc) => p[r * 3]! * q[cc]! + p[r * 3 + 1]! * q[3 + cc]! + p[r * 3 + 2]! * q[6 + cc]!),
    );
  const R = m3(Rz, m3(Ry, Rx));
  const out = new Array<number>(16).fill(0);
  out[15] = 1;
  for (let r = 0; r < 3; r++) {
    for (let cc = 0; cc < 3; cc++) out[r * 4 + cc] = R[r * 3 + cc]!;
    out[r * 4 + 3] = c[r]! - (R[r * 3]! * c[0]! + R[r * 3 + 1]! * c[1]! + R[r * 3 + 2]! * c[2]!) + t[r]!;
  }
  return out;
}

describe('registerRigid (elastix in WebAssembly)', () => {
  it('recovers a known rigid transform applied to a real scan (within 1° and 1 mm)', async () => {
    const b = fixture('baseline.nii.gz');
    const centre = [0, 1, 2].map((w) => b.affine[w * 4 + 3]! + b.affine[w * 4 + w]! * (b.dims[w] / 2));
    const truth = rigid([1.5, -1, 6], centre, [4, -3, 1.5]);
    // moved(p) = baseline(truth⁻¹·p): registering baseline (fixed) to moved must give `truth` (fixed world → moving world).
    const moved = resampleWorld(b, b, { worldTransform: invertAffine(truth) });
    const est = await registerRigid(b, moved);
    const residual = matMul4(est.matrix, invertAffine(truth));
    const trace = residual[0]! + residual[5]! + residual[10]!;
    const angleDeg = (Math.acos(Math.min(1, (trace - 1) / 2)) * 180) / Math.PI;
    expect(angleDeg).toBeLessThan(1);
    // translation error at the image centre
    const err = [0, 1, 2].map(
      (r) =>
        residual[r * 4]! * centre[0]! +
        residual[r * 4 + 1]! * centre[1]! +
        residual[r * 4 + 2]! * centre[2]! +
        residual[r * 4 + 3]! -
        centre[r]!,
    );
    expect(Math.hypot(...err)).toBeLessThan(1);
  }, 120_000);
});
