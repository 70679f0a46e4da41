// The convolution's data movement (docs/numerics.md "Convolution"): im2col gathers the input patches of
// n samples of one group into a K × n·P column matrix (K = channels·kh·kw rows, P = OH·OW columns per
// sample, sample s in columns s·P …) that the GEMM multiplies; col2im scatters such a matrix of patch
// gradients back onto the inputs, adding them in the canonical order. im2col only copies (exact), so only col2im has an order to agree on:
//   dx[c][h][w] = +0, then dx[c][h][w] = dx[c][h][w] + col[(c·kh + i)·kw + j][oh·OW + ow] for every
//   (i, j) in increasing row-major order whose patch (oh, ow) covers (h, w) — one binary32 add each.
// Rows r = (c, i, j) are visited in increasing order and inside a row the columns in increasing order,
// which gives each element exactly that sequence (a given (i, j) reaches a given (h, w) from at most one
// (oh, ow)).

import type { ConvGeometry, ConvKernels } from '../kernels.js';
import { gemm } from './gemm.js';
import { adaptiveAvgPoolBackward, adaptiveAvgPoolForward, avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from './pool.js';

/** col (C·kh·kw × n·OH·OW) = the patches of the n samples of x (C × H × W each, at s·xStride); +0 where a tap falls in the padding. */
function im2col(x: Float32Array, g: ConvGeometry, col: Float32Array, n = 1, xStride = g.C * g.H * g.W): void {
  const { C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  const P = OH * OW, ld = n * P;
  for (let s = 0; s < n; s++) {
    const xOff = s * xStride;
    let r = 0;
    for (let c = 0; c < C; c++) {
      const plane = xOff + c * H * W;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++, r++) {
          let o = r * ld + s * P;
          for (let oh = 0; oh < OH; oh++) {
            const h = oh * sh - ph + i * dh;
            if (h < 0 || h >= H) {
              col.fill(0, o, o + OW);
              o += OW;
              continue;
            }
            const row = plane + h * W;
            let w = j * dw - pw;
            for (let ow = 0; ow < OW; ow++, o++, w += sw) col[o] = w >= 0 && w < W ? x[row + w] : 0;
          }
        }
      }
    }
  }
}

/** Each sample's C planes of dx (at s·xStride) = +0, then every col entry added at its tap, in the order of the file comment. */
function col2im(col: Float32Array, g: ConvGeometry, dx: Float32Array, n = 1, xStride = g.C * g.H * g.W): void {
  const { C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  const P = OH * OW, ld = n * P;
  for (let s = 0; s < n; s++) {
    const dxOff = s * xStride;
    dx.fill(0, dxOff, dxOff + C * H * W);
    let r = 0;
    for (let c = 0; c < C; c++) {
      const plane = dxOff + c * H * W;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++, r++) {
          let o = r * ld + s * P;
          for (let oh = 0; oh < OH; oh++) {
            const h = oh * sh - ph + i * dh;
            if (h < 0 || h >= H) {
              o += OW;
              continue;
            }
            const row = plane + h * W;
            let w = j * dw - pw;
            for (let ow = 0; ow < OW; ow++, o++, w += sw) if (w >= 0 && w < W) dx[row + w] += col[o];
          }
        }
      }
    }
  }
}

/** True when x itself is the column matrix (1×1 kernel, stride 1, no padding). */
export function isPointwiseGeometry(g: ConvGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0 && g.OH === g.H && g.OW === g.W;
}

/** ConvKernels.forward: per (sample, group) item, im2col, one GEMM (beta 0), then the bias rows. */
function forward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, g: ConvGeometry, n: number, groups: number, og: number): void {
  const K = g.C * g.kh * g.kw, P = g.OH * g.OW, X = g.C * g.H * g.W, direct = isPointwiseGeometry(g);
  const col = direct ? null : new Float32Array(K * P);
  for (let t = 0; t < n * groups; t++) {
    const q = t % groups, xs = x.subarray(t * X, (t + 1) * X), yt = y.subarray(t * og * P, (t + 1) * og * P);
    if (col) im2col(xs, g, col);
    gemm(weight.subarray(q * og * K, (q + 1) * og * K), col ?? xs, yt, og, P, K, false, false, 1, 0, null, 'none');
    if (!bias) continue;
    for (let o = 0; o < og; o++) {
      const v = bias[q * og + o];
      for (let p = o * P; p < (o + 1) * P; p++) yt[p] = Math.fround(yt[p] + v);
    }
  }
}

/** ConvKernels.backwardData: per (sample, group) item, one GEMM (Wᵀ·dy, beta 0), then col2im (pointwise: straight into dx). */
function backwardData(dy: Float32Array, weight: Float32Array, dx: Float32Array, g: ConvGeometry, n: number, groups: number, og: number): void {
  const K = g.C * g.kh * g.kw, P = g.OH * g.OW, X = g.C * g.H * g.W, direct = isPointwiseGeometry(g);
  const col = direct ? null : new Float32Array(K * P);
  for (let t = 0; t < n * groups; t++) {
    const q = t % groups, dxt = dx.subarray(t * X, (t + 1) * X);
    gemm(weight.subarray(q * og * K, (q + 1) * og * K), dy.subarray(t * og * P, (t + 1) * og * P), col ?? dxt, K, P, og, true, false, 1, 0, null, 'none');
    if (col) col2im(col, g, dxt);
  }
}

/** ConvKernels.backwardWeight: per group, the samples in order: im2col, dw_q = gemm(dy, colᵀ) with beta 0 for the first and 1 after. */
function backwardWeight(dy: Float32Array, x: Float32Array, dw: Float32Array, g: ConvGeometry, n: number, groups: number, og: number): void {
  const K = g.C * g.kh * g.kw, P = g.OH * g.OW, X = g.C * g.H * g.W, direct = isPointwiseGeometry(g);
  if (n === 0 || P === 0) {
    dw.fill(0, 0, groups * og * K);
    return;
  }
  const col = direct ? null : new Float32Array(K * P);
  for (let q = 0; q < groups; q++) {
    for (let s = 0; s < n; s++) {
      const t = s * groups + q, xs = x.subarray(t * X, (t + 1) * X);
      if (col) im2col(xs, g, col);
      gemm(dy.subarray(t * og * P, (t + 1) * og * P), col ?? xs, dw.subarray(q * og * K, (q + 1) * og * K), og, K, P, false, true, 1, s === 0 ? 0 : 1, null, 'none');
    }
  }
}

export const jsConv: ConvKernels = {
  backwardWeight,
  im2col,
  col2im,
  forward,
  backwardData,
  maxPoolForward,
  maxPoolBackward,
  avgPoolForward,
  avgPoolBackward,
  adaptiveAvgPoolForward,
  adaptiveAvgPoolBackward,
};
