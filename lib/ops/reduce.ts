// Reductions: sum, mean, max, min, var (torch's positional (dim | dim[], keepdim) over any dims of
// an N-D tensor, with autograd), the option-object forms ({ axis, keepdim, out }: one axis of a 1-D
// or 2-D tensor), sumSquares, norm, argmax, variance, normL2List, and sumToShape (the reduction after
// a broadcast, in backward). Every result follows the canonical order of docs/numerics.md
// ("Reduction family"; "Reductions over several dims"), so both backends, every SIMD level and every
// thread count give the same bits.
import { emptyF32, recycleF32 } from '../backend/buffers.js';
import { kernels } from '../backend/select.js';
import type { ReduceOp } from '../backend/kernels.js';
import { recordOp as record } from '../autograd/engine.js';
import { checkTensor, formatShape, makeTensor, sameShape, Tensor, type Shape } from '../tensor.js';
import { checkBoolean, checkFinite, checkInteger, checkOptions, overlaps, rangeError, typeError } from '../validate.js';
import { copyStrided, fresh, kfor, needs1, normDims, stridesOf } from './core.js';
import { broadcastStrides, mulT, scalarT } from './elementwise.js';
import { toFloat } from './shape.js';
import { sqrt } from './unary.js';

export interface ReduceOptions {
  /**
   * Reduce along this axis of a 2-D tensor: 0 reduces over the rows (one result per column), 1 over
   * the columns (one result per row); -2 and -1 count from the end. A 1-D tensor takes 0 or -1
   * (= all elements). Default: all elements, giving a tensor of shape [].
   */
  axis?: number;
  /** Keep the reduced dimension(s) with length 1 (torch's keepdim). Default false. */
  keepdim?: boolean;
  /** Write the result here (it must have the result's shape and must not overlap the input). */
  out?: Tensor;
}

export interface VarianceOptions extends ReduceOptions {
  /** The divisor is max(0, n - correction): 1 (default) is torch.var's unbiased estimate, 0 the population variance. */
  correction?: number;
}

interface Plan {
  shape: Shape;
  /** null: all elements. */
  axis: 0 | 1 | null;
  rows: number;
  cols: number;
  /** Length of each reduced sequence. */
  len: number;
}

const OPTIONS = ['axis', 'keepdim', 'out'] as const;

function plan(x: Tensor, opts: ReduceOptions | undefined, name: string): Plan {
  const keepdim = opts?.keepdim ?? false;
  checkBoolean(keepdim, 'keepdim');
  const axis = opts?.axis;
  if (axis !== undefined) {
    if (typeof axis !== 'number') throw typeError('an integer', 'axis', axis);
    if (x.ndim === 2) {
      checkInteger(axis, 'axis', -2, 1);
      const a = axis < 0 ? axis + 2 : axis;
      const [rows, cols] = x.shape;
      if (a === 0) return { shape: keepdim ? [1, cols] : [cols], axis: 0, rows, cols, len: rows };
      return { shape: keepdim ? [rows, 1] : [rows], axis: 1, rows, cols, len: cols };
    }
    if (x.ndim !== 1) {
      throw new RangeError(`Expected a 1-D or 2-D tensor for x of ${name} with an axis but received shape ${formatShape(x.shape)}`);
    }
    checkInteger(axis, 'axis', -1, 0);
  }
  return { shape: keepdim ? x.shape.map(() => 1) : [], axis: null, rows: 1, cols: x.size, len: x.size };
}

function output(p: Plan, x: Tensor, opts: ReduceOptions | undefined, name: string): Tensor {
  const out = opts?.out;
  if (out === undefined) return Tensor.zeros(p.shape);
  checkTensor(out, 'out');
  if (!sameShape(out.shape, p.shape)) {
    throw new RangeError(`Expected out of shape ${formatShape(p.shape)} for ${name} but received shape ${formatShape(out.shape)}`);
  }
  if (overlaps(out.data, x.data)) throw new RangeError(`Expected out of ${name} not to overlap x but received overlapping tensors`);
  return out;
}

function reduce(op: ReduceOp, x: Tensor, opts: VarianceOptions | undefined, known: readonly string[]): Tensor {
  checkTensor(x, 'x');
  checkOptions(opts, `${op} options`, known);
  const p = plan(x, opts, op);
  const correction: unknown = opts?.correction ?? 1;
  checkFinite(correction, 'correction');
  if (correction < 0) throw rangeError('a finite number >= 0', 'correction', correction);
  if ((op === 'max' || op === 'argmax') && p.len === 0) {
    const what = p.axis === null ? 'a non-empty tensor' : `a non-empty dimension ${p.axis}`;
    throw new RangeError(`Expected ${what} for x of ${op} but received shape ${formatShape(x.shape)}`);
  }
  const rec = needs1(x) && (op === 'sum' || op === 'mean' || op === 'max' || op === 'variance');
  if (rec && opts?.out !== undefined) throw new Error(`${op}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad`);
  const out = output(p, x, opts, op);
  const divisor = Math.fround(Math.max(0, p.len - correction));
  const K = kernels().reduce;
  if (p.axis === null) out.data[0] = K.all(op, x.data, divisor);
  else K.axis(op, x.data, p.rows, p.cols, p.axis, divisor, out.data);
  if (rec) {
    const dims = p.axis === null ? x.shape.map((_, i) => i) : [x.ndim === 1 ? 0 : p.axis];
    recordReduce(op as 'sum' | 'mean' | 'max' | 'variance', x, dims, out, divisor, null);
  }
  return out;
}

/** Sum (canonical order). Empty: 0. */
const legacy_sum = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('sum', x, opts, OPTIONS);

/** Mean = sum / n (one binary32 divide by n rounded to binary32). Empty: NaN. */
const legacy_mean = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('mean', x, opts, OPTIONS);

/** Sum of squares: canonical sum of the terms x*x. */
export const sumSquares = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('sumSquares', x, opts, OPTIONS);

/** L2 norm = sqrt(sumSquares) (torch.linalg.vector_norm with ord 2; no rescaling, so it overflows to Inf past ~1.8e19 per element). */
export const legacyNorm = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('norm', x, opts, OPTIONS);

/**
 * Maximum; NaN if any element is NaN. Only the values (torch.max with dim also returns indices:
 * use argmax). When +0 and -0 tie for the maximum, which one is returned follows the fixed order of
 * docs/numerics.md. Empty input (or an empty reduced dimension): RangeError, as torch.
 */
const legacy_max = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('max', x, opts, OPTIONS);

/**
 * Index of the maximum: the first NaN if there is one, else the first index holding the maximum
 * (ties and +0/-0 return the FIRST index, like torch). The result is a float32 Tensor of indices
 * (flat indices for a full reduction, row or column indices along an axis), exact below 2^24.
 * Empty input (or an empty reduced dimension): RangeError.
 */
export function argmax(x: Tensor, dim?: number, keepdim?: boolean): Tensor<'int32'>;
export function argmax(x: Tensor, opts: ReduceOptions): Tensor;
export function argmax(x: Tensor, dim?: number | ReduceOptions, keepdim?: boolean): Tensor | Tensor<'int32'> {
  // torch's positional form (int32 indices, as Tensor.argmax) or the option form (float32 indices)
  return isOptions(dim) ? reduce('argmax', x, dim as ReduceOptions, OPTIONS) : argmaxDim(x, dim as number | undefined, keepdim);
}

/**
 * Variance, two-pass: m = mean; canonical sum of d*d with d = x - m; divided by max(0, n - correction)
 * (default correction 1, torch.var's unbiased estimate; n <= correction gives NaN or Inf as torch).
 */
const legacy_variance = (x: Tensor, opts?: VarianceOptions): Tensor => reduce('variance', x, opts, [...OPTIONS, 'correction']);

/**
 * Global L2 norm of a list of tensors (e.g. all gradients for gradient clipping): each tensor's
 * canonical sum of squares, those added in list order from +0, then sqrt. One kernel call for the
 * whole list. Returns a tensor of shape [] (or writes opts.out, of shape []).
 */
export function normL2List(xs: readonly Tensor[], opts?: { out?: Tensor }): Tensor {
  if (!Array.isArray(xs)) throw typeError('an Array of Tensors', 'xs', xs);
  xs.forEach((t, i) => checkTensor(t, `xs[${i}]`));
  checkOptions(opts, 'normL2List options', ['out']);
  const out = opts?.out ?? Tensor.zeros([]);
  checkTensor(out, 'out');
  if (out.ndim !== 0) throw new RangeError(`Expected out of shape [] for normL2List but received shape ${formatShape(out.shape)}`);
  out.data[0] = kernels().reduce.normL2List(xs.map((t) => t.data));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// N-D reductions over any set of dims.

/** How x's dims split for a reduction: runs of reduced (R) and kept (K) dims, size-1 dims dropped. */
interface Segment {
  size: number;
  red: boolean;
}

function segments(shape: Shape, dims: readonly number[]): Segment[] {
  const segs: Segment[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const red = dims.includes(i);
    const last = segs[segs.length - 1];
    if (last !== undefined && last.red === red) last.size *= shape[i];
    else segs.push({ size: shape[i], red });
  }
  return segs;
}

/**
 * op over `dims` of x (shape), one result per kept position (row-major over the kept dims). Each
 * result is the reduction family's canonical fold over its reduced elements taken in row-major order
 * of the reduced dims (docs/numerics.md "Reductions over several dims"). argmax gives the index in
 * that order. len = the number of reduced elements per result.
 */
export function reduceData(op: ReduceOp, x: Float32Array, shape: Shape, dims: readonly number[], divisor: number): Float32Array {
  let len = 1;
  for (const d of dims) len *= shape[d];
  const keptN = len === 0 ? shape.reduce((a, d, i) => (dims.includes(i) ? a : a * d), 1) : x.length / len;
  const out = emptyF32(keptN); // every path below writes all of it
  if (keptN === 0) return out;
  const K = kfor(x.length, 'reduce').reduce;
  const segs = segments(shape, dims);
  const nR = segs.filter((g) => g.red).length;
  if (len === 0) {
    // empty reduced dims: the kernels' empty-sequence results, one per kept position
    K.axis(op, x, keptN, 0, 1, divisor, out);
    return out;
  }
  if (nR === 0) {
    K.axis(op, x, keptN, 1, 1, divisor, out);
  } else if (segs.length === 1) {
    out[0] = K.all(op, x, divisor);
  } else if (segs.length === 2) {
    if (segs[1].red) K.axis(op, x, segs[0].size, segs[1].size, 1, divisor, out);
    else K.axis(op, x, segs[0].size, segs[1].size, 0, divisor, out);
  } else if (segs.length === 3 && !segs[0].red && segs[0].size <= 64) {
    const outer = segs[0].size, R = segs[1].size, I = segs[2].size;
    for (let o = 0; o < outer; o++) K.axis(op, x.subarray(o * R * I, (o + 1) * R * I), R, I, 0, divisor, out.subarray(o * I, (o + 1) * I));
  } else {
    // move the reduced dims last (a copy), then reduce rows
    const perm = [...shape.keys()].filter((i) => !dims.includes(i)).concat([...dims]);
    const st = stridesOf(shape);
    const t = emptyF32(x.length);
    copyStrided(x, perm.map((i) => st[i]), t, perm.map((i) => shape[i]));
    K.axis(op, t, keptN, len, 1, divisor, out);
    recycleF32(t); // made here, read no more
  }
  return out;
}

/** The values of t (shape tshape, broadcastable) laid over shape: a strided copy. */
export function expandData(t: Float32Array, tshape: Shape, shape: Shape): Float32Array {
  let n = 1;
  for (const d of shape) n *= d;
  if (t.length === n) return t;
  const out = emptyF32(n); // the strided copy writes all of it
  copyStrided(t, broadcastStrides(tshape, shape), out, shape);
  return out;
}

/** The shape with `dims` set to 1 (keepdim) or removed. */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (!dims.includes(i)) out.push(shape[i]);
    else if (keepdim) out.push(1);
  }
  return out;
}

/**
 * g summed down to `shape` (the gradient of an operand broadcast to g's shape): the leading dims that
 * broadcasting added and the dims where shape has 1 are summed (reduceData's canonical order).
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length, dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  if (dims.length === 0) return makeTensor(g.data, shape);
  return makeTensor(reduceData('sum', g.data, g.shape, dims, 0), shape);
}

/**
 * sumToShape of a temporary the caller made and reads no more: when the sum made a new array, the
 * temporary's goes back to the buffer cache (docs/memory.md).
 */
export function sumTemp(t: Tensor, shape: Shape): Tensor {
  const r = sumToShape(t, shape);
  if (r._d !== t._d) recycleF32(t._d as Float32Array);
  return r;
}

export type DimArg = number | readonly number[] | null | undefined;

function isOptions(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function dimsOf(x: Tensor, dim: DimArg, op: string): number[] {
  if (dim === undefined || dim === null) return x.shape.map((_, i) => i);
  if (Array.isArray(dim) && dim.length === 0) return x.shape.map((_, i) => i);
  return normDims(dim, x.ndim, op);
}

function checkKeepdim(k: unknown): boolean {
  if (k === undefined) return false;
  checkBoolean(k, 'keepdim');
  return k;
}

/** Records the node of sum/mean/max(all)/variance over dims (out: the reduced result, any keepdim). */
function recordReduce(op: 'sum' | 'mean' | 'max' | 'variance', x: Tensor, dims: readonly number[], out: Tensor, divisor: number, _unused: null): void {
  const xs = x.shape, keep = reducedShape(xs, dims, true);
  let len = 1;
  for (const d of dims) len *= xs[d];
  switch (op) {
    case 'sum':
      record(out, 'sum', [x], (g) => [makeTensor(expandData(g.data, keep, xs), xs)]);
      return;
    case 'mean':
      record(out, 'mean', [x], (g) => {
        const e = makeTensor(expandData(g.data, keep, xs), xs);
        return [scalarT('div', e, Math.fround(len))];
      });
      return;
    case 'variance':
      record(out, 'var', [x], (g) => {
        // torch: (2 / (n - correction)) * g * (x - mean)
        const m = reduceData('mean', x.data, xs, dims, 0);
        const d = fresh(xs);
        const me = expandData(m, keep, xs);
        kfor(d.size).elementwise.binary('sub', x.data, me, d.data, 1, d.size, 'full');
        const ge = makeTensor(expandData(scalarT('mul', g, Math.fround(2 / divisor)).data, keep, xs), xs);
        return [mulT(ge, d)];
      }, [x]);
      return;
    case 'max':
      // the full max: g shared evenly by every element equal to the maximum (torch's amax rule)
      record(out, 'max', [x], (g) => [evenly(x, out, g, dims)], [x]);
      return;
  }
}

/** g spread evenly over the elements of x equal to their reduction's extreme value v. */
function evenly(x: Tensor, v: Tensor, g: Tensor, dims: readonly number[]): Tensor {
  const xs = x.shape, keep = reducedShape(xs, dims, true);
  const ve = expandData(v.data, keep, xs), ge = expandData(g.data, keep, xs);
  const mask = new Float32Array(x.size);
  const xd = x.data;
  for (let i = 0; i < mask.length; i++) mask[i] = xd[i] === ve[i] || (xd[i] !== xd[i] && ve[i] !== ve[i]) ? 1 : 0;
  const count = reduceData('sum', mask, xs, dims, 0);
  const ce = expandData(count, keep, xs);
  const out = fresh(xs);
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) out.data[i] = ge[i] / ce[i];
  return out;
}

function reduceND(op: 'sum' | 'mean' | 'variance', x: Tensor, dim: DimArg, keepdim: unknown, correction = 1): Tensor {
  checkTensor(x, 'x');
  const dims = dimsOf(x, dim, op === 'variance' ? 'var' : op);
  const kd = checkKeepdim(keepdim);
  let len = 1;
  for (const d of dims) len *= x.shape[d];
  const divisor = Math.fround(Math.max(0, len - correction));
  const data = reduceData(op, x.data, x.shape, dims, divisor);
  const out = makeTensor(data, reducedShape(x.shape, dims, kd));
  if (needs1(x)) recordReduce(op, x, dims, out, divisor, null);
  return out;
}

export interface ReduceDimOptions extends ReduceOptions {
  dim?: number | readonly number[];
}

/**
 * Sum over dims (torch.sum): sum(x) reduces everything to shape []; sum(x, dim, keepdim) with a dim
 * or a list of dims; sum(x, { axis, keepdim, out }) the option form (one axis of a 1-D or 2-D tensor).
 * An int32 tensor (a comparison's 1/0, say) is summed as float32 (exact below 2^24).
 */
export function sum(x: Tensor | Tensor<'int32'>, dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
  if (x instanceof Tensor && x.dtype === 'int32') x = toFloat(x);
  if (isOptions(dim)) return legacy_sum(x as Tensor, dim as ReduceOptions);
  return reduceND('sum', x as Tensor, dim as DimArg, keepdim);
}

/** Mean over dims (torch.mean): the canonical sum divided by the count (one binary32 division). */
export function mean(x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
  if (isOptions(dim)) return legacy_mean(x, dim as ReduceOptions);
  return reduceND('mean', x, dim as DimArg, keepdim);
}

export interface VarOptions {
  /** torch 1.13's unbiased (default true): divide by n - 1, else by n. */
  unbiased?: boolean;
  /** The divisor is max(0, n - correction) (overrides unbiased). */
  correction?: number;
  keepdim?: boolean;
}

/**
 * Variance over dims (torch.var), two-pass (mean, then the canonical sum of squared deviations),
 * unbiased by default: var(x), var(x, dim, keepdim?), var(x, dim, { unbiased, keepdim }).
 */
function var_(x: Tensor, dim?: DimArg | VarianceOptions, keepdim?: boolean | VarOptions): Tensor {
  if (isOptions(dim)) return legacy_variance(x, dim as VarianceOptions);
  let correction = 1, kd: unknown = keepdim;
  if (isOptions(keepdim)) {
    const o = keepdim as VarOptions;
    checkOptions(o, 'var options', ['unbiased', 'correction', 'keepdim']);
    if (o.unbiased !== undefined) {
      checkBoolean(o.unbiased, 'unbiased');
      correction = o.unbiased ? 1 : 0;
    }
    if (o.correction !== undefined) {
      checkFinite(o.correction, 'correction');
      if (o.correction < 0) throw rangeError('a finite number >= 0', 'correction', o.correction);
      correction = o.correction;
    }
    kd = o.keepdim;
  }
  return reduceND('variance', x, dim as DimArg, kd, correction);
}
export { var_ as var };

/** torch.std: the square root of var (same arguments: unbiased by default). */
export function std(x: Tensor, dim?: DimArg, keepdim?: boolean | VarOptions): Tensor {
  if (isOptions(dim)) throw new TypeError('Expected a dim (a number, an array of numbers or null) for std but received an options object; pass { unbiased, keepdim } after dim');
  return sqrt(var_(x, dim, keepdim));
}

/** The option form's variance ({ axis, keepdim, correction, out }), or var's positional form. */
export function variance(x: Tensor, dim?: DimArg | VarianceOptions, keepdim?: boolean | VarOptions): Tensor {
  return var_(x, dim, keepdim);
}

/** torch's (values, indices) of max(dim) / min(dim). */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor<'int32'>;
}

function extreme(which: 'max' | 'min', x: Tensor, dim: number, keepdim: unknown): ValuesIndices {
  const d = normDims(dim, x.ndim, which)[0] ?? 0;
  const kd = checkKeepdim(keepdim);
  if (x.ndim > 0 && x.shape[d] === 0) throw new RangeError(`Expected a non-empty dimension ${d} for x of ${which} but received shape ${formatShape(x.shape)}`);
  const dims = x.ndim === 0 ? [] : [d];
  let src = x.data;
  if (which === 'min') {
    src = new Float32Array(x.size);
    kfor(x.size).unary.map('neg', x.data, src);
  }
  const vals = reduceData('max', src, x.shape, dims, 0);
  const idxF = reduceData('argmax', src, x.shape, dims, 0);
  if (which === 'min') kfor(vals.length).unary.map('neg', vals, vals);
  const shape = reducedShape(x.shape, dims, kd);
  const values = makeTensor(vals, shape), indices = makeTensor(Int32Array.from(idxF), shape);
  if (needs1(x)) {
    const xs = x.shape, R = x.ndim === 0 ? 1 : xs[d];
    let inner = 1;
    for (let i = d + 1; i < xs.length; i++) inner *= xs[i];
    record(values, which, [x], (g) => {
      const gx = fresh(xs), id = indices.data, gd = g.data;
      for (let k = 0; k < id.length; k++) {
        const o = Math.floor(k / inner), i = k - o * inner;
        gx.data[(o * R + id[k]) * inner + i] = gd[k];
      }
      return [gx];
    });
  }
  return { values, indices };
}

function fullExtreme(which: 'max' | 'min', x: Tensor): Tensor {
  checkTensor(x, 'x');
  if (which === 'max') return legacy_max(x, undefined);
  if (x.size === 0) throw new RangeError(`Expected a non-empty tensor for x of min but received shape ${formatShape(x.shape)}`);
  const ng = new Float32Array(x.size);
  kfor(x.size).unary.map('neg', x.data, ng);
  const v = kfor(x.size, 'reduce').reduce.all('max', ng, 0);
  const out = makeTensor(Float32Array.of(-v), []);
  if (needs1(x)) record(out, 'min', [x], (g) => [evenly(x, out, g, x.shape.map((_, i) => i))], [x]);
  return out;
}

/**
 * max(x): the largest element (shape []); max(x, dim, keepdim?): torch's { values, indices } along
 * dim (indices an int32 tensor: the first maximum, or the first NaN); max(x, { axis, keepdim, out }):
 * the option form's values; max(x, other): maximum(x, other).
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, opts: ReduceOptions): Tensor;
export function max(x: Tensor, dim?: number | ReduceOptions, keepdim?: boolean): Tensor | ValuesIndices {
  if (dim === undefined) return fullExtreme('max', x);
  if (isOptions(dim)) return legacy_max(x, dim as ReduceOptions);
  checkTensor(x, 'x');
  return extreme('max', x, dim as number, keepdim);
}

/** min(x): the smallest element; min(x, dim, keepdim?): { values, indices } (the first minimum). */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim?: boolean): Tensor | ValuesIndices {
  if (dim === undefined) return fullExtreme('min', x);
  checkTensor(x, 'x');
  return extreme('min', x, dim, keepdim);
}

/** Indices of the minimum along dim (int32; the first minimum, or the first NaN), or of the flat minimum with no dim. */
export function argmin(x: Tensor, dim?: number, keepdim?: boolean): Tensor<'int32'> {
  checkTensor(x, 'x');
  if (dim === undefined) {
    if (x.size === 0) throw new RangeError(`Expected a non-empty tensor for x of argmin but received shape ${formatShape(x.shape)}`);
    return extreme('min', makeTensor(x.data, [x.size]), 0, false).indices; // the flat index, shape []
  }
  return extreme('min', x, dim, keepdim).indices;
}

/** Indices of the maximum along dim (int32; the first maximum), or of the flat maximum with no dim. */
export function argmaxDim(x: Tensor, dim?: number, keepdim?: boolean): Tensor<'int32'> {
  checkTensor(x, 'x');
  if (dim === undefined) {
    if (x.size === 0) throw new RangeError(`Expected a non-empty tensor for x of argmax but received shape ${formatShape(x.shape)}`);
    return makeTensor(Int32Array.of(kfor(x.size, 'reduce').reduce.all('argmax', x.data, 0)), []);
  }
  return extreme('max', x, dim, keepdim).indices;
}
