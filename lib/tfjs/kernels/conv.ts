// Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on fastgrad's im2col / col2im and GEMM
// (the pieces lib/nn/conv.ts runs), arranged for tfjs's channels-last layout so that no result needs a
// transpose. With x [N, H, W, C] channels last, im2col of the channels-first copy gives the column
// matrix col (K × n·P, K = C·kh·kw, P = OH·OW, for n samples), and with the filter as fastgrad's weight
// Wc [O, K] (tfjs's [kh, kw, C, O] transposed, a few KiB):
//   Conv2D               y  (n·P × O, i.e. [n, OH, OW, O]) = colᵀ · Wcᵀ     GEMM(col, Wc, transA, transB)
//   Conv2DBackpropFilter dWc (O × K) = dyᵀ · colᵀ, summed over the chunks   GEMM(dy, col, transA, transB)
//   Conv2DBackpropInput  dcol (K × n·P) = Wcᵀ · dyᵀ, then col2im            GEMM(Wc, dy, transA, transB)
// so dy and y stay channels last; only x (for im2col) and dx (from col2im) go through a channels-first
// copy, and not even those with one channel, where both layouts are the same. The batch is cut into
// chunks of samples whose column matrix holds at most CONV_COLUMN_FLOATS values (a rule of the shape
// only, so every backend, SIMD level and thread count sums dW's chunks in the same order). The
// geometry (padding 'same' / 'valid' / explicit, strides, dilations, rounding) is tfjs's own
// computeConv2DInfo, so the output shapes are the CPU kernel's. Channels-first tfjs tensors run on the
// CPU kernels. The temporaries come from fastgrad's buffer cache and go back to it.
import { backend_util, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, type TensorInfo } from '@tensorflow/tfjs-core';
import { CONV_COLUMN_FLOATS, type ConvSpec } from '../../nn/conv.js';
import type { ConvGeometry } from '../../backend/kernels.js';
import { kernels } from '../../backend/select.js';
import { emptyF32, recycleF32 } from '../../backend/buffers.js';
import { alloc, f32, NCHW_TO_NHWC, NHWC_TO_NCHW, output, permuteInto, type FastgradKernel, type KernelArgs } from './util.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;

/** tfjs filter [kh, kw, C, O] → fastgrad weight [O, C, kh, kw], and back. */
const HWIO_TO_OIHW = [3, 2, 0, 1], OIHW_TO_HWIO = [2, 3, 1, 0];

/** tfjs's convolution geometry as fastgrad's spec (groups 1); null for channels first. */
function specOf(xShape: Shape4, filterShape: Shape4, attrs: KernelArgs['attrs'], dilations: number | [number, number]): ConvSpec | null {
  const format = backend_util.convertConv2DDataFormat(((attrs?.dataFormat as string | undefined) ?? 'NHWC') as 'NHWC' | 'NCHW');
  if (format !== 'channelsLast') return null;
  const info = backend_util.computeConv2DInfo(
    xShape, filterShape, attrs?.strides as [number, number], dilations, attrs?.pad as Pad,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false, format,
  );
  const p = info.padInfo;
  if (info.outHeight < 1 || info.outWidth < 1 || p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0) return null;
  return {
    N: info.batchSize, C: info.inChannels, H: info.inHeight, W: info.inWidth, O: info.outChannels, groups: 1,
    kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    pt: p.top, pb: p.bottom, pl: p.left, pr: p.right, dh: info.dilationHeight, dw: info.dilationWidth,
    OH: info.outHeight, OW: info.outWidth,
  };
}

/** The channels-first temporaries go back to fastgrad's buffer cache (made here, read no more). */
function recycle(...ts: (Float32Array | null)[]): void {
  for (const t of ts) recycleF32(t);
}

const shape4 = (t: TensorInfo): Shape4 | null => (t.shape.length === 4 ? (t.shape as Shape4) : null);

/** The im2col geometry of a spec (groups 1). */
const geometryOf = (s: ConvSpec): ConvGeometry => ({
  C: s.C, H: s.H, W: s.W, kh: s.kh, kw: s.kw, sh: s.sh, sw: s.sw, ph: s.pt, pw: s.pl, dh: s.dh, dw: s.dw, OH: s.OH, OW: s.OW,
});

/** Samples per chunk: as many as keep the K × (n·P) column matrix within CONV_COLUMN_FLOATS (at least 1, at most N). */
const chunkOf = (s: ConvSpec): number => Math.max(1, Math.min(s.N, Math.floor(CONV_COLUMN_FLOATS / Math.max(1, s.C * s.kh * s.kw * s.OH * s.OW))));

/** x channels last as channels first (x itself with one channel); a copy comes from the buffer cache. */
const channelsFirst = (X: Float32Array, xs: Shape4): Float32Array => (xs[3] === 1 ? X : permuteInto(X, xs, NHWC_TO_NCHW, emptyF32(X.length)));

/** tfjs filter [kh, kw, C, O] as fastgrad's weight [O, C, kh, kw] (the GEMMs' O × K matrix). */
const weightOf = (F: Float32Array, fs: Shape4): Float32Array => permuteInto(F, fs, HWIO_TO_OIHW, emptyF32(F.length));

/** Runs f(n0, m, col) for each chunk of m samples from n0, col holding their column matrix. */
function eachChunk(s: ConvSpec, xc: Float32Array | null, f: (n0: number, m: number, col: Float32Array) => void): void {
  const K = s.C * s.kh * s.kw, P = s.OH * s.OW, CHW = s.C * s.H * s.W, nb = chunkOf(s), geo = geometryOf(s);
  const col = emptyF32(K * nb * P);
  for (let n0 = 0; n0 < s.N; n0 += nb) {
    const m = Math.min(nb, s.N - n0), c = col.subarray(0, K * m * P);
    if (xc) kernels().conv.im2col(xc.subarray(n0 * CHW, (n0 + m) * CHW), geo, c, m, CHW);
    f(n0, m, c);
  }
  recycleF32(col);
}

export const conv2DKernel: FastgradKernel = {
  kernelName: Conv2D,
  impl: ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs;
    const X = f32(backend, x), F = f32(backend, filter), xs = shape4(x), fs = shape4(filter);
    if (!X || !F || !xs || !fs) return null;
    const s = specOf(xs, fs, attrs, (attrs?.dilations as number | [number, number] | undefined) ?? 1);
    if (!s) return null;
    const K = s.C * s.kh * s.kw, P = s.OH * s.OW, G = kernels().gemm;
    const xc = channelsFirst(X, xs), wc = weightOf(F, fs), y = alloc(backend, s.N * P * s.O);
    eachChunk(s, xc, (n0, m, col) => G.gemm(col, wc, y.subarray(n0 * P * s.O, (n0 + m) * P * s.O), m * P, s.O, K, true, true, 1, 0, null, 'none'));
    recycle(xc === X ? null : xc, wc);
    return output(backend, [s.N, s.OH, s.OW, s.O], y);
  },
};

export const conv2DBackpropInputKernel: FastgradKernel = {
  kernelName: Conv2DBackpropInput,
  impl: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs;
    const DY = f32(backend, dy), F = f32(backend, filter), fs = shape4(filter);
    const inShape = attrs?.inputShape as Shape4 | undefined;
    if (!DY || !F || !fs || !inShape || inShape.length !== 4 || !shape4(dy)) return null;
    const s = specOf(inShape, fs, attrs, 1);
    if (!s || dy.shape.join() !== [s.N, s.OH, s.OW, s.O].join()) return null;
    const K = s.C * s.kh * s.kw, P = s.OH * s.OW, CHW = s.C * s.H * s.W, geo = geometryOf(s), { gemm, conv } = kernels();
    const wc = weightOf(F, fs), n = s.N * CHW;
    // With one channel, col2im's channels-first dx is the channels-last result itself.
    const dxc = s.C === 1 ? alloc(backend, n) : emptyF32(n);
    eachChunk(s, null, (n0, m, dcol) => {
      gemm.gemm(wc, DY.subarray(n0 * P * s.O, (n0 + m) * P * s.O), dcol, K, m * P, s.O, true, true, 1, 0, null, 'none');
      conv.col2im(dcol, geo, dxc.subarray(n0 * CHW, (n0 + m) * CHW), m, CHW);
    });
    const dx = s.C === 1 ? dxc : permuteInto(dxc, [s.N, s.C, s.H, s.W], NCHW_TO_NHWC, alloc(backend, n));
    recycle(wc, s.C === 1 ? null : dxc);
    return output(backend, inShape, dx);
  },
};

export const conv2DBackpropFilterKernel: FastgradKernel = {
  kernelName: Conv2DBackpropFilter,
  impl: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs;
    const X = f32(backend, x), DY = f32(backend, dy), xs = shape4(x);
    const filterShape = attrs?.filterShape as Shape4 | undefined;
    if (!X || !DY || !xs || !filterShape || filterShape.length !== 4 || !shape4(dy)) return null;
    const s = specOf(xs, filterShape, attrs, 1);
    if (!s || dy.shape.join() !== [s.N, s.OH, s.OW, s.O].join()) return null;
    const K = s.C * s.kh * s.kw, P = s.OH * s.OW, G = kernels().gemm;
    const xc = channelsFirst(X, xs), dw = emptyF32(s.O * K);
    eachChunk(s, xc, (n0, m, col) =>
      G.gemm(DY.subarray(n0 * P * s.O, (n0 + m) * P * s.O), col, dw, s.O, K, m * P, true, true, 1, n0 === 0 ? 0 : 1, null, 'none'));
    const out = permuteInto(dw, [s.O, s.C, s.kh, s.kw], OIHW_TO_HWIO, alloc(backend, dw.length));
    recycle(xc === X ? null : xc, dw);
    return output(backend, filterShape, out);
  },
};
