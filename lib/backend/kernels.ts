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
  readonly reduce: ReduceKernels;
}

/** Reductions (spec: native/kernels/reduce_api.h, docs/numerics.md "Reduction family"). */
export type ReduceOp = 'sum' | 'mean' | 'sumSquares' | 'norm' | 'max' | 'argmax' | 'variance';
export const REDUCE_OP_CODE: Readonly<Record<ReduceOp, number>> = { sum: 0, mean: 1, sumSquares: 2, norm: 3, max: 4, argmax: 5, variance: 6 };

export interface ReduceKernels {
  /**
   * op over all of x: the binary32 result, or for argmax the exact integer index. `divisor` is
   * variance's binary32 divisor max(0, n - correction) (ignored by the other ops). max/argmax need x non-empty.
   */
  all(op: ReduceOp, x: Float32Array, divisor: number): number;
  /**
   * op along one axis of the row-major rows × cols matrix x: axis 0 reduces each column into out[cols],
   * axis 1 each row into out[rows]; argmax writes indices rounded to binary32. out must not overlap x.
   */
  axis(op: ReduceOp, x: Float32Array, rows: number, cols: number, axis: 0 | 1, divisor: number, out: Float32Array): void;
  /** sqrt of the sum, in list order, of each array's canonical sum of squares (one call for the whole list). */
  normL2List(xs: readonly Float32Array[]): number;
}
