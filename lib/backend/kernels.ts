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
  readonly optim: OptimKernels;
}

/**
 * Optimizer steps (native/kernels/optim_api.h has the spec of every algorithm). One call steps T
 * tensors: tensor t uses flags[t], the scalars h[t*OPTIM_H .. t*OPTIM_H + OPTIM_H), params[t],
 * grads[t] and states[3t .. 3t+2] (null where the algorithm does not use that slot).
 * Every buffer must be disjoint from every other.
 */
export interface OptimKernels {
  step(
    algo: import('./optim_spec.js').OptimAlgo,
    flags: Int32Array,
    h: Float32Array,
    params: readonly Float32Array[],
    grads: readonly Float32Array[],
    states: readonly (Float32Array | null)[],
  ): void;
  /** out[t] = canonical sum (DESIGN §2) of arrays[t][i] * arrays[t][i]; one pass over every array. */
  sumSquares(arrays: readonly Float32Array[], out: Float32Array): void;
}
