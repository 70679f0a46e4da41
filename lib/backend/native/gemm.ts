// Adapts the addon's GEMM bindings (native/binding/gemm.cc) to GemmKernels.
import { GEMM_ACTIVATION_CODE, type GemmKernels } from '../kernels.js';

interface GemmAddon {
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean,
    alpha: number, beta: number, bias: Float32Array | null, activation: number): void;
  fmaf(a: Float32Array, b: Float32Array, c: Float32Array, out: Float32Array): void;
}

export function nativeGemm(addon: object): GemmKernels {
  const g = addon as GemmAddon;
  return {
    gemm: (a, b, c, m, n, k, transA, transB, alpha, beta, bias, activation) =>
      g.gemm(a, b, c, m, n, k, transA, transB, alpha, beta, bias, GEMM_ACTIVATION_CODE[activation]),
    fmaf: (a, b, c, out) => g.fmaf(a, b, c, out),
  };
}
