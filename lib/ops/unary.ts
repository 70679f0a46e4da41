// Unary tensor ops: neg, abs, sqrt, square, exp, log, relu, sigmoid, tanh; softmax and logSoftmax
// along the last axis; the activation backward functions (from the forward output). Exact op order
// of each: native/kernels/unary_api.h and docs/numerics.md ("Unary family").
import { kernels } from '../backend/select.js';
import type { ActivationBackward, UnaryOp } from '../backend/kernels.js';
import { checkTensor, formatShape, sameShape, Tensor } from '../tensor.js';
import { checkOptions, describe } from '../validate.js';
import { outputFor, type OutOptions } from './util.js';

function unary(op: UnaryOp, x: Tensor, opts: OutOptions | undefined): Tensor {
  checkTensor(x, 'x');
  const out = outputFor(x.shape, opts, op, [x]);
  kernels().unary.map(op, x.data, out.data);
  return out;
}

/** -x (sign bit flipped, so neg(0) = -0). */
export const neg = (x: Tensor, opts?: OutOptions): Tensor => unary('neg', x, opts);
/** |x| (sign bit cleared). */
export const abs = (x: Tensor, opts?: OutOptions): Tensor => unary('abs', x, opts);
/** Correctly rounded square root (NaN for x < 0, -0 for -0). */
export const sqrt = (x: Tensor, opts?: OutOptions): Tensor => unary('sqrt', x, opts);
/** x * x. */
export const square = (x: Tensor, opts?: OutOptions): Tensor => unary('square', x, opts);
/** e^x (max error 1 ulp; exp(-inf) = 0, exp(inf) = inf). */
export const exp = (x: Tensor, opts?: OutOptions): Tensor => unary('exp', x, opts);
/** Natural log (max error 1 ulp; log(±0) = -inf, log(x < 0) = NaN). */
export const log = (x: Tensor, opts?: OutOptions): Tensor => unary('log', x, opts);
/** x <= 0 ? +0 : x (NaN propagates). */
export const relu = (x: Tensor, opts?: OutOptions): Tensor => unary('relu', x, opts);
/** 1 / (1 + e^-x), computed as e^x / (1 + e^x) for x < 0 so the left tail keeps its precision. */
export const sigmoid = (x: Tensor, opts?: OutOptions): Tensor => unary('sigmoid', x, opts);
/** tanh(x) (tanh(±inf) = ±1, tanh(-0) = -0). */
export const tanh = (x: Tensor, opts?: OutOptions): Tensor => unary('tanh', x, opts);

export interface SoftmaxOptions extends OutOptions {
  /** The axis to normalize: only the last axis is supported (-1 or ndim - 1, the default). */
  dim?: number;
}

function rowSoftmax(name: 'softmax' | 'logSoftmax', x: Tensor, opts: SoftmaxOptions | undefined): Tensor {
  checkTensor(x, 'x');
  checkOptions(opts, `${name} options`, ['out', 'dim']);
  if (x.ndim !== 1 && x.ndim !== 2) {
    throw new RangeError(`Expected a 1-D or 2-D tensor for x of ${name} but received shape ${formatShape(x.shape)}`);
  }
  const { dim, out: given } = (opts ?? {}) as SoftmaxOptions;
  if (dim !== undefined && dim !== -1 && dim !== x.ndim - 1) {
    const what = `the last axis (-1 or ${x.ndim - 1})`;
    if (typeof dim !== 'number') throw new TypeError(`Expected ${what} for dim but received ${describe(dim)}`);
    throw new RangeError(`Expected ${what} for dim but received ${describe(dim)}`);
  }
  const out = outputFor(x.shape, given === undefined ? undefined : { out: given }, name, [x]);
  const cols = x.shape[x.ndim - 1];
  const rows = x.ndim === 2 ? x.shape[0] : 1;
  kernels().unary[name](x.data, out.data, rows, cols);
  return out;
}

/** softmax along the last axis of a 1-D or 2-D tensor: e^(x - max) / sum (canonical sum order). */
export const softmax = (x: Tensor, opts?: SoftmaxOptions): Tensor => rowSoftmax('softmax', x, opts);
/** log-softmax along the last axis of a 1-D or 2-D tensor: (x - max) - log(sum e^(x - max)). */
export const logSoftmax = (x: Tensor, opts?: SoftmaxOptions): Tensor => rowSoftmax('logSoftmax', x, opts);

function activationBackward(op: ActivationBackward, y: Tensor, dy: Tensor, opts: OutOptions | undefined): Tensor {
  const name = `${op}Backward`;
  checkTensor(y, 'y');
  checkTensor(dy, 'dy');
  if (!sameShape(y.shape, dy.shape)) {
    throw new RangeError(`Expected dy of shape ${formatShape(y.shape)} (the shape of y) for ${name} but received shape ${formatShape(dy.shape)}`);
  }
  const out = outputFor(y.shape, opts, name, [y, dy]);
  kernels().unary.backward(op, y.data, dy.data, out.data);
  return out;
}

/** Gradient of relu from its output y: y > 0 ? dy : 0. */
export const reluBackward = (y: Tensor, dy: Tensor, opts?: OutOptions): Tensor => activationBackward('relu', y, dy, opts);
/** Gradient of sigmoid from its output y: dy * (y * (1 - y)). */
export const sigmoidBackward = (y: Tensor, dy: Tensor, opts?: OutOptions): Tensor => activationBackward('sigmoid', y, dy, opts);
/** Gradient of tanh from its output y: dy * (1 - y * y). */
export const tanhBackward = (y: Tensor, dy: Tensor, opts?: OutOptions): Tensor => activationBackward('tanh', y, dy, opts);
