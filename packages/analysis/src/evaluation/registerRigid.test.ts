import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { makeVolume } from '../__tests__/volumes';
import { carryMask, registerRigid } from './registerRigid';

function hasElastix(): boolean {
  try {
    execFileSync('elastix', ['--version']);
    execFileSync('transformix', ['--version']);
    return true;
  } catch {
    return false;
  }
}
const available = hasElastix();
if (!available)
  console.warn('registerRigid tests skipped: elastix/transformix not on PATH (apt-get install elastix)');

// A head-like phantom: bright ellipsoid shell, darker interior, an off-centre "tumour" that fixes the rotation.
const dims: [number, number, number] = [64, 64, 20];
function phantom(dx: number, dy: number) {
  return (x: number, y: number, z: number) => {
    const X = x - 32 - dx;
    const Y = y - 32 - dy;
    const Z = (z - 10) * 2.5;
    const r = Math.sqrt((X / 24) ** 2 + (Y / 20) ** 2 + (Z / 22) ** 2);
    const t = Math.sqrt((X - 8) ** 2 + (Y + 6) ** 2 + Z ** 2);
    if (t < 5) return 900;
    if (r < 0.85) return 300 + 2 * X;
    if (r < 1) return 700;
    return 0;
  };
}
const tumour = (dx: number, dy: number) => (x: number, y: number, z: number) =>
  Math.sqrt((x - 32 - dx - 8) ** 2 + (y - 32 - dy + 6) ** 2 + ((z - 10) * 2.5) ** 2) < 5 ? 1 : 0;

describe.skipIf(!available)('registerRigid / carryMask (elastix)', () => {
  it('recovers a known in-plane shift and carries the mask back onto the fixed tumour', async () => {
    const fixed = makeVolume(dims, phantom(0, 0));
    const moving = makeVolume(dims, phantom(5, -4));
    const movingMask = makeVolume(dims, tumour(5, -4));
    const fixedMask = makeVolume(dims, tumour(0, 0));
    const { transform, registered } = await registerRigid(fixed, moving, { maxIterations: 150 });
    expect(transform.parameters).toHaveLength(6);
    expect(registered.dims).toEqual(dims);
    const carried = await carryMask(movingMask, transform);
    expect(new Set(carried.data)).toEqual(new Set([0, 1])); // nearest neighbour keeps labels
    let inter = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < carried.data.length; i++) {
      a += fixedMask.data[i];
      b += carried.data[i];
      inter += fixedMask.data[i] * carried.data[i];
    }
    const dice = (2 * inter) / (a + b);
    expect(dice).toBeGreaterThan(0.8);
    // before registration the masks barely overlap
    let before = 0;
    for (let i = 0; i < carried.data.length; i++) before += fixedMask.data[i] * movingMask.data[i];
    expect((2 * before) / (a + b)).toBeLessThan(0.3);
  });
});
