// Pooling kernels over planes (docs/numerics.md "Pooling"; the native twins: native/kernels/conv.h):
// x is C planes of H × W (C = N·channels for NCHW), y C planes of OH × OW. Window (oh, ow) covers rows oh·sh − ph + i·dh (i < kh) and columns
// ow·sw − pw + j·dw (j < kw); taps in the padding are skipped. Everything binary32, in this order:
//
//   max      m = −Inf, k = the first tap inside; for each tap (i, j) in row-major order: if (v > m || v is NaN)
//            { m = v; k = its index h·W + w } (torch's rule: a NaN wins, the last NaN of a window);
//            y = m, idx = k (an int32 index into the plane)
//   max bwd  dx = +0; for each output in order (plane, oh, ow): dx[idx] = dx[idx] + dy
//   avg      s = +0; s = s + v for each tap in row-major order; y = s / d, d = fround(kh·kw) with
//            countIncludePad (taps in the padding count as zeros), else the number of taps inside
//   avg bwd  dx = +0; for each output in order: t = dy / d; dx = dx + t at each tap inside, row-major
//   adaptive window rows [floor(oh·H / OH), ceil((oh + 1)·H / OH)), columns likewise; as avg without
//            padding (d = the window's size)

import type { ConvGeometry } from '../kernels.js';

/** A convolution's window geometry; C counts every plane pooled (N·channels). */
export type PoolGeometry = ConvGeometry;

const fr = Math.fround;

export function maxPoolForward(x: Float32Array, g: PoolGeometry, y: Float32Array, idx: Int32Array): void {
  const { C: planes, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        let m = -Infinity, k = -1;
        for (let i = 0; i < kh; i++) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = ow * sw - pw + j * dw;
            if (w < 0 || w >= W) continue;
            const v = x[base + h * W + w];
            if (k < 0) k = h * W + w;
            if (v > m || v !== v) {
              m = v;
              k = h * W + w;
            }
          }
        }
        y[o] = m;
        idx[o] = k;
      }
    }
  }
}

export function maxPoolBackward(dy: Float32Array, idx: Int32Array, g: PoolGeometry, dx: Float32Array): void {
  const { C: planes, H, W, OH, OW } = g;
  dx.fill(0, 0, planes * H * W);
  const P = OH * OW;
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * H * W;
    for (let q = 0; q < P; q++, o++) dx[base + idx[o]] += dy[o];
  }
}

export function avgPoolForward(x: Float32Array, g: PoolGeometry, countIncludePad: boolean, y: Float32Array): void {
  const { C: planes, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  const full = fr(kh * kw);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        let s = 0, n = 0;
        for (let i = 0; i < kh; i++) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = ow * sw - pw + j * dw;
            if (w < 0 || w >= W) continue;
            s = fr(s + x[base + h * W + w]);
            n++;
          }
        }
        y[o] = s / (countIncludePad ? full : n);
      }
    }
  }
}

export function avgPoolBackward(dy: Float32Array, g: PoolGeometry, countIncludePad: boolean, dx: Float32Array): void {
  const { C: planes, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  dx.fill(0, 0, planes * H * W);
  const full = fr(kh * kw);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = ow * sw - pw;
        let d = full;
        if (!countIncludePad) {
          let n = 0;
          for (let i = 0; i < kh; i++) {
            const h = h0 + i * dh;
            if (h >= 0 && h < H) for (let j = 0; j < kw; j++) { const w = w0 + j * dw; if (w >= 0 && w < W) n++; }
          }
          d = n;
        }
        const t = fr(dy[o] / d);
        for (let i = 0; i < kh; i++) {
          const h = h0 + i * dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = w0 + j * dw;
            if (w >= 0 && w < W) dx[base + h * W + w] += t;
          }
        }
      }
    }
  }
}

/** Adaptive windows: [floor(o·L / OL), ceil((o + 1)·L / OL)). */
export function adaptiveStart(o: number, L: number, OL: number): number {
  return Math.floor((o * L) / OL);
}
export function adaptiveEnd(o: number, L: number, OL: number): number {
  return Math.ceil(((o + 1) * L) / OL);
}

export function adaptiveAvgPoolForward(x: Float32Array, planes: number, H: number, W: number, OH: number, OW: number, y: Float32Array): void {
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = adaptiveStart(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = adaptiveStart(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s = fr(s + x[base + h * W + w]);
        y[o] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}

export function adaptiveAvgPoolBackward(dy: Float32Array, planes: number, H: number, W: number, OH: number, OW: number, dx: Float32Array): void {
  dx.fill(0, 0, planes * H * W);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = adaptiveStart(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = adaptiveStart(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
        const t = fr(dy[o] / ((h1 - h0) * (w1 - w0)));
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dx[base + h * W + w] += t;
      }
    }
  }
}
