// Unary family: elementwise maps, activation backward, softmax and log-softmax. Spec:
// native/kernels/unary_api.h, docs/numerics.md "Unary family"; twin: lib/backend/js/unary.ts.
import { arg, codes, defineFamily } from '../contract.js';

export const UNARY_OP = codes(
  'Unary maps (same shape in and out).',
  'UnaryOp',
  { neg: 'UN_NEG', abs: 'UN_ABS', sqrt: 'UN_SQRT', square: 'UN_SQUARE', exp: 'UN_EXP', log: 'UN_LOG', relu: 'UN_RELU', sigmoid: 'UN_SIGMOID', tanh: 'UN_TANH', reciprocal: 'UN_RECIPROCAL' },
  'UN_COUNT',
);
export type UnaryOp = (typeof UNARY_OP.names)[number];
export const UNARY_OP_CODE = UNARY_OP.code;

export const ACT_BACKWARD = codes('Activation backward given the forward output y.', 'ActBackward', { relu: 'ACT_RELU', sigmoid: 'ACT_SIGMOID', tanh: 'ACT_TANH' }, 'ACT_COUNT');
export type ActivationBackward = (typeof ACT_BACKWARD.names)[number];
export const ACT_BACKWARD_CODE = ACT_BACKWARD.code;

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

export const unary = defineFamily<UnaryKernels>()({
  name: 'unary',
  doc: 'neg, abs, sqrt, square, exp, log, relu, sigmoid, tanh; activation backward; softmax, log-softmax',
  table: true,
  declarations: [UNARY_OP, ACT_BACKWARD],
  entries: {
    unaryMap: { args: [arg.code('op', UNARY_OP), arg.f32('x'), arg.f32('out')] },
    unaryBackward: { args: [arg.code('op', ACT_BACKWARD), arg.f32('y'), arg.f32('dy'), arg.f32('out')] },
    softmax: { args: [arg.f32('x'), arg.f32('out'), arg.size('rows'), arg.size('cols')] },
    logSoftmax: { args: [arg.f32('x'), arg.f32('out'), arg.size('rows'), arg.size('cols')] },
  },
  adapt: (a) => ({
    map: (op, x, out) => a.unaryMap(UNARY_OP_CODE[op], x, out),
    backward: (op, y, dy, out) => a.unaryBackward(ACT_BACKWARD_CODE[op], y, dy, out),
    softmax: (x, out, rows, cols) => a.softmax(x, out, rows, cols),
    logSoftmax: (x, out, rows, cols) => a.logSoftmax(x, out, rows, cols),
  }),
});
