// The seam between the library and its two backends. Classes in lib/ call only these; the
// TypeScript backend (js/) and the native addon (native.ts) implement them with the same bits.
// Callers have already validated arguments; implementations may assume lengths are consistent.

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
export const BINARY_OP_CODE: Readonly<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3 };

/** How b is laid over a (rows × cols): same shape, one scalar, a row vector (cols) or a column vector (rows). */
export type Broadcast = 'full' | 'scalar' | 'row' | 'col';
export const BROADCAST_CODE: Readonly<Record<Broadcast, number>> = { full: 0, scalar: 1, row: 2, col: 3 };

export interface ElementwiseKernels {
  binary(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, rows: number, cols: number, mode: Broadcast): void;
  scalar(op: BinaryOp, a: Float32Array, s: number, out: Float32Array): void;
  /** y = y + alpha * x */
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;
  fill(value: number, out: Float32Array): void;
  copy(x: Float32Array, out: Float32Array): void;
  clamp(x: Float32Array, lo: number, hi: number, out: Float32Array): void;
}

export interface Kernels {
  readonly name: 'js' | 'native';
  readonly elementwise: ElementwiseKernels;
  readonly gemm: GemmKernels;
}

/** Activation applied by a GEMM epilogue (after the optional bias row). */
export type GemmActivation = 'none' | 'relu' | 'sigmoid' | 'tanh';
export const GEMM_ACTIVATION_CODE: Readonly<Record<GemmActivation, number>> = { none: 0, relu: 1, sigmoid: 2, tanh: 3 };

export interface GemmKernels {
  /**
   * c (m × n) = alpha·op(a)·op(b) + beta·c, then c += bias (a row of n, or null), then the activation.
   * op(a) is m × k (a is stored k × m when transA), op(b) is k × n (b stored n × k when transB).
   * alpha and beta are binary32 values. beta = 0 does not read c. Spec: docs/numerics.md "GEMM".
   */
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean,
    alpha: number, beta: number, bias: Float32Array | null, activation: GemmActivation): void;
  /** out = fma(a, b, c) elementwise, one rounding (native: the hardware fma; js: the exact emulation). */
  fmaf(a: Float32Array, b: Float32Array, c: Float32Array, out: Float32Array): void;
}
