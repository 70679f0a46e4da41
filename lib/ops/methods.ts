// Tensor methods: every op of fg.ops as a method with the tensor first (a.add(b) is fg.ops.add(a, b)),
// the in-place forms (add_ sub_ mul_ div_ zero_ fill_ copy_ clamp_), item, tolist, backward, detach,
// and torch's printed form (toString, util.inspect).
import { backward as runBackward, recordOp as record, type BackwardOptions } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { registerHook, registerPostAccumulateGradHook, type PostAccumulateGradHook, type RemovableHandle, type TensorHook } from '../autograd/hooks.js';
import { checkTensor, formatShape, sameShape, Tensor, viewOf, type DType, type TensorData } from '../tensor.js';
import { checkNumber } from '../validate.js';
import { kfor } from './core.js';
import { add, binaryInto, broadcastShapes, clamp, div, maximum, minimum, mul, pow, sub } from './elementwise.js';
import { matmul, mm } from './matmul.js';
import { all, any, eq, ge, gt, isfinite, isinf, isnan, le, lt, maskedFill, ne, where } from './compare.js';
import { argsort, cumprod, cumsum, sort, topk } from './sort.js';
import { clone, dot, flip, logsumexp, outer, prod, reciprocal, repeat, rsqrt } from './composite.js';
import { diag, maskedSelect, nonzero, roll, scatter, scatterAdd, tril, triu } from './indexing.js';
import { ceil, cos, expm1, floor, log1p, round, sign, sin, trunc } from './pointwise.js';
import { norm } from './norm.js';
import { argmaxDim, argmin, max, mean, min, std, sum, var as var_, type ValuesIndices } from './reduce.js';
import { chunk, expand, expandAs, flatten, gather, indexSelect, narrow, permute, reshape, select, split, unbind, squeeze, t, toFloat, toInt, transpose, unsqueeze } from './shape.js';
import { abs, exp, log, logSoftmax, neg, relu, sigmoid, softmax, sqrt, square, tanh } from './unary.js';

type Dim = number | readonly number[];

declare module '../tensor.js' {
  interface Tensor<T extends DType = 'float32'> {
    add(other: Tensor | number): Tensor;
    sub(other: Tensor | number): Tensor;
    mul(other: Tensor | number): Tensor;
    div(other: Tensor | number): Tensor;
    pow(exponent: Tensor | number): Tensor;
    maximum(other: Tensor | number): Tensor;
    minimum(other: Tensor | number): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    square(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    sum(dim?: Dim | null, keepdim?: boolean): Tensor;
    mean(dim?: Dim | null, keepdim?: boolean): Tensor;
    var(dim?: Dim | null, keepdim?: boolean | { unbiased?: boolean; correction?: number; keepdim?: boolean }): Tensor;
    max(): Tensor;
    max(dim: number, keepdim?: boolean): ValuesIndices;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): ValuesIndices;
    argmax(dim?: number, keepdim?: boolean): Tensor<'int32'>;
    argmin(dim?: number, keepdim?: boolean): Tensor<'int32'>;
    std(dim?: Dim | null, keepdim?: boolean | { unbiased?: boolean; correction?: number; keepdim?: boolean }): Tensor;
    /** Elementwise comparisons (torch's eq ne gt ge lt le): 1 or 0 as an int32 tensor (fastgrad has no bool dtype). */
    eq(other: Tensor<DType> | number): Tensor<'int32'>;
    ne(other: Tensor<DType> | number): Tensor<'int32'>;
    gt(other: Tensor<DType> | number): Tensor<'int32'>;
    ge(other: Tensor<DType> | number): Tensor<'int32'>;
    lt(other: Tensor<DType> | number): Tensor<'int32'>;
    le(other: Tensor<DType> | number): Tensor<'int32'>;
    /** torch's x.where(condition, y): fg.ops.where(condition, x, y). */
    where(condition: Tensor<DType>, other: Tensor | number): Tensor;
    mm(other: Tensor): Tensor;
    /** torch's norm(p = 2, dim?, keepdim = false): 2-norm (gradient 0 at a zero norm), 1-norm, Infinity-norm, or any p > 0. */
    norm(p?: number, dim?: Dim | null, keepdim?: boolean): Tensor;
    split(splitSize: number | readonly number[], dim?: number): Tensor<T>[];
    chunk(chunks: number, dim?: number): Tensor<T>[];
    /** The number of elements (torch's numel(); the same as .size). */
    numel(): number;
    /** torch's .T: the dims reversed (a transpose for 2-D). */
    readonly T: Tensor;
    /** torch's .mT: the last two dims swapped. */
    readonly mT: Tensor;
    softmax(dim?: number): Tensor;
    logSoftmax(dim?: number): Tensor;
    matmul(other: Tensor): Tensor;
    reshape(...shape: (number | readonly number[])[]): Tensor<T>;
    view(...shape: (number | readonly number[])[]): Tensor<T>;
    flatten(startDim?: number, endDim?: number): Tensor<T>;
    unsqueeze(dim: number): Tensor<T>;
    squeeze(dim?: number): Tensor<T>;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
    permute(...dims: (number | readonly number[])[]): Tensor;
    expand(...sizes: (number | readonly number[])[]): Tensor;
    expandAs(other: Tensor): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    indexSelect(dim: number, index: unknown): Tensor;
    gather(dim: number, index: unknown): Tensor;
    /** torch's select(dim, index): the slice at index along dim, that dim removed (x[i] is x.select(0, i)). */
    select(dim: number, index: number): Tensor;
    /** torch's masked_fill(mask, value): value where mask is non-zero (mask broadcasts to this shape). */
    maskedFill(mask: Tensor<DType>, value: number): Tensor;
    /** torch's sort(dim = -1, descending = false): { values, indices }, stable, NaN sorted as the largest. */
    sort(dim?: number, descending?: boolean): ValuesIndices;
    argsort(dim?: number, descending?: boolean): Tensor<'int32'>;
    /** torch's topk(k, dim = -1, largest = true, sorted = true): { values, indices } (ties: the lower index first). */
    topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): ValuesIndices;
    /** Running sums along dim (left to right). */
    cumsum(dim: number): Tensor<T>;
    /** Running products along dim (left to right). */
    cumprod(dim: number): Tensor;
    /** A copy (torch's clone: on the tape, the gradient passes through; .detach().clone() for a plain copy). */
    clone(): Tensor<T>;
    /** This tensor (every fastgrad tensor is contiguous). */
    contiguous(): this;
    /** torch's repeat(...sizes): tiled sizes[i] times along each dim. */
    repeat(...sizes: (number | readonly number[])[]): Tensor;
    /** torch's flip(dims): reversed along each of dims. */
    flip(...dims: (number | readonly number[])[]): Tensor;
    reciprocal(): Tensor;
    rsqrt(): Tensor;
    /** log Σ exp along dim(s), without overflow (torch's logsumexp). */
    logsumexp(dim: number | readonly number[], keepdim?: boolean): Tensor;
    /** The product of all elements, or along dim. */
    prod(dim?: number | null, keepdim?: boolean): Tensor;
    sign(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    /** Rounds half to even, as torch. */
    round(): Tensor;
    trunc(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    /** log(1 + x), accurate for small x. */
    log1p(): Tensor;
    /** exp(x) − 1, accurate for small x. */
    expm1(): Tensor;
    /** 1 where NaN / ±∞ / finite, else 0 (int32). */
    isnan(): Tensor<'int32'>;
    isinf(): Tensor<'int32'>;
    isfinite(): Tensor<'int32'>;
    /** 1 if any / every element (along dim) is non-zero, else 0 (int32). */
    any(dim?: number | readonly number[], keepdim?: boolean): Tensor<'int32'>;
    all(dim?: number | readonly number[], keepdim?: boolean): Tensor<'int32'>;
    /** torch's scatter(dim, index, src | value): src (or value) written at index along dim. */
    scatter(dim: number, index: unknown, src: Tensor | number): Tensor;
    /** torch's scatter_add(dim, index, src): src added at index along dim, in index order. */
    scatterAdd(dim: number, index: unknown, src: Tensor): Tensor;
    /** torch's masked_select(mask): the values where mask is non-zero, 1-D. */
    maskedSelect(mask: Tensor<DType>): Tensor;
    /** torch's nonzero(): the int32 [n, ndim] coordinates of the non-zero elements. */
    nonzero(): Tensor<'int32'>;
    /** The lower / upper triangle of the last two dims, zeros elsewhere. */
    tril(diagonal?: number): Tensor;
    triu(diagonal?: number): Tensor;
    /** torch's diag(diagonal = 0): 1-D onto a diagonal, or a matrix's diagonal as 1-D. */
    diag(diagonal?: number): Tensor;
    /** torch's roll(shifts, dims?): shifted circularly along dims (flattened when none). */
    roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
    /** torch's outer(vec2) and dot(tensor) of 1-D tensors. */
    outer(vec2: Tensor): Tensor;
    dot(other: Tensor): Tensor;
    /** float32 values (a copy for int32 tensors). */
    float(): Tensor;
    /** int32 values truncated (a copy for float32 tensors). */
    int(): Tensor<'int32'>;
    /** int(): fastgrad's one integer dtype is int32 (torch's long() gives int64). */
    long(): Tensor<'int32'>;
    /** The number of dims (torch's dim(); the same as .ndim). */
    dim(): number;
    /** torch's unbind(dim = 0): the slices along dim, that dim removed. */
    unbind(dim?: number): Tensor[];
    /** The one value of a one-element tensor, as a number. */
    item(): number;
    /** The values as nested arrays (a number for shape []). */
    tolist(): unknown;
    /** Gradients of this tensor (a scalar, or pass grad) with respect to every leaf that requires grad, added into their .grad. */
    backward(grad?: Tensor | null, options?: BackwardOptions): void;
    /**
     * Registers a hook on the gradient flowing into this tensor during backward (torch's register_hook):
     * `fn(grad)` may return a replacement of grad's shape. On a leaf it runs on the leaf's total
     * gradient of the backward, before it is added into .grad. Returns a handle with remove().
     */
    registerHook(fn: TensorHook): RemovableHandle;
    /**
     * Registers a hook called with this leaf right after backward added into its .grad, as soon as the
     * leaf's gradient is final (before the rest of backward runs; docs/autograd.md "Hooks").
     */
    registerPostAccumulateGradHook(fn: PostAccumulateGradHook): RemovableHandle;
    /** The same storage, cut from the tape (requiresGrad false). */
    detach(): Tensor<T>;
    add_(other: Tensor | number): this;
    sub_(other: Tensor | number): this;
    mul_(other: Tensor | number): this;
    div_(other: Tensor | number): this;
    clamp_(min?: number | null, max?: number | null): this;
    zero_(): this;
    fill_(value: number): this;
    copy_(src: Tensor): this;
    toString(): string;
  }
}

const P = Tensor.prototype as unknown as Record<string, unknown>;
const methods: Record<string, (this: Tensor, ...a: never[]) => unknown> = {
  add(this: Tensor, o: Tensor | number) { return add(this, o); },
  sub(this: Tensor, o: Tensor | number) { return sub(this, o); },
  mul(this: Tensor, o: Tensor | number) { return mul(this, o); },
  div(this: Tensor, o: Tensor | number) { return div(this, o); },
  pow(this: Tensor, o: Tensor | number) { return pow(this, o); },
  maximum(this: Tensor, o: Tensor | number) { return maximum(this, o); },
  minimum(this: Tensor, o: Tensor | number) { return minimum(this, o); },
  neg(this: Tensor) { return neg(this); },
  exp(this: Tensor) { return exp(this); },
  log(this: Tensor) { return log(this); },
  sqrt(this: Tensor) { return sqrt(this); },
  abs(this: Tensor) { return abs(this); },
  tanh(this: Tensor) { return tanh(this); },
  sigmoid(this: Tensor) { return sigmoid(this); },
  relu(this: Tensor) { return relu(this); },
  square(this: Tensor) { return square(this); },
  clamp(this: Tensor, lo?: number | null, hi?: number | null) { return clamp(this, lo, hi); },
  sum(this: Tensor, d?: Dim | null, k?: boolean) { return sum(this, d, k); },
  mean(this: Tensor, d?: Dim | null, k?: boolean) { return mean(this, d, k); },
  var(this: Tensor, d?: Dim | null, k?: boolean) { return var_(this, d, k); },
  max(this: Tensor, d?: number, k?: boolean) { return d === undefined ? max(this) : max(this, d, k); },
  min(this: Tensor, d?: number, k?: boolean) { return d === undefined ? min(this) : min(this, d, k); },
  argmax(this: Tensor, d?: number, k?: boolean) { return argmaxDim(this, d, k); },
  argmin(this: Tensor, d?: number, k?: boolean) { return argmin(this, d, k); },
  std(this: Tensor, d?: Dim | null, k?: boolean) { return std(this, d, k); },
  eq(this: Tensor, o: Tensor | number) { return eq(this, o); },
  ne(this: Tensor, o: Tensor | number) { return ne(this, o); },
  gt(this: Tensor, o: Tensor | number) { return gt(this, o); },
  ge(this: Tensor, o: Tensor | number) { return ge(this, o); },
  lt(this: Tensor, o: Tensor | number) { return lt(this, o); },
  le(this: Tensor, o: Tensor | number) { return le(this, o); },
  where(this: Tensor, c: Tensor, o: Tensor | number) { return where(c, this, o); },
  mm(this: Tensor, o: Tensor) { return mm(this, o); },
  norm(this: Tensor, p?: number, d?: Dim | null, k?: boolean) { return norm(this, p, d, k); },
  split(this: Tensor, s: number | readonly number[], d?: number) { return split(this, s, d); },
  chunk(this: Tensor, c: number, d?: number) { return chunk(this, c, d); },
  numel(this: Tensor) { return this.size; },
  softmax(this: Tensor, d?: number) { return softmax(this, d); },
  logSoftmax(this: Tensor, d?: number) { return logSoftmax(this, d); },
  matmul(this: Tensor, o: Tensor) { return matmul(this, o); },
  reshape(this: Tensor, ...s: (number | readonly number[])[]) { return reshape(this, ...s); },
  view(this: Tensor, ...s: (number | readonly number[])[]) { return reshape(this, ...s); },
  flatten(this: Tensor, s?: number, e?: number) { return flatten(this, s, e); },
  unsqueeze(this: Tensor, d: number) { return unsqueeze(this, d); },
  squeeze(this: Tensor, d?: number) { return squeeze(this, d); },
  transpose(this: Tensor, a: number, b: number) { return transpose(this, a, b); },
  t(this: Tensor) { return t(this); },
  permute(this: Tensor, ...d: (number | readonly number[])[]) { return permute(this, ...d); },
  expand(this: Tensor, ...s: (number | readonly number[])[]) { return expand(this, ...s); },
  expandAs(this: Tensor, o: Tensor) { return expandAs(this, o); },
  narrow(this: Tensor, d: number, s: number, l: number) { return narrow(this, d, s, l); },
  indexSelect(this: Tensor, d: number, i: unknown) { return indexSelect(this, d, i); },
  gather(this: Tensor, d: number, i: unknown) { return gather(this, d, i); },
  select(this: Tensor, d: number, i: number) { return select(this, d, i); },
  maskedFill(this: Tensor, m: Tensor<DType>, v: number) { return maskedFill(this, m, v); },
  sort(this: Tensor, d?: number, desc?: boolean) { return sort(this, d, desc); },
  argsort(this: Tensor, d?: number, desc?: boolean) { return argsort(this, d, desc); },
  topk(this: Tensor, k: number, d?: number, largest?: boolean, sorted?: boolean) { return topk(this, k, d, largest, sorted); },
  cumsum(this: Tensor, d: number) { return cumsum(this, d); },
  cumprod(this: Tensor, d: number) { return cumprod(this, d); },
  clone(this: Tensor<DType>) { return clone(this); },
  contiguous(this: Tensor) { return this; },
  repeat(this: Tensor, ...s: (number | readonly number[])[]) { return repeat(this, ...s); },
  flip(this: Tensor, ...d: (number | readonly number[])[]) { return flip(this, ...d); },
  reciprocal(this: Tensor) { return reciprocal(this); },
  rsqrt(this: Tensor) { return rsqrt(this); },
  logsumexp(this: Tensor, d: number | readonly number[], k?: boolean) { return logsumexp(this, d, k); },
  prod(this: Tensor, d?: number | null, k?: boolean) { return prod(this, d, k); },
  sign(this: Tensor) { return sign(this); },
  floor(this: Tensor) { return floor(this); },
  ceil(this: Tensor) { return ceil(this); },
  round(this: Tensor) { return round(this); },
  trunc(this: Tensor) { return trunc(this); },
  sin(this: Tensor) { return sin(this); },
  cos(this: Tensor) { return cos(this); },
  log1p(this: Tensor) { return log1p(this); },
  expm1(this: Tensor) { return expm1(this); },
  isnan(this: Tensor<DType>) { return isnan(this); },
  isinf(this: Tensor<DType>) { return isinf(this); },
  isfinite(this: Tensor<DType>) { return isfinite(this); },
  any(this: Tensor<DType>, d?: number | readonly number[], k?: boolean) { return any(this, d, k); },
  all(this: Tensor<DType>, d?: number | readonly number[], k?: boolean) { return all(this, d, k); },
  scatter(this: Tensor, d: number, i: unknown, src: Tensor | number) { return scatter(this, d, i, src); },
  scatterAdd(this: Tensor, d: number, i: unknown, src: Tensor) { return scatterAdd(this, d, i, src); },
  maskedSelect(this: Tensor, m: Tensor<DType>) { return maskedSelect(this, m); },
  nonzero(this: Tensor<DType>) { return nonzero(this); },
  tril(this: Tensor, k?: number) { return tril(this, k); },
  triu(this: Tensor, k?: number) { return triu(this, k); },
  diag(this: Tensor, k?: number) { return diag(this, k); },
  roll(this: Tensor, s: number | readonly number[], d?: number | readonly number[]) { return roll(this, s, d); },
  outer(this: Tensor, o: Tensor) { return outer(this, o); },
  dot(this: Tensor, o: Tensor) { return dot(this, o); },
  float(this: Tensor) { return toFloat(this); },
  int(this: Tensor) { return toInt(this); },
  long(this: Tensor) { return toInt(this); },
  dim(this: Tensor) { return this.ndim; },
  unbind(this: Tensor, d = 0) { return unbind(this, d); },
  item(this: Tensor) { return item(this); },
  tolist(this: Tensor) { return tolist(this); },
  backward(this: Tensor, g?: Tensor | null, o?: BackwardOptions) { runBackward(this, g, o); },
  detach(this: Tensor) { return viewOf(this, this.shape); },
  registerHook(this: Tensor, fn: TensorHook) { return registerHook(this, fn); },
  registerPostAccumulateGradHook(this: Tensor, fn: PostAccumulateGradHook) { return registerPostAccumulateGradHook(this, fn); },
  add_(this: Tensor, o: Tensor | number) { return inplace(this, 'add', o); },
  sub_(this: Tensor, o: Tensor | number) { return inplace(this, 'sub', o); },
  mul_(this: Tensor, o: Tensor | number) { return inplace(this, 'mul', o); },
  div_(this: Tensor, o: Tensor | number) { return inplace(this, 'div', o); },
  clamp_(this: Tensor, lo?: number | null, hi?: number | null) { return clampInplace(this, lo, hi); },
  zero_(this: Tensor) { return fillInplace(this, 0); },
  fill_(this: Tensor, v: number) { return fillInplace(this, v); },
  copy_(this: Tensor, src: Tensor) { return copyInplace(this, src); },
  toString(this: Tensor) { return format(this); },
};
for (const [k, f] of Object.entries(methods)) Object.defineProperty(P, k, { value: f, writable: true, configurable: true, enumerable: false });
Object.defineProperty(P, 'T', { get(this: Tensor) { return this.ndim < 2 ? this : this.ndim === 2 ? t(this) : permute(this, [...Array(this.ndim).keys()].reverse()); }, configurable: true, enumerable: false });
Object.defineProperty(P, 'mT', { get(this: Tensor) {
  if (this.ndim < 2) throw new RangeError(`tensor.mT is only supported on matrices or batches of matrices; got a ${this.ndim}-D tensor (shape ${formatShape(this.shape)})`);
  return transpose(this, -2, -1);
}, configurable: true, enumerable: false });
Object.defineProperty(P, Symbol.for('nodejs.util.inspect.custom'), { value(this: Tensor) { return format(this); }, configurable: true });

function item(x: Tensor<DType>): number {
  if (x.size !== 1) throw new RangeError(`a Tensor with ${x.size} elements cannot be converted to Scalar (item() needs exactly one element; shape ${formatShape(x.shape)})`);
  return x.data[0];
}

function tolist(x: Tensor<DType>): unknown {
  const d = x.data, s = x.shape;
  if (s.length === 0) return d[0];
  const build = (dim: number, off: number): unknown[] => {
    const n = s[dim];
    if (dim === s.length - 1) return Array.from(d.subarray(off, off + n));
    let step = 1;
    for (let i = dim + 1; i < s.length; i++) step *= s[i];
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(build(dim + 1, off + i * step));
    return out;
  };
  return build(0, 0);
}

/** The checks every in-place op makes before changing anything. */
function checkInplace(x: Tensor, op: string, other: Tensor | null): boolean {
  const rec = isGradEnabled() && (x._req || (other !== null && other._req));
  if (rec && x.gradFn === null && x._req) {
    throw new Error(`a leaf Variable that requires grad is being used in an in-place operation (${op}_; run it inside fg.noGrad)`);
  }
  return rec;
}

function inplace(x: Tensor, op: 'add' | 'sub' | 'mul' | 'div', o: Tensor | number): Tensor {
  checkTensor(x, 'self');
  if (typeof o === 'number') {
    checkNumber(o, 'other');
    const rec = checkInplace(x, op, null);
    kfor(x.size).elementwise.scalar(op, x.data, o, x.data);
    x._ver.v++;
    if (rec) {
      const s = Math.fround(o);
      record(x, `${op}_`, [x], op === 'add' || op === 'sub' ? (g) => [g] : (g) => [op === 'mul' ? mul(g, s) : div(g, s)]);
    }
    return x;
  }
  checkTensor(o, 'other');
  const shape = broadcastShapes(x.shape, o.shape, `${op}_`);
  if (!sameShape(shape, x.shape)) throw new RangeError(`output with shape ${formatShape(x.shape)} doesn't match the broadcast shape ${formatShape(shape)} (${op}_)`);
  const rec = checkInplace(x, op, o);
  if (rec && (op === 'mul' || op === 'div')) throw new Error(`${op}_ with a tensor operand is not recorded on the tape; use the out-of-place ${op}`);
  const src = o.data === x.data ? o.data.slice() : o.data;
  binaryInto(op, x.data, x.shape, src, o.shape, x.data, x.shape);
  x._ver.v++;
  if (rec) {
    const os = o.shape;
    record(x, `${op}_`, [x, o], (g) => [g, o._req ? (op === 'add' ? sumToShapeLazy(g, os) : sumToShapeLazy(neg(g), os)) : null]);
  }
  return x;
}

function sumToShapeLazy(g: Tensor, shape: readonly number[]): Tensor {
  return sameShape(g.shape, shape) ? g : sum(g, g.shape.map((_, i) => i).filter((i) => i < g.ndim - shape.length || shape[i - (g.ndim - shape.length)] === 1), true).reshape(shape);
}

function notRecorded(x: Tensor, op: string): void {
  if (isGradEnabled() && x._req) {
    if (x.gradFn === null) throw new Error(`a leaf Variable that requires grad is being used in an in-place operation (${op}; run it inside fg.noGrad)`);
    throw new Error(`${op} on a tensor in the tape is not recorded; run it inside fg.noGrad or use the out-of-place form`);
  }
}

function clampInplace(x: Tensor, lo?: number | null, hi?: number | null): Tensor {
  checkTensor(x, 'self');
  notRecorded(x, 'clamp_');
  clamp(x, lo, hi, { out: x });
  x._ver.v++;
  return x;
}

function fillInplace(x: Tensor, v: number): Tensor {
  checkTensor(x, 'self');
  checkNumber(v, 'value');
  notRecorded(x, v === 0 ? 'zero_' : 'fill_');
  x.data.fill(v);
  x._ver.v++;
  return x;
}

function copyInplace(x: Tensor, src: Tensor): Tensor {
  checkTensor(x, 'self');
  checkTensor(src, 'src');
  const shape = broadcastShapes(x.shape, src.shape, 'copy_');
  if (!sameShape(shape, x.shape)) throw new RangeError(`output with shape ${formatShape(x.shape)} doesn't match the broadcast shape ${formatShape(shape)} (copy_)`);
  notRecorded(x, 'copy_');
  if (src._req && isGradEnabled()) throw new Error('copy_ from a tensor that requires grad is not recorded on the tape; run it inside fg.noGrad');
  if (sameShape(src.shape, x.shape)) x.data.set(src.data);
  else x.data.set(expand(src, x.shape).data);
  x._ver.v++;
  return x;
}

// --- printing (torch's layout) ---

function fmtNumbers(d: TensorData, int: boolean): (v: number) => string {
  if (int) return (v) => String(v);
  let allInt = true, maxAbs = 0, minAbs = Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allInt = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (allInt && maxAbs < 1e8) return (v) => (Number.isFinite(v) ? `${v}.` : special(v));
  if (maxAbs >= 1e8 || (minAbs !== Infinity && minAbs < 1e-4) || maxAbs / minAbs > 1000 && minAbs < 1e-2) {
    return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
  }
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

function format(x: Tensor<DType>): string {
  const d = x.data, s = x.shape, int = d instanceof Int32Array;
  const f = fmtNumbers(d, int);
  const summarize = d.length > 1000;
  const strs: string[] = [];
  let width = 0;
  for (let i = 0; i < d.length; i++) {
    const t = f(d[i]);
    strs.push(t);
    if (t.length > width) width = t.length;
  }
  const pad = (t: string) => t.padStart(width);
  const render = (dim: number, off: number, indent: number): string => {
    if (s.length === 0) return pad(strs[0]);
    const n = s[dim];
    let step = 1;
    for (let i = dim + 1; i < s.length; i++) step *= s[i];
    const idx: (number | null)[] = [];
    if (summarize && n > 6) idx.push(0, 1, 2, null, n - 3, n - 2, n - 1);
    else for (let i = 0; i < n; i++) idx.push(i);
    if (dim === s.length - 1) return `[${idx.map((i) => (i === null ? '...' : pad(strs[off + i]))).join(', ')}]`;
    const sep = `,${'\n'.repeat(s.length - dim - 1)}${' '.repeat(indent + 1)}`;
    return `[${idx.map((i) => (i === null ? '...' : render(dim + 1, off + i * step, indent + 1))).join(sep)}]`;
  };
  const body = render(0, 0, 'tensor('.length);
  const extras: string[] = [];
  if (d.length === 0) extras.push(`size=${formatShape(s).replace(/\[/, '(').replace(/\]$/, ')')}`);
  if (int) extras.push('dtype=int32');
  const t = x as Tensor;
  if (t.gradFn !== null) extras.push(`grad_fn=${t.gradFn.toString()}`);
  else if (t._req) extras.push('requires_grad=True');
  return `tensor(${body}${extras.length ? `, ${extras.join(', ')}` : ''})`;
}

