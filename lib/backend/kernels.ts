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
  readonly unary: UnaryKernels;
}

/** Unary maps (same shape in and out); codes match native/kernels/unary_api.h UnaryOp. */
export type UnaryOp = 'neg' | 'abs' | 'sqrt' | 'square' | 'exp' | 'log' | 'relu' | 'sigmoid' | 'tanh';
export const UNARY_OP_CODE: Readonly<Record<UnaryOp, number>> = { neg: 0, abs: 1, sqrt: 2, square: 3, exp: 4, log: 5, relu: 6, sigmoid: 7, tanh: 8 };
/** Activation backward given the forward output y; codes match unary_api.h ActBackward. */
export type ActivationBackward = 'relu' | 'sigmoid' | 'tanh';
export const ACT_BACKWARD_CODE: Readonly<Record<ActivationBackward, number>> = { relu: 0, sigmoid: 1, tanh: 2 };

export interface UnaryKernels {
  /** out[i] = op(x[i]); out may be x. */
  map(op: UnaryOp, x: Float32Array, out: Float32Array): void;
  /** out[i] = dx from the forward output y[i] and upstream dy[i]; out may be y or dy. */
  backward(op: ActivationBackward, y: Float32Array, dy: Float32Array, out: Float32Array): void;
  /** Softmax of each row of a (rows × cols) matrix; out may be x. */
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** Log-softmax of each row of a (rows × cols) matrix; out may be x. */
  logSoftmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
}
