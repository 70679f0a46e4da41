// MaxPoolGrad (channels last): tfjs's CPU kernel finds each window's maximum through TensorBuffer
// lookups and then, for every input position, scans every window that covers it; here each window's
// maximum is found once (channels innermost, as the data lie) and dy goes straight to it. The same
// rule picks the maximum: the first value strictly greater than everything before it in the window
// (row by row), starting from −Infinity, so a window of NaN or −Infinity only passes no gradient. Where
// windows overlap, the contributions to one input are summed in float64 and rounded once, as the CPU
// kernel does.
import { backend_util, MaxPoolGrad } from '@tensorflow/tfjs-core';
import { alloc, f32, output, type FastgradKernel } from './util.js';

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
    const acc = new Float64Array(X.length), best = new Float32Array(C), at = new Int32Array(C);
    for (let b = 0; b < N; b++) {
      for (let oh = 0; oh < OH; oh++) {
        const r0 = oh * sh - info.padInfo.top;
        for (let ow = 0; ow < OW; ow++) {
          const c0 = ow * sw - info.padInfo.left;
          best.fill(-Infinity);
          at.fill(-1);
          for (let r = Math.max(r0, 0); r < Math.min(H, r0 + kh); r++) {
            for (let q = Math.max(c0, 0); q < Math.min(W, c0 + kw); q++) {
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
          for (let c = 0; c < C; c++) if (at[c] >= 0) acc[at[c]] += DY[d + c];
        }
      }
    }
    const dx = alloc(backend, X.length);
    for (let i = 0; i < dx.length; i++) dx[i] = acc[i];
    return output(backend, input.shape, dx);
  },
};
