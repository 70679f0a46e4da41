// Convolution family: the windowed kernels over planes: the data movement of a convolution as packed
// GEMM (im2col, col2im) and the pools (max, average, adaptive average; forward and backward), which
// share its window geometry. Spec: native/kernels/conv_api.h, docs/numerics.md "Convolution" and
// "Pooling"; twins: lib/backend/js/conv.ts, lib/backend/js/pool.ts.
import { arg, defineFamily } from '../contract.js';

/** A 2-D convolution's geometry for one group of one sample (Conv1d: H = kh = 1). */
export interface ConvGeometry {
  /** Channels of the group, input height and width. */
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  /** Padding before the first row / column (the padding after is implied by OH, OW). */
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly OH: number;
  readonly OW: number;
}

/**
 * im2col / col2im work on n samples of one group: sample s is C·H·W values at s·xStride of x / dx
 * (default n = 1), col is the K × (n·P) matrix (K = C·kh·kw, P = OH·OW) whose columns s·P … s·P + P − 1
 * are sample s's patches.
 */
export interface ConvKernels {
  /** col = the patches of x, +0 where a tap falls in the padding (exact copies). */
  im2col(x: Float32Array, g: ConvGeometry, col: Float32Array, n?: number, xStride?: number): void;
  /** Each sample's C planes of dx = +0, then every col entry added at its tap, taps of an element in increasing (i, j) order; nothing else of dx is written. */
  col2im(col: Float32Array, g: ConvGeometry, dx: Float32Array, n?: number, xStride?: number): void;
  /**
   * A whole convolution's forward over n samples of `groups` groups (x: n × groups·C planes of H × W;
   * weight: groups·outPerGroup rows of C·kh·kw; y: n × groups·outPerGroup planes of OH × OW): for each
   * sample s and group q, y[s, q] = gemm(W_q, im2col(x[s, q])) (beta 0; a pointwise geometry — 1×1,
   * stride 1, no padding — multiplies x itself), then y = y + bias[o] on each row o (one binary32 add) when
   * bias is given. Same bits as those kernels called one item at a time.
   */
  forward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, g: ConvGeometry, n: number, groups: number, outPerGroup: number): void;
  /**
   * The input gradient of that convolution: for each sample s and group q, dx[s, q] =
   * col2im(gemm(W_qᵀ, dy[s, q])) (beta 0); a pointwise geometry writes the GEMM straight into dx.
   */
  backwardData(dy: Float32Array, weight: Float32Array, dx: Float32Array, g: ConvGeometry, n: number, groups: number, outPerGroup: number): void;
  /**
   * The weight gradient of that convolution: for each group q, dw_q = gemm(dy[s, q], im2col(x[s, q]),
   * transB) over the samples s in order, beta 0 for s = 0 and 1 after (each sample's k blocks folded into
   * the running sum by the GEMM spec; k = OH·OW per sample); n = 0 gives +0.
   */
  backwardWeight(dy: Float32Array, x: Float32Array, dw: Float32Array, g: ConvGeometry, n: number, groups: number, outPerGroup: number): void;
  /** y (C planes of OH × OW) = each window's maximum (torch's NaN rule), idx its index h·W + w in the plane. */
  maxPoolForward(x: Float32Array, g: ConvGeometry, y: Float32Array, idx: Int32Array): void;
  /** dx = +0, then dx[idx] += dy in output order, plane by plane. */
  maxPoolBackward(dy: Float32Array, idx: Int32Array, g: ConvGeometry, dx: Float32Array): void;
  /** y = each window's sum (taps in row-major order) / its divisor (kh·kw with countIncludePad, else the taps inside). */
  avgPoolForward(x: Float32Array, g: ConvGeometry, countIncludePad: boolean, y: Float32Array): void;
  /** dx = +0, then dy / divisor added at each tap inside, outputs in order. */
  avgPoolBackward(dy: Float32Array, g: ConvGeometry, countIncludePad: boolean, dx: Float32Array): void;
  /** torch's adaptive windows [⌊o·L/O⌋, ⌈(o+1)·L/O⌉) over C planes of H × W, averaged as avgPoolForward. */
  adaptiveAvgPoolForward(x: Float32Array, C: number, H: number, W: number, OH: number, OW: number, y: Float32Array): void;
  adaptiveAvgPoolBackward(dy: Float32Array, C: number, H: number, W: number, OH: number, OW: number, dx: Float32Array): void;
}

const geoArgs = [
  arg.size('C'), arg.size('H'), arg.size('W'), arg.size('kh'), arg.size('kw'), arg.size('sh'), arg.size('sw'),
  arg.size('ph'), arg.size('pw'), arg.size('dh'), arg.size('dw'), arg.size('OH'), arg.size('OW'),
] as const;

const planeArgs = [arg.size('C'), arg.size('H'), arg.size('W'), arg.size('OH'), arg.size('OW')] as const;

export const conv = defineFamily<ConvKernels>()({
  name: 'conv',
  doc: 'im2col and col2im of a convolution (one group of n samples), a whole forward, input and weight gradient, and the pools',
  table: true,
  declarations: [],
  entries: {
    convIm2col: { args: [arg.f32('x'), ...geoArgs, arg.size('n'), arg.size('xStride'), arg.f32('col')] },
    convCol2im: { args: [arg.f32('col'), ...geoArgs, arg.size('n'), arg.size('xStride'), arg.f32('dx')] },
    convForward: { args: [arg.f32('x'), arg.f32('weight'), arg.f32OrNull('bias'), arg.f32('y'), ...geoArgs, arg.size('n'), arg.size('groups'), arg.size('outPerGroup')] },
    convBackwardData: { args: [arg.f32('dy'), arg.f32('weight'), arg.f32('dx'), ...geoArgs, arg.size('n'), arg.size('groups'), arg.size('outPerGroup')] },
    convBackwardWeight: { args: [arg.f32('dy'), arg.f32('x'), arg.f32('dw'), ...geoArgs, arg.size('n'), arg.size('groups'), arg.size('outPerGroup')] },
    maxPoolForward: { args: [arg.f32('x'), ...geoArgs, arg.f32('y'), arg.i32('idx')] },
    maxPoolBackward: { args: [arg.f32('dy'), arg.i32('idx'), ...geoArgs, arg.f32('dx')] },
    avgPoolForward: { args: [arg.f32('x'), ...geoArgs, arg.bool('countIncludePad'), arg.f32('y')] },
    avgPoolBackward: { args: [arg.f32('dy'), ...geoArgs, arg.bool('countIncludePad'), arg.f32('dx')] },
    adaptiveAvgPoolForward: { args: [arg.f32('x'), ...planeArgs, arg.f32('y')] },
    adaptiveAvgPoolBackward: { args: [arg.f32('dy'), ...planeArgs, arg.f32('dx')] },
  },
  adapt: (a) => ({
    im2col: (x, g, col, n = 1, xs = g.C * g.H * g.W) => a.convIm2col(x, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, n, xs, col),
    col2im: (col, g, dx, n = 1, xs = g.C * g.H * g.W) => a.convCol2im(col, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, n, xs, dx),
    forward: (x, w, b, y, g, n, G, og) => a.convForward(x, w, b, y, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, n, G, og),
    backwardData: (dy, w, dx, g, n, G, og) => a.convBackwardData(dy, w, dx, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, n, G, og),
    backwardWeight: (dy, x, dw, g, n, G, og) => a.convBackwardWeight(dy, x, dw, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, n, G, og),
    maxPoolForward: (x, g, y, idx) => a.maxPoolForward(x, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, y, idx),
    maxPoolBackward: (dy, idx, g, dx) => a.maxPoolBackward(dy, idx, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, dx),
    avgPoolForward: (x, g, cip, y) => a.avgPoolForward(x, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, cip, y),
    avgPoolBackward: (dy, g, cip, dx) => a.avgPoolBackward(dy, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, cip, dx),
    adaptiveAvgPoolForward: (x, C, H, W, OH, OW, y) => a.adaptiveAvgPoolForward(x, C, H, W, OH, OW, y),
    adaptiveAvgPoolBackward: (dy, C, H, W, OH, OW, dx) => a.adaptiveAvgPoolBackward(dy, C, H, W, OH, OW, dx),
  }),
});
