import * as tf from '@tensorflow/tfjs';

/**
 * Training kernels the wasm backend lacks (Conv2DBackpropFilter) or runs ~10× slower than its forward
 * conv (Conv2DBackpropInput). Both are rewritten as ONE forward Conv2D of the wasm backend (XNNPACK)
 * on re-laid-out operands; the re-layout (transpose, flip, zero-insertion, padding) is plain JS on the
 * wasm heap and costs a memory pass, not FLOPs.
 */

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
interface WasmBackendLike {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: Float32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}
type KernelFunc = (args: {
  inputs: Record<string, TensorInfo>;
  attrs: Record<string, unknown>;
  backend: unknown;
}) => TensorInfo;

function conv2dValid(
  backend: WasmBackendLike,
  x: TensorInfo,
  filter: TensorInfo,
  dilations: [number, number],
): TensorInfo {
  const conv = tf.getKernel('Conv2D', 'wasm')?.kernelFunc as unknown as KernelFunc | undefined;
  if (!conv) throw new Error('wasm Conv2D kernel missing');
  return conv({
    inputs: { x, filter },
    attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations, dimRoundingMode: undefined },
    backend,
  });
}

function stride2(s: unknown): [number, number] {
  return typeof s === 'number' ? [s, s] : [(s as number[])[0], (s as number[])[1]];
}

/**
 * Geometry of the forward NHWC conv x ⊛ filter whose gradient a kernel computes (strides, pad and
 * rounding from its attrs; NHWC only), as tfjs computes it.
 */
function forwardConvGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: Record<string, unknown>,
) {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs;
  assertNhwc(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    stride2(strides),
    1,
    pad as 'same',
    dimRoundingMode as 'floor' | undefined,
  );
  return {
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    oh: info.outHeight,
    ow: info.outWidth,
    oc: info.outChannels,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function assertNhwc(dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC')
    throw new Error(`anet wasm conv kernels support NHWC only, got ${String(dataFormat)}`);
}

/**
 * dx = correlation of the zero-inserted, padded dy with the spatially flipped filter (channels swapped):
 * dx[h] = Σ_k' P[h + k']·Wf[k'], P[y·s + offH] = dy[y], Wf[k'] = W[fh−1−k']. For stride s > 1 most of P
 * is zeros, so we split by output phase r = h mod s: only taps k' ≡ offH − r (mod s) meet data, and
 * each phase is a dense stride-1 conv of dy with that sub-filter (s² convs, no wasted FLOPs).
 */
export function conv2dBackpropInputWasm(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs;
  const xShape = args.attrs.inputShape as [number, number, number, number];
  const { fh, fw, sh, sw, oh, ow, oc, padTop, padLeft } = forwardConvGeometry(
    xShape,
    filter.shape as [number, number, number, number],
    args.attrs,
  );
  const [n, h, w, ic] = xShape;
  const offH = fh - 1 - padTop;
  const offW = fw - 1 - padLeft;
  const mod = (a: number, m: number) => ((a % m) + m) % m;
  // Per phase along one axis: first flipped tap c, tap count L, dy offset q, output count cnt.
  const phases = (s: number, off: number, f: number, out: number) =>
    Array.from({ length: s }, (_, r) => {
      const c = mod(off - r, s);
      return {
        r,
        c,
        L: c < f ? Math.ceil((f - c) / s) : 0,
        q: (r + c - off) / s,
        cnt: Math.ceil((out - r) / s),
      };
    });
  const rowPh = phases(sh, offH, fh, h);
  const colPh = phases(sw, offW, fw, w);

  // Copy operands out of the wasm heap first: allocations below may move it.
  const dyData = backend.typedArrayFromHeap(dy).slice();
  const wData = backend.typedArrayFromHeap(filter).slice();
  const dx = new Float32Array(n * h * w * ic);
  for (const pr of rowPh)
    for (const pc of colPh) {
      if (pr.cnt <= 0 || pc.cnt <= 0 || pr.L === 0 || pc.L === 0) continue; // no taps: dx stays 0 there
      const ph = pr.cnt + pr.L - 1;
      const pw = pc.cnt + pc.L - 1;
      const padded = new Float32Array(n * ph * pw * oc);
      for (let b = 0; b < n; b++)
        for (let t = 0; t < ph; t++) {
          const y = t + pr.q;
          if (y < 0 || y >= oh) continue;
          for (let u = 0; u < pw; u++) {
            const x = u + pc.q;
            if (x < 0 || x >= ow) continue;
            const src = ((b * oh + y) * ow + x) * oc;
            padded.set(dyData.subarray(src, src + oc), ((b * ph + t) * pw + u) * oc);
          }
        }
      // Sub-filter [L_r, L_c, oc, ic]: tap j ↔ flipped tap c + s·j ↔ original tap f − 1 − (c + s·j).
      const sub = new Float32Array(pr.L * pc.L * oc * ic);
      for (let jy = 0; jy < pr.L; jy++)
        for (let jx = 0; jx < pc.L; jx++) {
          const ky = fh - 1 - (pr.c + sh * jy);
          const kx = fw - 1 - (pc.c + sw * jx);
          const src = (ky * fw + kx) * ic * oc;
          const dst = (jy * pc.L + jx) * oc * ic;
          for (let i = 0; i < ic; i++)
            for (let o = 0; o < oc; o++) sub[dst + o * ic + i] = wData[src + i * oc + o];
        }
      const pInfo = backend.makeOutput([n, ph, pw, oc], 'float32', undefined, padded);
      const fInfo = backend.makeOutput([pr.L, pc.L, oc, ic], 'float32', undefined, sub);
      let res: TensorInfo;
      try {
        res = conv2dValid(backend, pInfo, fInfo, [1, 1]); // [n, cnt_r, cnt_c, ic]
      } finally {
        backend.disposeData(pInfo.dataId, true);
        backend.disposeData(fInfo.dataId, true);
      }
      const r = backend.typedArrayFromHeap(res);
      if (sh === 1 && sw === 1) dx.set(r);
      else
        for (let b = 0; b < n; b++)
          for (let i = 0; i < pr.cnt; i++)
            for (let j = 0; j < pc.cnt; j++) {
              const src = ((b * pr.cnt + i) * pc.cnt + j) * ic;
              dx.set(r.subarray(src, src + ic), ((b * h + sh * i + pr.r) * w + sw * j + pc.r) * ic);
            }
      backend.disposeData(res.dataId, true);
    }
  return backend.makeOutput([n, h, w, ic], 'float32', undefined, dx);
}

/**
 * dW[ky,kx,i,o] = Σ_{b,y,x} xPad[b, y·s + ky, x·s + kx, i]·dy[b,y,x,o]: a forward conv with the input
 * channels as batch, the batch as channels, dy as the filter and the stride as its dilation.
 */
export function conv2dBackpropFilterWasm(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs;
  const fShape = args.attrs.filterShape as [number, number, number, number];
  const {
    fh,
    fw,
    sh,
    sw,
    oh,
    ow,
    oc,
    padTop: pt,
    padLeft: pl,
  } = forwardConvGeometry(x.shape as [number, number, number, number], fShape, args.attrs);
  const [n, h, w, ic] = x.shape;
  const ph = fh + (oh - 1) * sh;
  const pw = fw + (ow - 1) * sw;

  // xT[i, y + pt, x + pl, b] = x[b, y, x, i], cropped/zero-padded to ph × pw.
  const xData = backend.typedArrayFromHeap(x);
  const xT = new Float32Array(ic * ph * pw * n);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++) {
      const py = y + pt;
      if (py < 0 || py >= ph) continue;
      for (let xx = 0; xx < w; xx++) {
        const px = xx + pl;
        if (px < 0 || px >= pw) continue;
        const src = ((b * h + y) * w + xx) * ic;
        const dst = (py * pw + px) * n + b;
        const chStride = ph * pw * n;
        for (let i = 0; i < ic; i++) xT[i * chStride + dst] = xData[src + i];
      }
    }
  // dyT[y, x, b, o] = dy[b, y, x, o] (a pure reshape when n = 1).
  const dyData = backend.typedArrayFromHeap(dy);
  let dyT: Float32Array;
  if (n === 1) dyT = dyData.slice();
  else {
    dyT = new Float32Array(oh * ow * n * oc);
    for (let b = 0; b < n; b++)
      for (let p = 0; p < oh * ow; p++)
        dyT.set(dyData.subarray((b * oh * ow + p) * oc, (b * oh * ow + p + 1) * oc), (p * n + b) * oc);
  }
  const xInfo = backend.makeOutput([ic, ph, pw, n], 'float32', undefined, xT);
  const fInfo = backend.makeOutput([oh, ow, n, oc], 'float32', undefined, dyT);
  let res: TensorInfo;
  try {
    res = conv2dValid(backend, xInfo, fInfo, [sh, sw]); // [ic, fh, fw, oc]
  } finally {
    backend.disposeData(xInfo.dataId, true);
    backend.disposeData(fInfo.dataId, true);
  }
  const r = backend.typedArrayFromHeap(res);
  const out = new Float32Array(fh * fw * ic * oc);
  for (let i = 0; i < ic; i++)
    for (let k = 0; k < fh * fw; k++)
      out.set(r.subarray((i * fh * fw + k) * oc, (i * fh * fw + k + 1) * oc), (k * ic + i) * oc);
  backend.disposeData(res.dataId, true);
  return backend.makeOutput(fShape, 'float32', undefined, out);
}

let registered = false;

/** Registers (once) our Conv2DBackpropFilter/Input for the wasm backend, replacing the built-in one. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const [kernelName, kernelFunc] of [
    ['Conv2DBackpropInput', conv2dBackpropInputWasm],
    ['Conv2DBackpropFilter', conv2dBackpropFilterWasm],
  ] as const) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
  registered = true;
}
