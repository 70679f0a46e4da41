// Comparisons (eq ne gt ge lt le) and selection (where), with torch's N-D broadcasting; the other operand
// a Tensor (float32 or int32) or a number. fastgrad has no bool dtype: a comparison gives 1 and 0 as an
// int32 tensor (so `pred.eq(y).float().mean()` and `.sum()` read as in torch), and where() takes any
// tensor as the condition (non-zero is true). Comparisons are exact, so one TypeScript loop serves
// every backend; where()'s gradient goes to the selected operand (zero elsewhere), summed back to each
// operand's shape in the reduction family's canonical order.
import { recordOp as record } from '../autograd/engine.js';
import { checkAnyTensor as checkAny, formatShape, makeTensor, Tensor, type DType } from '../tensor.js';
import { typeError } from '../validate.js';
import { empty, fresh, needs2 } from './core.js';
import { broadcastShapes, broadcastStrides } from './elementwise.js';
import { sum, sumToShape } from './reduce.js';
import { toFloat } from './shape.js';

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

const TESTS: Record<CompareOp, (x: number, y: number) => boolean> = {
  eq: (x, y) => x === y,
  ne: (x, y) => x !== y, // NaN != anything, as IEEE and torch
  gt: (x, y) => x > y,
  ge: (x, y) => x >= y,
  lt: (x, y) => x < y,
  le: (x, y) => x <= y,
};

type Values = Float32Array | Int32Array;

/** Calls f(i, ia, ib, ic) for every element i of the row-major broadcast `shape`, with each operand's element index. */
function forEachBroadcast(shape: readonly number[], shapes: readonly (readonly number[])[], f: (i: number, idx: number[]) => void): void {
  const r = shape.length, n = shape.reduce((p, d) => p * d, 1);
  const st = shapes.map((s) => broadcastStrides(s, shape));
  const at = new Array<number>(shapes.length).fill(0), pos = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    f(i, at);
    for (let d = r - 1; d >= 0; d--) {
      for (let k = 0; k < at.length; k++) at[k] += st[k][d];
      if (++pos[d] < shape[d]) break;
      for (let k = 0; k < at.length; k++) at[k] -= st[k][d] * shape[d];
      pos[d] = 0;
    }
  }
}

function compare(op: CompareOp, a: Tensor<DType>, b: Tensor<DType> | number): Tensor<'int32'> {
  checkAny(a, 'input');
  const test = TESTS[op];
  if (typeof b === 'number') {
    const ad = a.data, out = new Int32Array(ad.length);
    for (let i = 0; i < ad.length; i++) out[i] = test(ad[i], b) ? 1 : 0;
    return makeTensor(out, a.shape.slice());
  }
  if (!(b instanceof Tensor)) throw typeError('a Tensor or a number', 'other', b);
  const shape = broadcastShapes(a.shape, b.shape, op), ad: Values = a.data, bd: Values = b.data;
  const out = new Int32Array(shape.reduce((p, d) => p * d, 1));
  forEachBroadcast(shape, [a.shape, b.shape], (i, [ia, ib]) => {
    out[i] = test(ad[ia], bd[ib]) ? 1 : 0;
  });
  return makeTensor(out, shape);
}

/** input == other elementwise (1 or 0, int32; NaN == NaN is 0). */
export function eq(input: Tensor<DType>, other: Tensor<DType> | number): Tensor<'int32'> {
  return compare('eq', input, other);
}
/** input != other elementwise (1 or 0, int32). */
export function ne(input: Tensor<DType>, other: Tensor<DType> | number): Tensor<'int32'> {
  return compare('ne', input, other);
}
/** input > other elementwise (1 or 0, int32). */
export function gt(input: Tensor<DType>, other: Tensor<DType> | number): Tensor<'int32'> {
  return compare('gt', input, other);
}
/** input >= other elementwise (1 or 0, int32). */
export function ge(input: Tensor<DType>, other: Tensor<DType> | number): Tensor<'int32'> {
  return compare('ge', input, other);
}
/** input < other elementwise (1 or 0, int32). */
export function lt(input: Tensor<DType>, other: Tensor<DType> | number): Tensor<'int32'> {
  return compare('lt', input, other);
}
/** input <= other elementwise (1 or 0, int32). */
export function le(input: Tensor<DType>, other: Tensor<DType> | number): Tensor<'int32'> {
  return compare('le', input, other);
}

/**
 * torch.where(condition, input, other): input where condition is non-zero, else other, over the
 * broadcast shape of the three (input and other: float32 Tensors or numbers). Gradients: to input where
 * the condition holds, to other elsewhere (zeros, not NaN, where an operand was not selected).
 */
export function where(condition: Tensor<DType>, input: Tensor | number, other: Tensor | number): Tensor {
  checkAny(condition, 'condition');
  const a = typeof input === 'number' ? makeTensor(Float32Array.of(input), []) : input;
  const b = typeof other === 'number' ? makeTensor(Float32Array.of(other), []) : other;
  checkAny(a, 'input');
  checkAny(b, 'other');
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new TypeError(`Expected float32 tensors for input and other of where but received ${a.dtype} and ${b.dtype}`);
  const shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, 'where'), b.shape, 'where');
  const cd: Values = condition.data, ad = a.data, bd = b.data;
  const out = empty(shape), od = out.data;
  forEachBroadcast(shape, [condition.shape, a.shape, b.shape], (i, [ic, ia, ib]) => {
    od[i] = cd[ic] !== 0 ? ad[ia] : bd[ib];
  });
  if (needs2(a, b)) {
    const cs = condition.shape;
    record(out, 'where', [a, b], (g) => {
      const ga = fresh(shape), gb = fresh(shape), gd = g.data, gad = ga.data, gbd = gb.data;
      forEachBroadcast(shape, [cs], (i, [ic]) => {
        if (cd[ic] !== 0) gad[i] = gd[i];
        else gbd[i] = gd[i];
      });
      return [a._req ? sumToShape(ga, a.shape) : null, b._req ? sumToShape(gb, b.shape) : null];
    });
  }
  return out;
}

/**
 * torch's masked_fill(input, mask, value): value where mask is non-zero, input elsewhere; mask
 * broadcasts to input's shape (the result has input's shape). Gradient: to input where mask is zero.
 */
export function maskedFill(input: Tensor, mask: Tensor<DType>, value: number): Tensor {
  checkAny(input, 'input');
  checkAny(mask, 'mask');
  if (typeof value !== 'number') throw typeError('a number', 'value', value);
  const shape = broadcastShapes(input.shape, mask.shape, 'maskedFill');
  if (shape.length !== input.ndim || shape.some((d, i) => d !== input.shape[i])) {
    throw new RangeError(`The shape of the mask ${formatShape(mask.shape)} must broadcast to the shape of the input ${formatShape(input.shape)} (maskedFill)`);
  }
  return where(mask, value, input);
}

function predicate(x: Tensor<DType>, test: (v: number) => boolean): Tensor<'int32'> {
  checkAny(x, 'input');
  const xd: Values = x.data, out = new Int32Array(xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = test(xd[i]) ? 1 : 0;
  return makeTensor(out, x.shape.slice());
}

/** 1 where input is NaN, else 0 (int32; torch.isnan). */
export function isnan(input: Tensor<DType>): Tensor<'int32'> {
  return predicate(input, (v) => v !== v);
}
/** 1 where input is +∞ or −∞, else 0 (int32; torch.isinf). */
export function isinf(input: Tensor<DType>): Tensor<'int32'> {
  return predicate(input, (v) => v === Infinity || v === -Infinity);
}
/** 1 where input is neither NaN nor ±∞, else 0 (int32; torch.isfinite). */
export function isfinite(input: Tensor<DType>): Tensor<'int32'> {
  return predicate(input, Number.isFinite);
}

function anyAll(op: 'any' | 'all', x: Tensor<DType>, dim: number | readonly number[] | undefined, keepdim: unknown): Tensor<'int32'> {
  checkAny(x, 'input');
  const nz = toFloat(ne(x, 0));
  const count = dim === undefined ? sum(nz) : sum(nz, dim as number | number[], keepdim as boolean | undefined);
  if (op === 'any') return gt(count, 0);
  return eq(count, nz.size / Math.max(1, count.size)); // the count of each reduced group (0 for empty groups)
}

/** torch.any: 1 if any element (along dim) is non-zero (NaN counts), else 0; int32. */
export function any(input: Tensor<DType>, dim?: number | readonly number[], keepdim = false): Tensor<'int32'> {
  return anyAll('any', input, dim, keepdim);
}
/** torch.all: 1 if every element (along dim) is non-zero (NaN counts), else 0; int32 (all of nothing is 1). */
export function all(input: Tensor<DType>, dim?: number | readonly number[], keepdim = false): Tensor<'int32'> {
  return anyAll('all', input, dim, keepdim);
}
