// FusedBatchNorm (tfjs's normalization with given moments, channels last) on fastgrad's batch-norm
// affine pass: y = ((x − mean)·scale') + offset with scale' = scale / sqrt(variance + ε) per channel.
import { FusedBatchNorm } from '@tensorflow/tfjs-core';
import { kernels } from '../../backend/select.js';
import { alloc, f32, output, type FastgradKernel } from './util.js';

const fr = Math.fround;

export const fusedBatchNormKernel: FastgradKernel = {
  kernelName: FusedBatchNorm,
  impl: ({ inputs, backend, attrs }) => {
    const { x, mean, variance, offset, scale } = inputs;
    const X = f32(backend, x);
    if (!X || x.shape.length === 0) return null;
    const C = x.shape[x.shape.length - 1];
    // Each per-channel input must be C values along the last axis (shape [C], [1, C], ...).
    const perChannel = (t: typeof x | undefined): Float32Array | null | undefined => {
      if (!t) return undefined;
      const v = f32(backend, t);
      return v && v.length === C && t.shape[t.shape.length - 1] === C && t.shape.length <= x.shape.length ? v : null;
    };
    const M = perChannel(mean), V = perChannel(variance), B = perChannel(offset), G = perChannel(scale);
    if (!M || !V || B === null || G === null) return null;
    const eps = fr((attrs?.varianceEpsilon as number | undefined) ?? 0.001);
    const s = new Float32Array(C), shift = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      s[c] = fr((G ? G[c] : 1) / fr(Math.sqrt(fr(V[c] + eps))));
      shift[c] = B ? B[c] : 0;
    }
    const y = alloc(backend, X.length);
    kernels().batchnorm.affine(X, M, s, shift, y, { outer: X.length / C, channels: C, inner: 1 });
    return output(backend, x.shape, y);
  },
};
