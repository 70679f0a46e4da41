// Reductions: sum, mean, sumSquares, norm, max, argmax, variance over all elements or along one axis
// of a 2-D tensor (torch's `dim`), and normL2List, the global L2 norm of a list of tensors.
// Every result follows the canonical order of docs/numerics.md ("Reduction family"), so both
// backends, every SIMD level and every thread count give the same bits.
import { kernels } from '../backend/select.js';
import type { ReduceOp } from '../backend/kernels.js';
import { checkTensor, formatShape, sameShape, Tensor, type Shape } from '../tensor.js';
import { checkBoolean, checkFinite, checkInteger, checkOptions, overlaps, rangeError, typeError } from '../validate.js';

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
  const out = output(p, x, opts, op);
  const divisor = Math.fround(Math.max(0, p.len - correction));
  const K = kernels().reduce;
  if (p.axis === null) out.data[0] = K.all(op, x.data, divisor);
  else K.axis(op, x.data, p.rows, p.cols, p.axis, divisor, out.data);
  return out;
}

/** Sum (canonical order). Empty: 0. */
export const sum = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('sum', x, opts, OPTIONS);

/** Mean = sum / n (one binary32 divide by n rounded to binary32). Empty: NaN. */
export const mean = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('mean', x, opts, OPTIONS);

/** Sum of squares: canonical sum of the terms x*x. */
export const sumSquares = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('sumSquares', x, opts, OPTIONS);

/** L2 norm = sqrt(sumSquares) (torch.linalg.vector_norm with ord 2; no rescaling, so it overflows to Inf past ~1.8e19 per element). */
export const norm = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('norm', x, opts, OPTIONS);

/**
 * Maximum; NaN if any element is NaN. Only the values (torch.max with dim also returns indices:
 * use argmax). When +0 and -0 tie for the maximum, which one is returned follows the fixed order of
 * docs/numerics.md. Empty input (or an empty reduced dimension): RangeError, as torch.
 */
export const max = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('max', x, opts, OPTIONS);

/**
 * Index of the maximum: the first NaN if there is one, else the first index holding the maximum
 * (ties and +0/-0 return the FIRST index, like torch). The result is a float32 Tensor of indices
 * (flat indices for a full reduction, row or column indices along an axis), exact below 2^24.
 * Empty input (or an empty reduced dimension): RangeError.
 */
export const argmax = (x: Tensor, opts?: ReduceOptions): Tensor => reduce('argmax', x, opts, OPTIONS);

/**
 * Variance, two-pass: m = mean; canonical sum of d*d with d = x - m; divided by max(0, n - correction)
 * (default correction 1, torch.var's unbiased estimate; n <= correction gives NaN or Inf as torch).
 */
export const variance = (x: Tensor, opts?: VarianceOptions): Tensor => reduce('variance', x, opts, [...OPTIONS, 'correction']);

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
