// Unary tensor ops: neg, abs, sqrt, square, exp, log, relu, sigmoid, tanh; softmax and logSoftmax
// along the last axis; the activation backward functions (from the forward output). Exact op order
// of each: native/kernels/unary_api.h and docs/numerics.md ("Unary family").
// Every op records its tape node when x requires grad (backward from the saved input or output):
//   neg -g · abs g·sign(x) · sqrt g/(2y) · square 2x·g · exp g·y · log g/x · relu/sigmoid/tanh the
//   activation backward from y · softmax y·(g − Σ g·y) · logSoftmax g − exp(y)·Σ g.
import { recycleF32 } from '../backend/buffers.js';
import type { ActivationBackward, UnaryOp } from '../backend/kernels.js';
import { recordOp as record } from '../autograd/engine.js';
import { checkTensor, formatShape, makeTensor, sameShape, Tensor } from '../tensor.js';
import { checkOptions, describe } from '../validate.js';
import { copyStrided, empty, fresh, kfor, needs1, normDim, stridesOf, type KernelKind } from './core.js';
import { outputFor, type OutOptions } from './util.js';
import { expandData, reduceData } from './reduce.js';

/** The dispatch kind of a unary map: the transcendental ones repay a native call sooner (core.ts SMALL_FOR). */
const TRANSCENDENTAL: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['exp', 'log', 'sigmoid', 'tanh']);
const kindOf = (op: UnaryOp): KernelKind => (TRANSCENDENTAL.has(op) ? 'transcendental' : 'streaming');

/** out = op(x) (dispatch by size). */
export function unaryData(op: UnaryOp, x: Float32Array, out: Float32Array): void {
  kfor(x.length, kindOf(op)).unary.map(op, x, out);
}

function mapT(op: UnaryOp, x: Tensor): Tensor {
  const out = empty(x.shape, x.size);
  kfor(x.size, kindOf(op)).unary.map(op, x.data, out.data);
  return out;
}

function binT(op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: Tensor): Tensor {
  const out = empty(a.shape, a.size);
  kfor(a.size).elementwise.binary(op, a.data, b.data, out.data, 1, a.size, 'full');
  return out;
}

/** g op (2·z), the temporary 2·z back to the buffer cache (made here, read no more). */
function withTwice(op: 'mul' | 'div', g: Tensor, z: Tensor): Tensor {
  const t = empty(z.shape, z.size);
  kfor(z.size).elementwise.scalar('mul', z.data, 2, t.data);
  const r = binT(op, g, t);
  recycleF32(t.data);
  return r;
}

function unary(op: UnaryOp, x: Tensor, opts: OutOptions | undefined): Tensor {
  checkTensor(x, 'x');
  const rec = needs1(x);
  if (rec && opts !== undefined) throw new Error(`${op}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad`);
  const out = opts === undefined ? empty(x.shape, x.size) : outputFor(x.shape, opts, op, [x]);
  kfor(x.size, kindOf(op)).unary.map(op, x.data, out.data);
  if (rec) recordUnary(op, x, out);
  return out;
}

function recordUnary(op: UnaryOp, x: Tensor, y: Tensor): void {
  switch (op) {
    case 'neg':
      record(y, op, [x], (g) => [mapT('neg', g)]);
      return;
    case 'abs':
      record(y, op, [x], (g) => {
        const o = fresh(g.shape, g.size), xd = x.data, gd = g.data;
        for (let i = 0; i < xd.length; i++) o.data[i] = xd[i] > 0 ? gd[i] : xd[i] < 0 ? -gd[i] : 0;
        return [o];
      }, [x]);
      return;
    case 'sqrt':
      record(y, op, [x], (g) => [withTwice('div', g, y)], [y]);
      return;
    case 'square':
      record(y, op, [x], (g) => [withTwice('mul', g, x)], [x]);
      return;
    case 'exp':
      record(y, op, [x], (g) => [binT('mul', g, y)], [y]);
      return;
    case 'log':
      record(y, op, [x], (g) => [binT('div', g, x)], [x]);
      return;
    case 'relu':
    case 'sigmoid':
    case 'tanh':
      record(y, op, [x], (g) => {
        const o = empty(y.shape, y.size);
        kfor(y.size).unary.backward(op, y.data, g.data, o.data);
        return [o];
      }, [y]);
      return;
  }
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
  /** The dim to normalize (default: the last). */
  dim?: number;
}

/** x moved so that dim is last (a copy unless dim is already last), as rows × cols. */
function lastDim(x: Float32Array, shape: readonly number[], d: number): { data: Float32Array; perm: number[] | null } {
  const r = shape.length;
  if (d === r - 1 || r <= 1) return { data: x, perm: null };
  const perm = [...shape.keys()].filter((i) => i !== d).concat([d]);
  const st = stridesOf(shape), t = new Float32Array(x.length);
  copyStrided(x, perm.map((i) => st[i]), t, perm.map((i) => shape[i]));
  return { data: t, perm };
}

/** The inverse of lastDim: data laid out with dim last, back to shape. */
function fromLastDim(t: Float32Array, shape: readonly number[], perm: number[] | null): Float32Array {
  if (perm === null) return t;
  const pshape = perm.map((i) => shape[i]), pst = stridesOf(pshape);
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  const out = new Float32Array(t.length);
  copyStrided(t, inv.map((i) => pst[i]), out, shape);
  return out;
}

/** out = softmax / logSoftmax of x (shape) along dim d, on the arrays (any d: moved last and back). */
export function softmaxData(name: 'softmax' | 'logSoftmax', x: Float32Array, shape: readonly number[], d: number, out: Float32Array): void {
  const r = shape.length, cols = r === 0 ? 1 : shape[d];
  const rows = cols === 0 ? 0 : x.length / cols;
  const { data, perm } = lastDim(x, shape, d);
  if (perm === null) {
    kfor(x.length, 'softmax').unary[name](data, out, rows, cols);
    return;
  }
  kfor(x.length, 'softmax').unary[name](data, data, rows, cols);
  out.set(fromLastDim(data, shape, perm));
}

function rowSoftmax(name: 'softmax' | 'logSoftmax', x: Tensor, dimOrOpts: number | SoftmaxOptions | undefined): Tensor {
  checkTensor(x, 'x');
  let dim: unknown = -1, given: Tensor | undefined;
  if (typeof dimOrOpts === 'number') dim = dimOrOpts;
  else if (dimOrOpts !== undefined) {
    checkOptions(dimOrOpts, `${name} options`, ['out', 'dim']);
    const o = dimOrOpts as SoftmaxOptions;
    dim = o.dim ?? -1;
    given = o.out;
  }
  if (typeof dim !== 'number') throw new TypeError(`Expected an integer for dim but received ${describe(dim)}`);
  const d = normDim(dim, x.ndim, 'dim', name);
  const rec = needs1(x);
  if (rec && given !== undefined) throw new Error(`${name}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad`);
  const out = given === undefined ? empty(x.shape, x.size) : outputFor(x.shape, { out: given }, name, [x]);
  softmaxData(name, x.data, x.shape, Math.min(d, Math.max(0, x.ndim - 1)), out.data);
  if (rec) {
    const shape = x.shape, dims = x.ndim === 0 ? [] : [d];
    const keep = shape.map((s, i) => (i === d ? 1 : s));
    record(out, name, [x], (g) => {
      if (name === 'softmax') {
        // y · (g − Σ g·y)
        // (gy, u and e below: made here, read no more: back to the buffer cache)
        const gy = binT('mul', g, out);
        const s = expandData(reduceData('sum', gy.data, shape, dims, 0), keep, shape);
        recycleF32(gy.data);
        const u = empty(shape, g.size);
        kfor(g.size).elementwise.binary('sub', g.data, s, u.data, 1, g.size, 'full');
        const r = binT('mul', out, u);
        recycleF32(u.data);
        recycleF32(s);
        return [r];
      }
      // g − exp(y) · Σ g
      const s = expandData(reduceData('sum', g.data, shape, dims, 0), keep, shape);
      const e = mapT('exp', out);
      kfor(g.size).elementwise.binary('mul', e.data, s, e.data, 1, g.size, 'full');
      const r = binT('sub', g, e);
      recycleF32(e.data);
      recycleF32(s);
      return [r];
    }, [out]);
  }
  return out;
}

/** softmax along dim (default the last): e^(x - max) / sum (canonical sum order); softmax(x, dim) or softmax(x, { dim, out }). */
export const softmax = (x: Tensor, dim?: number | SoftmaxOptions): Tensor => rowSoftmax('softmax', x, dim);
/** log-softmax along dim (default the last): (x - max) - log(sum e^(x - max)). */
export const logSoftmax = (x: Tensor, dim?: number | SoftmaxOptions): Tensor => rowSoftmax('logSoftmax', x, dim);

function activationBackward(op: ActivationBackward, y: Tensor, dy: Tensor, opts: OutOptions | undefined): Tensor {
  const name = `${op}Backward`;
  checkTensor(y, 'y');
  checkTensor(dy, 'dy');
  if (!sameShape(y.shape, dy.shape)) {
    throw new RangeError(`Expected dy of shape ${formatShape(y.shape)} (the shape of y) for ${name} but received shape ${formatShape(dy.shape)}`);
  }
  const out = outputFor(y.shape, opts, name, [y, dy]);
  kfor(y.size).unary.backward(op, y.data, dy.data, out.data);
  return out;
}

/** Gradient of relu from its output y: y > 0 ? dy : 0. */
export const reluBackward = (y: Tensor, dy: Tensor, opts?: OutOptions): Tensor => activationBackward('relu', y, dy, opts);
/** Gradient of sigmoid from its output y: dy * (y * (1 - y)). */
export const sigmoidBackward = (y: Tensor, dy: Tensor, opts?: OutOptions): Tensor => activationBackward('sigmoid', y, dy, opts);
/** Gradient of tanh from its output y: dy * (1 - y * y). */
export const tanhBackward = (y: Tensor, dy: Tensor, opts?: OutOptions): Tensor => activationBackward('tanh', y, dy, opts);
