// Batch-norm family: the four heavy passes of batch normalization. Spec: native/kernels/batchnorm_api.h,
// docs/numerics.md "Batch normalization"; twin: lib/backend/js/batchnorm.ts.
import { arg, defineFamily } from '../contract.js';

/**
 * Batch-norm layout: x is (outer, channels, inner) row-major, element (o, c, i) at (o*channels + c)*inner + i.
 * Channel c's terms in order: j = o*inner + i. (N,C): inner 1; (N,C,L): inner L; (N,C,H,W): inner H*W;
 * channels-last (N,H,W,C): outer N*H*W, inner 1.
 */
export interface BatchNormLayout {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

/** The four passes of batch normalization. Per-channel arrays have length channels. */
export interface BatchNormKernels {
  /** Canonical sums per channel with shift K = first term: s1 = Σ(x − K), s2 = Σ(x − K)². */
  stats(x: Float32Array, L: BatchNormLayout, s1: Float32Array, s2: Float32Array): void;
  /** s1 = Σ dy, s2 = Σ dy·((x − mean)·invstd). */
  gradSums(x: Float32Array, dy: Float32Array, mean: Float32Array, invstd: Float32Array, L: BatchNormLayout, s1: Float32Array, s2: Float32Array): void;
  /** y = ((x − mean)·scale) + shift. */
  affine(x: Float32Array, mean: Float32Array, scale: Float32Array, shift: Float32Array, y: Float32Array, L: BatchNormLayout): void;
  /** dx = g·((dy − c1) − ((x − mean)·invstd)·c2). */
  dx(x: Float32Array, dy: Float32Array, mean: Float32Array, invstd: Float32Array, g: Float32Array, c1: Float32Array, c2: Float32Array, dx: Float32Array, L: BatchNormLayout): void;
}

const layout = [arg.size('outer'), arg.size('channels'), arg.size('inner')] as const;

export const batchnorm = defineFamily<BatchNormKernels>()({
  name: 'batchnorm',
  doc: 'statistics, gradient sums, the affine map and dx of batch normalization',
  table: true,
  declarations: [],
  entries: {
    bnStats: { args: [arg.f32('x'), ...layout, arg.f32('s1'), arg.f32('s2')], async: true },
    bnGradSums: { args: [arg.f32('x'), arg.f32('dy'), arg.f32('mean'), arg.f32('invstd'), ...layout, arg.f32('s1'), arg.f32('s2')], async: true },
    bnAffine: { args: [arg.f32('x'), arg.f32('mean'), arg.f32('scale'), arg.f32('shift'), arg.f32('y'), ...layout], async: true },
    bnDx: {
      args: [arg.f32('x'), arg.f32('dy'), arg.f32('mean'), arg.f32('invstd'), arg.f32('g'), arg.f32('c1'), arg.f32('c2'), arg.f32('dx'), ...layout],
      async: true,
    },
  },
  adapt: (a) => ({
    stats: (x, L, s1, s2) => a.bnStats(x, L.outer, L.channels, L.inner, s1, s2),
    gradSums: (x, dy, mean, invstd, L, s1, s2) => a.bnGradSums(x, dy, mean, invstd, L.outer, L.channels, L.inner, s1, s2),
    affine: (x, mean, scale, shift, y, L) => a.bnAffine(x, mean, scale, shift, y, L.outer, L.channels, L.inner),
    dx: (x, dy, mean, invstd, g, c1, c2, dx, L) => a.bnDx(x, dy, mean, invstd, g, c1, c2, dx, L.outer, L.channels, L.inner),
  }),
  asyncMethods: ['stats', 'gradSums', 'affine', 'dx'],
});
