import * as tf from '@tensorflow/tfjs';

/**
 * Training kernels the wasm backend lacks (Conv2DBackpropFilter) or runs ~10× slower than its forward
 * conv (Conv2DBackpropInput), rewritten onto the wasm backend's fast XNNPACK kernels: the input
 * gradient as forward Conv2Ds with a flipped, channel-swapped filter (cached per weight tensor), the
 * filter gradient as im2col + one non-transposed BatchMatMul. The re-layout is plain JS and costs a
 * memory pass, not FLOPs.
 */

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
interface WasmBackendLike {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: Float32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  dataIdMap: { has(dataId: object): boolean };
}
type KernelFunc = (args: {
  inputs: Record<string, TensorInfo>;
  attrs: Record<string, unknown>;
  backend: unknown;
}) => TensorInfo;

function wasmKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'wasm')?.kernelFunc as unknown as KernelFunc | undefined;
  if (!k) throw new Error(`wasm ${name} kernel missing`);
  return k;
}

/** The wasm backend's (C++) Transpose: far faster than a strided JS loop over a large tensor. */
function transposeWasm(backend: WasmBackendLike, x: TensorInfo, perm: number[]): TensorInfo {
  return wasmKernel('Transpose')({ inputs: { x }, attrs: { perm }, backend });
}

/** The wasm backend's (XNNPACK) stride-1 Conv2D; `pads` [top, bottom, left, right] or 'valid'. */
function conv2dStride1(
  backend: WasmBackendLike,
  x: TensorInfo,
  filter: TensorInfo,
  pads: [number, number, number, number] | 'valid',
): TensorInfo {
  const pad =
    pads === 'valid'
      ? 'valid'
      : [
          [0, 0],
          [pads[0], pads[1]],
          [pads[2], pads[3]],
          [0, 0],
        ];
  return wasmKernel('Conv2D')({
    inputs: { x, filter },
    attrs: { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
    backend,
  });
}

/**
 * Filters derived from a tensor (flipped, channel-swapped, phase sub-filters), cached per source dataId
 * until the source is freed: a step uses each weight in several gradient kernels, and a cached filter
 * also keeps XNNPACK's packed-weights operator (cached per filter) instead of re-packing it per call.
 * Tensor data is immutable in tfjs, so a dataId's derived filter stays valid while the dataId lives.
 */
const derivedFilters = new WeakMap<WasmBackendLike, Map<object, Map<string, TensorInfo>>>();

function derivedFilter(
  backend: WasmBackendLike,
  source: TensorInfo,
  key: string,
  make: () => TensorInfo,
): TensorInfo {
  let cache = derivedFilters.get(backend);
  if (!cache) {
    const c = new Map<object, Map<string, TensorInfo>>();
    cache = c;
    derivedFilters.set(backend, c);
    // Evict with the source: wrap this backend instance's disposeData (the engine calls it per tensor).
    const dispose = backend.disposeData.bind(backend);
    backend.disposeData = (dataId: object, force?: boolean) => {
      const freed = dispose(dataId, force);
      const entry = c.get(dataId);
      if (entry && !backend.dataIdMap.has(dataId)) {
        c.delete(dataId);
        for (const d of entry.values()) dispose(d.dataId, true);
      }
      return freed;
    };
  }
  let entry = cache.get(source.dataId);
  if (!entry) {
    entry = new Map();
    cache.set(source.dataId, entry);
  }
  let info = entry.get(key);
  if (!info) {
    info = make();
    entry.set(key, info);
  }
  return info;
}

/** Filters currently cached (for leak tests). */
export function cachedFilterCount(backend: object): number {
  let k = 0;
  for (const e of derivedFilters.get(backend as WasmBackendLike)?.values() ?? []) k += e.size;
  return k;
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
 * each phase is a dense stride-1 conv of dy with that sub-filter (s² convs, no wasted FLOPs). The
 * padding is the conv's own (explicit pads, no copy of dy); the sub-filters are cached per weight
 * tensor; at stride 1 the conv's output is dx itself.
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

  let dx: Float32Array | undefined;
  for (const pr of rowPh)
    for (const pc of colPh) {
      if (pr.cnt <= 0 || pc.cnt <= 0 || pr.L === 0 || pc.L === 0) continue; // no taps: dx stays 0 there
      // Sub-filter [L_r, L_c, oc, ic]: tap j ↔ flipped tap c + s·j ↔ original tap f − 1 − (c + s·j).
      const sub = derivedFilter(backend, filter, `bi ${sh} ${sw} ${pr.c} ${pc.c} ${pr.L} ${pc.L}`, () => {
        // W with in/out channels swapped, [fh, fw, oc, ic] (one C++ transpose, cached too).
        const swapped = derivedFilter(backend, filter, 'swap', () =>
          transposeWasm(backend, filter, [0, 1, 3, 2]),
        );
        const out = backend.makeOutput([pr.L, pc.L, oc, ic], 'float32');
        const wt = backend.typedArrayFromHeap(swapped);
        const o = backend.typedArrayFromHeap(out);
        const tap = oc * ic;
        for (let jy = 0; jy < pr.L; jy++)
          for (let jx = 0; jx < pc.L; jx++) {
            const ky = fh - 1 - (pr.c + sh * jy);
            const kx = fw - 1 - (pc.c + sw * jx);
            o.set(wt.subarray((ky * fw + kx) * tap, (ky * fw + kx + 1) * tap), (jy * pc.L + jx) * tap);
          }
        return out;
      });
      // The phase's input P[t] = dy[t + q], t < cnt + L − 1: zero rows before dy as top padding and
      // after it as bottom padding; rows of dy past the end that no output reads only add output
      // rows past cnt, which are not copied out.
      let input = dy;
      let pads: [number, number, number, number];
      let cropped: TensorInfo | undefined;
      if (pr.q <= 0 && pc.q <= 0) {
        pads = [
          -pr.q,
          Math.max(0, pr.cnt + pr.L - 1 - (oh - pr.q)),
          -pc.q,
          Math.max(0, pc.cnt + pc.L - 1 - (ow - pc.q)),
        ];
      } else {
        // dy starts before the phase's first tap (not produced by 'same'/'valid' geometry): crop in JS.
        const ph = pr.cnt + pr.L - 1;
        const pw = pc.cnt + pc.L - 1;
        const padded = new Float32Array(n * ph * pw * oc);
        const dyData = backend.typedArrayFromHeap(dy);
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
        cropped = backend.makeOutput([n, ph, pw, oc], 'float32', undefined, padded);
        input = cropped;
        pads = [0, 0, 0, 0];
      }
      let res: TensorInfo;
      try {
        res = conv2dStride1(backend, input, sub, pads); // [n, ≥ cnt_r, ≥ cnt_c, ic]
      } finally {
        if (cropped) backend.disposeData(cropped.dataId, true);
      }
      const [, R, C] = res.shape;
      if (sh === 1 && sw === 1 && R === h && C === w) return res;
      dx ??= new Float32Array(n * h * w * ic);
      const r = backend.typedArrayFromHeap(res);
      for (let b = 0; b < n; b++)
        for (let i = 0; i < pr.cnt; i++)
          for (let j = 0; j < pc.cnt; j++) {
            const src = ((b * R + i) * C + j) * ic;
            dx.set(r.subarray(src, src + ic), ((b * h + sh * i + pr.r) * w + sw * j + pc.r) * ic);
          }
      backend.disposeData(res.dataId, true);
    }
  return backend.makeOutput([n, h, w, ic], 'float32', undefined, dx ?? new Float32Array(n * h * w * ic));
}

/** A reusable JS buffer (one per purpose): kernels run one at a time per thread. */
const scratch = new Map<string, Float32Array>();
function scratchBuffer(name: string, size: number): Float32Array {
  let b = scratch.get(name);
  if (!b || b.length < size) {
    b = new Float32Array(size);
    scratch.set(name, b);
  }
  return b.subarray(0, size);
}

/** Output pixels up to which the filter gradient runs as dWᵀ = dyᵀ·col (see filterGradSmallP). */
const SMALL_P_MAX = 1024;

/**
 * The filter gradient for few output pixels P (deep, small layers): dWᵀ [oc, fh·fw·ic] = dyᵀ [oc, P] ·
 * col [P, fh·fw·ic]. With P this small the contraction is short and the output large, and XNNPACK
 * runs the product fast with the wide dimension as N (the other orientation, N = oc, is ~10× slower).
 */
function filterGradSmallP(
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  fShape: [number, number, number, number],
  g: {
    fh: number;
    fw: number;
    sh: number;
    sw: number;
    oh: number;
    ow: number;
    oc: number;
    pt: number;
    pl: number;
  },
): TensorInfo {
  const { fh, fw, sh, sw, oh, ow, oc, pt, pl } = g;
  const [n, h, w, ic] = x.shape;
  const P = n * oh * ow;
  const M = fh * fw * ic;
  const aInfo = transposeWasm(backend, { ...dy, shape: [1, P, oc] }, [0, 2, 1]); // dyᵀ [1, oc, P]
  const bInfo = backend.makeOutput([1, P, M], 'float32');
  let res: TensorInfo;
  try {
    const col = backend.typedArrayFromHeap(bInfo);
    const xv = backend.typedArrayFromHeap(x);
    for (let b = 0; b < n; b++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          const rowBase = ((b * oh + y) * ow + xo) * M;
          for (let ky = 0; ky < fh; ky++) {
            const iy = y * sh + ky - pt;
            for (let kx = 0; kx < fw; kx++) {
              const ix = xo * sw + kx - pl;
              const dst = rowBase + (ky * fw + kx) * ic;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) col.fill(0, dst, dst + ic);
              else {
                const src = ((b * h + iy) * w + ix) * ic;
                col.set(xv.subarray(src, src + ic), dst);
              }
            }
          }
        }
    res = wasmKernel('BatchMatMul')({
      inputs: { a: aInfo, b: bInfo },
      attrs: { transposeA: false, transposeB: false },
      backend,
    });
  } finally {
    backend.disposeData(aInfo.dataId, true);
    backend.disposeData(bInfo.dataId, true);
  }
  // [1, oc, M] → [1, M, oc], which is the filter layout [fh, fw, ic, oc].
  let out: TensorInfo;
  try {
    out = transposeWasm(backend, res, [0, 2, 1]);
  } finally {
    backend.disposeData(res.dataId, true);
  }
  return { ...out, shape: fShape };
}

/** Floats per im2col chunk of the filter gradient (16 MiB): bounds the wasm heap it needs. */
let IM2COL_CHUNK = 1 << 22;

/** Sets the im2col chunk size (floats) and returns the previous one; tests use it to force chunking. */
export function setIm2colChunk(floats: number): number {
  const old = IM2COL_CHUNK;
  IM2COL_CHUNK = floats;
  return old;
}

/**
 * dW[ky,kx,i,o] = Σ_{b,y,x} xPad[b, y·s + ky, x·s + kx, i]·dy[b,y,x,o] as a GEMM: the im2col matrix
 * transposed, colᵀ [fh·fw·ic, P] (P = output pixels), times dy [P, oc] — which NHWC dy already is —
 * gives dW in filter layout. Non-transposed operands are what the wasm BatchMatMul (XNNPACK) runs
 * fast. colᵀ is built from x's channel planes (contiguous runs) in chunks of output rows, the chunks'
 * products summed.
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
  const M = fh * fw * ic;
  const rowsTotal = n * oh;
  const rowsPer = Math.max(1, Math.min(rowsTotal, Math.floor(IM2COL_CHUNK / (M * ow))));

  // x as channel planes [ic][n·h·w], copied to JS memory (not moved by wasm heap growth).
  const hw = n * h * w;
  const planes = scratchBuffer('planes', ic * hw);
  if (ic === 1) planes.set(backend.typedArrayFromHeap(x));
  else {
    const t = transposeWasm(backend, { ...x, shape: [hw, ic] }, [1, 0]);
    planes.set(backend.typedArrayFromHeap(t));
    backend.disposeData(t.dataId, true);
  }
  const matMul = wasmKernel('BatchMatMul');
  const P = n * oh * ow;
  if (P <= SMALL_P_MAX)
    return filterGradSmallP(backend, x, dy, fShape, { fh, fw, sh, sw, oh, ow, oc, pt, pl });
  let acc: Float32Array | undefined;
  for (let r0 = 0; r0 < rowsTotal; r0 += rowsPer) {
    const rows = Math.min(rowsPer, rowsTotal - r0);
    const pc = rows * ow;
    const aInfo = backend.makeOutput([1, M, pc], 'float32');
    const bInfo = backend.makeOutput([1, pc, oc], 'float32');
    let res: TensorInfo;
    try {
      // Views only after both allocations: an allocation may grow (and so detach) the heap.
      backend
        .typedArrayFromHeap(bInfo)
        .set(backend.typedArrayFromHeap(dy).subarray(r0 * ow * oc, (r0 + rows) * ow * oc));
      const a = backend.typedArrayFromHeap(aInfo);
      for (let ky = 0; ky < fh; ky++)
        for (let kx = 0; kx < fw; kx++) {
          // Output columns whose input column x·s + kx − pl lies inside the image.
          const xlo = Math.min(ow, Math.max(0, Math.ceil((pl - kx) / sw)));
          const xhi = Math.max(xlo, Math.min(ow, Math.floor((w - 1 + pl - kx) / sw) + 1));
          for (let i = 0; i < ic; i++) {
            const rowBase = ((ky * fw + kx) * ic + i) * pc;
            const plane = i * hw;
            for (let rr = 0; rr < rows; rr++) {
              const r = r0 + rr;
              const b = (r / oh) | 0;
              const iy = (r - b * oh) * sh + ky - pt;
              const dst = rowBase + rr * ow;
              if (iy < 0 || iy >= h || xhi === xlo) {
                a.fill(0, dst, dst + ow);
                continue;
              }
              if (xlo > 0) a.fill(0, dst, dst + xlo);
              if (xhi < ow) a.fill(0, dst + xhi, dst + ow);
              const src = plane + (b * h + iy) * w + kx - pl;
              if (sw === 1) a.set(planes.subarray(src + xlo, src + xhi), dst + xlo);
              else for (let xo = xlo; xo < xhi; xo++) a[dst + xo] = planes[src + xo * sw];
            }
          }
        }
      res = matMul({
        inputs: { a: aInfo, b: bInfo },
        attrs: { transposeA: false, transposeB: false },
        backend,
      });
    } finally {
      backend.disposeData(aInfo.dataId, true);
      backend.disposeData(bInfo.dataId, true);
    }
    const rv = backend.typedArrayFromHeap(res);
    if (!acc) acc = rv.slice();
    else for (let j = 0; j < acc.length; j++) acc[j] += rv[j];
    backend.disposeData(res.dataId, true);
  }
  return backend.makeOutput(fShape, 'float32', undefined, acc ?? new Float32Array(M * oc));
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
