// Pooling, channels last (tfjs's layout): MaxPool, AvgPool and AvgPoolGrad on fastgrad's pooling
// kernels (native/kernels/conv.h, twins lib/backend/js/pool.ts), which pool channels-first planes:
// x goes to [N, C, H, W] through lib/ops' strided copy, the result comes back the same way (as the
// convolutions do, conv.ts). tfjs's geometry (computePool2DInfo: 'same' / 'valid' / explicit padding,
// rounding) is given as is: the padding before the first row and column, and the output size (the
// padding after, which 'same' makes one larger when the total is odd, is implied by it).
// - MaxPool: fastgrad's max-pool kernel on the channels-first copy (planeMaxima), y back channels last;
//   where a window's maximum is NaN or −Infinity (torch's rule and tfjs's differ only there) the
//   whole call runs tfjs's rule channels last in TypeScript instead (windowMaxima: the first value
//   strictly greater than everything before it in the window, row by row, from −Infinity, so a NaN is
//   skipped and a window of NaN or −Infinity only gives −Infinity). Same values as the CPU kernel.
// - A 1 × 1 window whose output has x's shape runs on the CPU kernels, which return x itself there
//   (whatever the padding and strides).
// - AvgPool: the mean of the taps inside the input (padding not counted, as the CPU kernel), summed in
//   binary32 in window order where the CPU kernel sums in float64 (|difference| within rounding).
// - AvgPoolGrad: dy / (kh·kw) added to every tap inside, the full window as divisor (the CPU kernel's
//   rule, even with 'same' padding).
// MaxPoolGrad: dy goes to each window's maximum, the position MaxPool found (kept by MaxPool's output
// array, checked against x and the output's values), else found again by the same pass. tfjs's CPU
// kernel finds each window's maximum through TensorBuffer lookups and then, for every input position,
// scans every window that covers it; here dy goes straight to the maximum. Where windows overlap,
// the contributions to one input are summed in float64 and rounded once, as the CPU kernel does
// (where they do not, each input gets at most one: 0 + dy straight into the output).
import { AvgPool, AvgPoolGrad, backend_util, MaxPool, MaxPoolGrad, type TensorInfo } from '@tensorflow/tfjs-core';
import type { PoolGeometry } from '../../backend/js/pool.js';
import { emptyF32, recycleF32 } from '../../backend/buffers.js';
import { kernels } from '../../backend/select.js';
import { alloc, f32, NCHW_TO_NHWC, NHWC_TO_NCHW, output, permuteInto, type FastgradKernel, type KernelArgs } from './util.js';

type Shape4 = [number, number, number, number];

// Scratch arrays MaxPoolGrad uses and drops before it returns (JavaScript runs one kernel at a time):
// kept and grown, so a step does not pay a fresh array's page faults for them.
let i32 = new Int32Array(0), f32s = new Float32Array(0), f64 = new Float64Array(0);
const scratchI32 = (n: number): Int32Array => (i32.length >= n ? i32 : (i32 = new Int32Array(n))).subarray(0, n);
const scratchF32 = (n: number): Float32Array => (f32s.length >= n ? f32s : (f32s = new Float32Array(n))).subarray(0, n);
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
function pooled(args: KernelArgs, pool: (xc: Float32Array, g: PoolGeometry, yc: Float32Array) => void): TensorInfo | null {
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
  recycleF32(xc);
  recycleF32(yc);
  return output(backend, [N, g.OH, g.OW, C], y);
}

/** tfjs's max-pool geometry (the CPU kernel's computePool2DInfo), channels last; null for channels first. */
function maxPoolInfo(xShape: readonly number[], attrs: KernelArgs['attrs']): backend_util.Conv2DInfo | null {
  if (xShape.length !== 4) return null;
  const info = backend_util.computePool2DInfo(
    xShape as Shape4, attrs?.filterSize as [number, number] | number, attrs?.strides as [number, number] | number, 1,
    attrs?.pad as 'same' | 'valid' | number, attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  return info.dataFormat === 'channelsLast' && info.outHeight > 0 && info.outWidth > 0 ? info : null;
}

/**
 * Each window's maximum into y (channels last, as the CPU kernel's pool()) and its position in X
 * into at (−1 where no value is greater than −Infinity: such a window passes no gradient).
 */
function windowMaxima(X: Float32Array, info: backend_util.Conv2DInfo, y: Float32Array, at: Int32Array): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  if (kh === 2 && kw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && 2 * OH <= H && 2 * OW <= W) {
    windowMaxima2x2(X, N, H, W, C, OH, OW, y, at);
    return;
  }
  for (let b = 0; b < N; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - top, rlo = Math.max(r0, 0), rhi = Math.min(H, r0 + kh);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - left, qlo = Math.max(c0, 0), qhi = Math.min(W, c0 + kw);
        const o = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          y[o + c] = -Infinity;
          at[o + c] = -1;
        }
        for (let r = rlo; r < rhi; r++) {
          for (let q = qlo; q < qhi; q++) {
            const base = ((b * H + r) * W + q) * C;
            for (let c = 0; c < C; c++) {
              const v = X[base + c];
              if (v > y[o + c]) {
                y[o + c] = v;
                at[o + c] = base + c;
              }
            }
          }
        }
      }
    }
  }
}

/** windowMaxima for 2 × 2 windows at stride 2 that all lie inside x (the common pool): the four taps unrolled, in the same order. */
function windowMaxima2x2(X: Float32Array, N: number, H: number, W: number, C: number, OH: number, OW: number, y: Float32Array, at: Int32Array): void {
  const WC = W * C;
  let o = 0;
  for (let b = 0; b < N; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const i0 = ((b * H + 2 * oh) * W + 2 * ow) * C;
        for (let c = 0; c < C; c++, o++) {
          const i = i0 + c;
          let m = -Infinity, p = -1, v = X[i];
          if (v > m) { m = v; p = i; }
          v = X[i + C];
          if (v > m) { m = v; p = i + C; }
          v = X[i + WC];
          if (v > m) { m = v; p = i + WC; }
          v = X[i + WC + C];
          if (v > m) { m = v; p = i + WC + C; }
          y[o] = m;
          at[o] = p;
        }
      }
    }
  }
}

const geometryKey = (i: backend_util.Conv2DInfo): string =>
  [i.batchSize, i.inHeight, i.inWidth, i.inChannels, i.outHeight, i.outWidth, i.filterHeight, i.filterWidth, i.strideHeight, i.strideWidth, i.padInfo.top, i.padInfo.left].join();

/**
 * MaxPool's maxima positions by its output's data id, for MaxPoolGrad (which gets that output back,
 * with the same x). A data id is never reused for other values, so an entry found for both ids is
 * that call's. `planes`: the positions as planeMaxima gives them, else as windowMaxima does.
 */
const maxima = new WeakMap<object, { x: object; key: string; at: Int32Array; planes: boolean; store: Float32Array }>();

/**
 * n positions, held in a Float32Array from fastgrad's buffer cache (`store`: a fresh Int32Array of a
 * pooled layer's output size costs a zeroing pass and page faults, ~0.4 ms for 86k), given back by
 * releaseMaxima when tfjs disposes the pooled output.
 */
function positions(n: number): { at: Int32Array; store: Float32Array } {
  const store = emptyF32(n);
  return { at: new Int32Array(store.buffer, store.byteOffset, n), store };
}

/** tfjs disposed this tensor's data (FastgradBackend.disposeData): a MaxPool output's positions go back to the buffer cache. */
export function releaseMaxima(dataId: object): void {
  const m = maxima.get(dataId);
  if (!m) return;
  maxima.delete(dataId);
  recycleF32(m.store);
}

/**
 * Each window's maximum on fastgrad's max-pool kernel (native: vectorized over the channels-first
 * planes): x to channels first (x itself with one channel), maxPoolForward, y back channels last. That
 * kernel's rule is torch's (a NaN wins); tfjs's skips NaN and gives a window of −Infinity only no
 * position: where a maximum is NaN or −Infinity (the only outputs where the rules can differ), false,
 * and the caller runs windowMaxima instead (over y: every element written again). Else both rules
 * pick the first strictly greater value of each window, so the values and positions are the CPU
 * kernel's. The positions stay in the kernel's form (h·W + w in each plane, planes b·C + c in order)
 * for MaxPoolGrad.
 */
function planeMaxima(X: Float32Array, info: backend_util.Conv2DInfo, y: Float32Array, at: Int32Array): boolean {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const g: PoolGeometry = {
    C: N * C, H, W, kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    ph: info.padInfo.top, pw: info.padInfo.left, dh: 1, dw: 1, OH, OW,
  };
  if (g.ph < 0 || g.pw < 0) return false;
  // With one channel both layouts are the same: x and y themselves.
  const n = y.length, xc = C === 1 ? X : permuteInto(X, [N, H, W, C], NHWC_TO_NCHW, emptyF32(X.length));
  const yc = C === 1 ? y : emptyF32(n);
  kernels().conv.maxPoolForward(xc, g, yc, at);
  if (xc !== X) recycleF32(xc);
  let i = 0;
  while (i < n && yc[i] > -Infinity) i++;
  if (i === n && yc !== y) permuteInto(yc, [N, C, OH, OW], NCHW_TO_NHWC, y);
  if (yc !== y) recycleF32(yc);
  return i === n;
}

export const maxPoolKernel: FastgradKernel = {
  kernelName: MaxPool,
  impl: ({ inputs, backend, attrs }) => {
    const x = inputs.x, X = f32(backend, x);
    const info = X && maxPoolInfo(x.shape, attrs);
    if (!X || !info) return null;
    // The CPU kernels return x itself for a 1 × 1 window whose output has x's shape, whatever the padding.
    if (info.filterHeight === 1 && info.filterWidth === 1 && info.outHeight === info.inHeight && info.outWidth === info.inWidth) return null;
    const n = info.outShape.reduce((a, b) => a * b, 1), y = alloc(backend, n);
    const { at, store } = positions(n), planes = planeMaxima(X, info, y, at);
    if (!planes) windowMaxima(X, info, y, at);
    const out = output(backend, info.outShape, y);
    maxima.set(out.dataId, { x: x.dataId, key: geometryKey(info), at, planes, store });
    return out;
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
    const info = X && DY ? maxPoolInfo(input.shape, attrs) : null;
    if (!X || !DY || !info || dy.shape.join() !== info.outShape.join()) return null;
    const n = DY.length, m = inputs.output ? maxima.get(inputs.output.dataId) : undefined;
    const found = m !== undefined && m.x === input.dataId && m.key === geometryKey(info);
    // Windows that do not overlap give each input at most one contribution: 0 + dy, exact in binary32.
    const overlap = info.filterHeight > info.strideHeight || info.filterWidth > info.strideWidth;
    const dx = alloc(backend, X.length).fill(0);
    const acc = overlap ? scratchF64(X.length) : dx;
    if (found && m.planes) {
      // Output (b, q, c) (q = oh·OW + ow), of plane b·C + c, took input (b·H·W + idx)·C + c. Visited plane
      // by plane: each input's contributions still arrive in the order of its windows, as below.
      const { batchSize: N, inChannels: C, inHeight: H, inWidth: W } = info, P = info.outHeight * info.outWidth, at = m.at;
      for (let b = 0, o = 0; b < N; b++) {
        for (let c = 0; c < C; c++) {
          for (let q = 0; q < P; q++, o++) acc[(b * H * W + at[o]) * C + c] += DY[(b * P + q) * C + c];
        }
      }
    } else {
      let at: Int32Array;
      if (found) {
        at = m.at;
      } else {
        at = scratchI32(n);
        windowMaxima(X, info, scratchF32(n), at);
      }
      for (let o = 0; o < n; o++) if (at[o] >= 0) acc[at[o]] += DY[o];
    }
    if (overlap) for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
    return output(backend, input.shape, dx);
  },
};
