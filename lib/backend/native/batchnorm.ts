// Adapts the addon's batch-norm bindings (native/binding/batchnorm.cc) to BatchNormKernels.
import type { BatchNormKernels } from '../kernels.js';

type F = Float32Array;

interface BatchnormAddon {
  bnStats(x: F, outer: number, channels: number, inner: number, s1: F, s2: F): void;
  bnGradSums(x: F, dy: F, mean: F, invstd: F, outer: number, channels: number, inner: number, s1: F, s2: F): void;
  bnAffine(x: F, mean: F, scale: F, shift: F, y: F, outer: number, channels: number, inner: number): void;
  bnDx(x: F, dy: F, mean: F, invstd: F, g: F, c1: F, c2: F, dx: F, outer: number, channels: number, inner: number): void;
}

export function nativeBatchnorm(addon: object): BatchNormKernels {
  const a = addon as BatchnormAddon;
  return {
    stats: (x, L, s1, s2) => a.bnStats(x, L.outer, L.channels, L.inner, s1, s2),
    gradSums: (x, dy, mean, invstd, L, s1, s2) => a.bnGradSums(x, dy, mean, invstd, L.outer, L.channels, L.inner, s1, s2),
    affine: (x, mean, scale, shift, y, L) => a.bnAffine(x, mean, scale, shift, y, L.outer, L.channels, L.inner),
    dx: (x, dy, mean, invstd, g, c1, c2, dx, L) => a.bnDx(x, dy, mean, invstd, g, c1, c2, dx, L.outer, L.channels, L.inner),
  };
}
