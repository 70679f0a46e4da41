// Pooling, channels last (tfjs's layout): MaxPool, AvgPool and AvgPoolGrad on fastgrad's pooling
// kernels (native/kernels/conv.h, twins lib/backend/js/pool.ts), which pool channels-first planes:
// x goes to [N, C, H, W] through lib/ops' strided copy, the result comes back the same way (as the
// convolutions do, conv.ts). tfjs's geometry (computePool2DInfo: 'same' / 'valid' / explicit padding,
// rounding) is given as is: the padding before the first row and column, and the output size (the
// padding after, which 'same' makes one larger when the total is odd, is implied by it).
// - MaxPool: fastgrad's window maximum (the first value strictly greater, as the CPU kernel), except
//   that a NaN wins in fastgrad's (torch's rule) where tfjs's CPU kernel skips it: an output holding a
//   NaN is recomputed by the CPU kernel.
// - A 1 × 1 window whose output has x's shape runs on the CPU kernels, which return x itself there
//   (whatever the padding and strides).
// - AvgPool: the mean of the taps inside the input (padding not counted, as the CPU kernel), summed in
//   binary32 in window order where the CPU kernel sums in float64 (|difference| within rounding).
// - AvgPoolGrad: dy / (kh·kw) added to every tap inside, the full window as divisor (the CPU kernel's
//   rule, even with 'same' padding).
// MaxPoolGrad: from MaxPool's maxima on fastgrad's max-pool backward where that is the CPU kernel's
// gradient exactly (see `maxima`); else, channels last, in TypeScript: tfjs's CPU kernel finds each window's maximum through TensorBuffer
// lookups and then, for every input position, scans every window that covers it; here each window's
// maximum is found once (channels innermost, as the data lie) and dy goes straight to it. The same
// rule picks the maximum: the first value strictly greater than everything before it in the window
// (row by row), starting from −Infinity, so a window of NaN or −Infinity only passes no gradient. Where
// windows overlap, the contributions to one input are summed in float64 and rounded once, as the CPU
// kernel does (where they do not, each input gets at most one: 0 + dy straight into the output).
import { AvgPool, AvgPoolGrad, backend_util, MaxPool, MaxPoolGrad, type TensorInfo } from '@tensorflow/tfjs-core';
import type { PoolGeometry } from '../../backend/js/pool.js';
import { emptyF32, recycleF32 } from '../../backend/buffers.js';
import { kernels } from '../../backend/select.js';
import { alloc, f32, NCHW_TO_NHWC, NHWC_TO_NCHW, output, permuteInto, type FastgradKernel, type KernelArgs } from './util.js';

type Shape4 = [number, number, number, number];

// Scratch arrays the kernels below use and drop before they return (JavaScript runs one kernel at a
// time): kept and grown, so a step does not pay a fresh array's page faults for them.
let i32 = new Int32Array(0), f64 = new Float64Array(0);
const scratchI32 = (n: number): Int32Array => (i32.length >= n ? i32 : (i32 = new Int32Array(n))).subarray(0, n);
/** n zeros. */
const scratchF64 = (n: number): Float64Array => (f64.length >= n ? f64 : (f64 = new Float64Array(n))).subarray(0, n).fill(0);

/** tfjs's pooling geometry for a channels-last x of this shape, as fastgrad's (planes = N·C); null when fastgrad has no kernel for it. */
function geometryOf(xShape: readonly number[], attrs: KernelArgs['attrs']): { g: PoolGeometry; N: number; C: number } | null {
  if (xShape.length !== 4) return null;
  const info = backend_util.computePool2DInfo(
    xShape as Shape4, attrs?.filterSize as [number, number] | number, attrs?.strides as [number, number] | number, 1,
    attrs?.pad as 'same' | 'valid' | number, attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const p = info.padInfo;
  if (info.dataFormat !== 'channelsLast' || info.outHeight < 1 || info.outWidth < 1 || p.top < 0 || p.left < 0) return null;
  const g: PoolGeometry = {
    C: info.batchSize * info.inChannels, H: info.inHeight, W: info.inWidth, kh: info.filterHeight, kw: info.filterWidth,
    sh: info.strideHeight, sw: info.strideWidth, ph: p.top, pw: p.left, dh: 1, dw: 1, OH: info.outHeight, OW: info.outWidth,
  };
  return { g, N: info.batchSize, C: info.inChannels };
}

/** x channels last → channels first, pooled by `pool` into [N, C, OH, OW], back to channels last in a pooled array. */
function pooled(args: KernelArgs, pool: (xc: Float32Array, g: PoolGeometry, yc: Float32Array) => void, done?: (X: Float32Array, y: Float32Array, g: PoolGeometry) => void): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const x = inputs.x, X = f32(backend, x);
  const geo = X && geometryOf(x.shape, attrs);
  if (!X || !geo) return null;
  const { g, N, C } = geo;
  // The CPU kernels return x itself for a 1 × 1 window whose output has x's shape, whatever the padding.
  if (g.kh === 1 && g.kw === 1 && g.OH === g.H && g.OW === g.W) return null;
  const xc = permuteInto(X, x.shape, NHWC_TO_NCHW, emptyF32(X.length));
  const yc = emptyF32(g.C * g.OH * g.OW);
  pool(xc, g, yc);
  const y = permuteInto(yc, [N, C, g.OH, g.OW], NCHW_TO_NHWC, alloc(backend, yc.length));
  done?.(X, y, g);
  recycleF32(xc);
  recycleF32(yc);
  return output(backend, [N, g.OH, g.OW, C], y);
}

/**
 * MaxPool's window maxima (indices into the channels-first planes) by its output array, for
 * MaxPoolGrad, which gets that output back with the same x: kept only where they give the CPU
 * kernel's gradient exactly (windows that do not overlap, so each input gets at most one dy; no NaN,
 * which falls back anyway; no window of −Infinity only, which passes no gradient on the CPU kernel).
 */
const maxima = new WeakMap<Float32Array, { x: Float32Array; g: PoolGeometry; idx: Int32Array }>();

const sameGeometry = (a: PoolGeometry, b: PoolGeometry): boolean =>
  a.C === b.C && a.H === b.H && a.W === b.W && a.kh === b.kh && a.kw === b.kw && a.sh === b.sh && a.sw === b.sw && a.ph === b.ph && a.pw === b.pw && a.OH === b.OH && a.OW === b.OW;

export const maxPoolKernel: FastgradKernel = {
  kernelName: MaxPool,
  impl: (args) => {
    let nan = false, empty = false, idx: Int32Array = new Int32Array(0);
    const r = pooled(args, (xc, g, yc) => {
      const overlap = g.kh > g.sh || g.kw > g.sw;
      idx = overlap ? scratchI32(yc.length) : new Int32Array(yc.length);
      kernels().conv.maxPoolForward(xc, g, yc, idx);
      for (let i = 0; i < yc.length; i++) {
        if (yc[i] !== yc[i]) nan = true;
        else if (yc[i] === -Infinity) empty = true;
      }
      if (overlap) empty = true;
    }, (X, y, g) => {
      if (nan || empty) maxima.delete(y);
      else maxima.set(y, { x: X, g, idx });
    });
    if (!nan || r === null) return r;
    args.backend.disposeIntermediateTensorInfo(r);
    return null;
  },
};

export const avgPoolKernel: FastgradKernel = {
  kernelName: AvgPool,
  impl: (args) => pooled(args, (xc, g, yc) => kernels().conv.avgPoolForward(xc, g, false, yc)),
};

export const avgPoolGradKernel: FastgradKernel = {
  kernelName: AvgPoolGrad,
  impl: ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs;
    const DY = f32(backend, dy), geo = input.dtype === 'float32' ? geometryOf(input.shape, attrs) : null;
    if (!DY || !geo) return null;
    const { g, N, C } = geo;
    if (dy.shape.join() !== [N, g.OH, g.OW, C].join()) return null;
    const dyc = permuteInto(DY, dy.shape, NHWC_TO_NCHW, emptyF32(DY.length));
    const dxc = emptyF32(g.C * g.H * g.W);
    kernels().conv.avgPoolBackward(dyc, g, true, dxc);
    const dx = permuteInto(dxc, [N, C, g.H, g.W], NCHW_TO_NHWC, alloc(backend, dxc.length));
    recycleF32(dyc);
    recycleF32(dxc);
    return output(backend, input.shape, dx);
  },
};

export const maxPoolGradKernel: FastgradKernel = {
  kernelName: MaxPoolGrad,
  impl: ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs;
    const X = f32(backend, input), DY = f32(backend, dy);
    if (!X || !DY || input.shape.length !== 4) return null;
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], attrs?.filterSize as [number, number], attrs?.strides as [number, number], 1,
      attrs?.pad as 'same' | 'valid' | number, attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    if (info.dataFormat !== 'channelsLast' || dy.shape.join() !== [N, OH, OW, C].join()) return null;
    const Y = f32(backend, inputs.output), m = Y ? maxima.get(Y) : undefined, geo = m ? geometryOf(input.shape, attrs) : null;
    if (m && geo && m.x === X && sameGeometry(m.g, geo.g)) {
      // fastgrad's max-pool backward from MaxPool's maxima: dx = +0, then + dy at each window's maximum.
      const g = geo.g, dyc = permuteInto(DY, dy.shape, NHWC_TO_NCHW, emptyF32(DY.length)), dxc = emptyF32(X.length);
      kernels().conv.maxPoolBackward(dyc, m.idx, g, dxc);
      const dx = permuteInto(dxc, [N, C, H, W], NCHW_TO_NHWC, alloc(backend, X.length));
      recycleF32(dyc);
      recycleF32(dxc);
      return output(backend, input.shape, dx);
    }
    const top = info.padInfo.top, left = info.padInfo.left;
    // Windows that do not overlap give each input at most one contribution: 0 + dy, exact in binary32.
    const overlap = kh > sh || kw > sw;
    const dx = alloc(backend, X.length).fill(0), acc = overlap ? scratchF64(X.length) : null;
    const best = new Float32Array(C), at = new Int32Array(C);
    for (let b = 0; b < N; b++) {
      for (let oh = 0; oh < OH; oh++) {
        const r0 = oh * sh - top, rlo = Math.max(r0, 0), rhi = Math.min(H, r0 + kh);
        for (let ow = 0; ow < OW; ow++) {
          const c0 = ow * sw - left, qlo = Math.max(c0, 0), qhi = Math.min(W, c0 + kw);
          for (let c = 0; c < C; c++) {
            best[c] = -Infinity;
            at[c] = -1;
          }
          for (let r = rlo; r < rhi; r++) {
            for (let q = qlo; q < qhi; q++) {
              const base = ((b * H + r) * W + q) * C;
              for (let c = 0; c < C; c++) {
                const v = X[base + c];
                if (v > best[c]) {
                  best[c] = v;
                  at[c] = base + c;
                }
              }
            }
          }
          const d = ((b * OH + oh) * OW + ow) * C;
          if (acc) {
            for (let c = 0; c < C; c++) if (at[c] >= 0) acc[at[c]] += DY[d + c];
          } else {
            for (let c = 0; c < C; c++) if (at[c] >= 0) dx[at[c]] += DY[d + c];
          }
        }
      }
    }
    if (acc) for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
    return output(backend, input.shape, dx);
  },
};
