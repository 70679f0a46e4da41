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
  readonly batchnorm: BatchNormKernels;
  readonly rng: RngKernels;
  readonly optim: OptimKernels;
  readonly unary: UnaryKernels;
  readonly gemm: GemmKernels;
  readonly async: AsyncKernels;
  readonly conv: ConvKernels;
  readonly layernorm: LayerNormKernels;
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

/** The four passes of batch normalization (spec: native/kernels/batchnorm_api.h, docs/numerics.md). Per-channel arrays have length channels. */
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

/**
 * Philox4x32-10 fills (spec: native/kernels/rng_api.h). Element i of a fill comes from word i mod 4 of
 * block start + floor(i / 4) under key (k0, k1); a fill of n elements consumes ceil(n / 4) blocks.
 * `start` is an integer block counter in [0, 2^53).
 */
export interface RngKernels {
  /** out[i] = lo + (scale * u_i), u_i = (w >> 8) * 2^-24 in [0, 1); lo and scale are binary32. */
  uniform(k0: number, k1: number, start: number, lo: number, scale: number, out: Float32Array): void;
  /** out[i] = mean + (std * z_i), z_i standard normal by Box–Muller on the fixed polynomials; mean and std are binary32. */
  normal(k0: number, k1: number, start: number, mean: number, std: number, out: Float32Array): void;
  /** One Philox4x32-10 block: counter (4 uint32), key (2 uint32) -> 4 uint32 (known-answer tests). */
  block(counter: ArrayLike<number>, key: ArrayLike<number>): Uint32Array;
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

/** Activation applied by a GEMM epilogue (after the optional bias row). */
export type GemmActivation = 'none' | 'relu' | 'sigmoid' | 'tanh';
export const GEMM_ACTIVATION_CODE: Readonly<Record<GemmActivation, number>> = { none: 0, relu: 1, sigmoid: 2, tanh: 3 };

/** The k block of the GEMM spec (GEMM_KC in native/kernels/gemm_api.h; docs/numerics.md "GEMM"). */
export const GEMM_KC = 256;

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

/** The same functions as T, each returning a Promise<void> that settles when the work is done. */
export type Asyncified<T> = { readonly [K in keyof T]: T[K] extends (...a: infer A) => void ? (...a: A) => Promise<void> : never };

/**
 * Promise-returning variants of the long kernels (docs/reliability.md): same arguments and bits as the
 * synchronous ones. Native: validated on the calling thread (errors throw synchronously, nothing is
 * queued), run on the libuv thread pool; every array is referenced until the Promise settles and must
 * not be touched before then (a detached one makes the Promise reject). JS backend: runs the sync
 * kernel on the calling thread and returns a resolved Promise.
 */
export interface AsyncKernels {
  readonly batchnorm: Asyncified<BatchNormKernels>;
  readonly optim: Asyncified<OptimKernels>;
  readonly gemm: Asyncified<Pick<GemmKernels, 'gemm'>>;
}

/** A 2-D convolution's geometry for one group of one sample (Conv1d: H = kh = 1); spec native/kernels/conv_api.h. */
export interface ConvGeometry {
  /** Channels of the group, input height and width. */
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  /** Padding before the first row / column (the padding after is implied by OH, OW). */
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly OH: number;
  readonly OW: number;
}

/** Convolution data movement (docs/numerics.md "Convolution"). x / dx hold C·H·W values, col C·kh·kw × OH·OW. */
export interface ConvKernels {
  /** col = the patches of x, +0 where a tap falls in the padding (exact copies). */
  im2col(x: Float32Array, g: ConvGeometry, col: Float32Array): void;
  /** dx = +0, then every col entry added at its tap, taps of an element in increasing (i, j) order. */
  col2im(col: Float32Array, g: ConvGeometry, dx: Float32Array): void;
}

/** Layer normalization over the last D values of R rows (spec: native/kernels/layernorm_api.h, docs/numerics.md). */
export interface LayerNormKernels {
  /** y, and each row's mean and rstd; gamma and beta both or neither. eps is binary32. */
  forward(x: Float32Array, R: number, D: number, eps: number, gamma: Float32Array | null, beta: Float32Array | null, y: Float32Array, mean: Float32Array, rstd: Float32Array): void;
  /** dx, and (when given) dgamma, dbeta: canonical column sums over the rows. */
  backward(dy: Float32Array, x: Float32Array, R: number, D: number, mean: Float32Array, rstd: Float32Array, gamma: Float32Array | null,
    dx: Float32Array, dgamma: Float32Array | null, dbeta: Float32Array | null): void;
}
