/**
 * The anatomical direction each voxel axis points to, e.g. "RAS" or "LPS" (nibabel's aff2axcodes):
 * for each column of the affine, the world axis it is closest to and its sign (world is RAS+).
 * Axes are picked greedily by largest component so that no world axis is used twice.
 */
export function orientationCode(affine: readonly number[]): string {
  const letters = [
    ['L', 'R'],
    ['P', 'A'],
    ['I', 'S'],
  ];
  const used = new Set<number>();
  const code = ['?', '?', '?'];
  const cells: Array<{ col: number; row: number; mag: number }> = [];
  for (let col = 0; col < 3; col++) {
    for (let row = 0; row < 3; row++) cells.push({ col, row, mag: Math.abs(affine[4 * row + col]) });
  }
  cells.sort((a, b) => b.mag - a.mag);
  const doneCols = new Set<number>();
  for (const { col, row, mag } of cells) {
    if (doneCols.has(col) || used.has(row) || mag === 0) continue;
    code[col] = letters[row][affine[4 * row + col] > 0 ? 1 : 0];
    doneCols.add(col);
    used.add(row);
  }
  return code.join('');
}
