// Reduction family: full and axis reductions, the norm of a list. Spec: native/kernels/reduce_api.h,
// docs/numerics.md "Reduction family"; twin: lib/backend/js/reduce.ts.
import { arg, codes, defineFamily } from '../contract.js';

export const REDUCE_OP = codes(
  'Full and axis reductions, as seen from JavaScript.',
  'ReduceOp',
  { sum: 'RED_SUM', mean: 'RED_MEAN', sumSquares: 'RED_SUMSQ', norm: 'RED_NORM', max: 'RED_MAX', argmax: 'RED_ARGMAX', variance: 'RED_VAR' },
  'RED_OP_COUNT',
);
export type ReduceOp = (typeof REDUCE_OP.names)[number];
export const REDUCE_OP_CODE = REDUCE_OP.code;

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

export const reduce = defineFamily<ReduceKernels>()({
  name: 'reduce',
  doc: 'sum, mean, sum of squares, norm, max, argmax, variance: over everything or one axis',
  table: true,
  declarations: [REDUCE_OP],
  entries: {
    reduceAll: { args: [arg.code('op', REDUCE_OP), arg.f32('x'), arg.number('divisor')], returns: 'number' },
    reduceAxis: {
      args: [arg.code('op', REDUCE_OP), arg.f32('x'), arg.size('rows'), arg.size('cols'), arg.int('axis', 0, 1), arg.number('divisor'), arg.f32('out')],
    },
    reduceNormList: { args: [arg.f32List('xs')], returns: 'number' },
  },
  adapt: (a) => ({
    all: (op, x, divisor) => a.reduceAll(REDUCE_OP_CODE[op], x, divisor),
    axis: (op, x, rows, cols, axis, divisor, out) => a.reduceAxis(REDUCE_OP_CODE[op], x, rows, cols, axis, divisor, out),
    normL2List: (xs) => a.reduceNormList(xs),
  }),
});
