// Elementwise family: binary ops with broadcasting, scalar ops, axpy, fill, copy, clamp.
// Spec: native/kernels/elementwise_api.h; twin: lib/backend/js/elementwise.ts.
import { arg, codes, defineFamily } from '../contract.js';

export const BINARY_OP = codes('Binary ops: y = a op b.', 'BinaryOp', { add: 'OP_ADD', sub: 'OP_SUB', mul: 'OP_MUL', div: 'OP_DIV' }, 'OP_COUNT');
export type BinaryOp = (typeof BINARY_OP.names)[number];
export const BINARY_OP_CODE = BINARY_OP.code;

/** How b is laid over a (rows × cols): same shape, one scalar, a row vector (cols) or a column vector (rows). */
export const BROADCAST = codes('How b is laid over a (rows x cols).', 'BroadcastMode', { full: 'BC_FULL', scalar: 'BC_SCALAR', row: 'BC_ROW', col: 'BC_COL' }, 'BC_COUNT');
export type Broadcast = (typeof BROADCAST.names)[number];
export const BROADCAST_CODE = BROADCAST.code;

/** The ops of the N-D broadcast kernel (maximum/minimum as torch: NaN if either is NaN, a tie keeps a). */
export const BROADCAST_OP = codes('N-D broadcast binary ops: y = a op b.', 'BroadcastOp', { add: 'BOP_ADD', sub: 'BOP_SUB', mul: 'BOP_MUL', div: 'BOP_DIV', maximum: 'BOP_MAX', minimum: 'BOP_MIN' }, 'BOP_COUNT');
export type BroadcastOp = (typeof BROADCAST_OP.names)[number];
export const BROADCAST_OP_CODE = BROADCAST_OP.code;

/** The most dims of an N-D broadcast (the geometry's rank). */
export const BROADCAST_MAX_RANK = 16;

export interface ElementwiseKernels {
  binary(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, rows: number, cols: number, mode: Broadcast): void;
  scalar(op: BinaryOp, a: Float32Array, s: number, out: Float32Array): void;
  /** y = y + alpha * x */
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;
  fill(value: number, out: Float32Array): void;
  copy(x: Float32Array, out: Float32Array): void;
  clamp(x: Float32Array, lo: number, hi: number, out: Float32Array): void;
  /**
   * out[i] = a[ia(i)] op b[ib(i)] over out's row-major shape; geometry = [rank, shape…, a's element
   * strides…, b's element strides…] (0 on broadcast dims). Each element one binary32 operation.
   */
  broadcast(op: BroadcastOp, a: Float32Array, b: Float32Array, out: Float32Array, geometry: Int32Array): void;
  /**
   * out (row-major over shape) = x read from element offset x0 with per-dim element strides (any
   * order, 0 for repeats): the copy behind permute, expand, narrow, cat. geometry = [rank, x0, shape…, strides…].
   */
  stridedCopy(x: Float32Array, out: Float32Array, geometry: Int32Array): void;
}

export const elementwise = defineFamily<ElementwiseKernels>()({
  name: 'elementwise',
  doc: 'binary ops with broadcasting, scalar ops, axpy, fill, copy, clamp',
  table: true,
  declarations: [BINARY_OP, BROADCAST, BROADCAST_OP],
  entries: {
    ewBinary: { args: [arg.code('op', BINARY_OP), arg.f32('a'), arg.f32('b'), arg.f32('out'), arg.size('rows'), arg.size('cols'), arg.code('mode', BROADCAST)] },
    ewScalar: { args: [arg.code('op', BINARY_OP), arg.f32('a'), arg.number('scalar'), arg.f32('out')] },
    ewAxpy: { args: [arg.number('alpha'), arg.f32('x'), arg.f32('y')] },
    ewFill: { args: [arg.number('value'), arg.f32('out')] },
    ewCopy: { args: [arg.f32('x'), arg.f32('out')] },
    ewClamp: { args: [arg.f32('x'), arg.number('min'), arg.number('max'), arg.f32('out')] },
    ewBroadcast: { args: [arg.code('op', BROADCAST_OP), arg.f32('a'), arg.f32('b'), arg.f32('out'), arg.i32('geometry')] },
    ewStridedCopy: { args: [arg.f32('x'), arg.f32('out'), arg.i32('geometry')] },
  },
  adapt: (a) => {
    // A copy below the parallel threshold runs on one thread either way, and TypedArray.set (a memmove,
    // the same bits) costs no N-API call: 0.05 vs 0.22 µs at 1e3 elements (bench/suites/elementwise.ts).
    const copyNativeMin = (a as { buildInfo?: () => { parallelMinWork: number } }).buildInfo?.().parallelMinWork ?? 0;
    return {
      binary: (op, x, y, out, rows, cols, mode) => a.ewBinary(BINARY_OP_CODE[op], x, y, out, rows, cols, BROADCAST_CODE[mode]),
      scalar: (op, x, s, out) => a.ewScalar(BINARY_OP_CODE[op], x, s, out),
      axpy: (alpha, x, y) => a.ewAxpy(alpha, x, y),
      fill: (v, out) => a.ewFill(v, out),
      copy: (x, out) => (x.length < copyNativeMin ? out.set(x) : a.ewCopy(x, out)),
      clamp: (x, lo, hi, out) => a.ewClamp(x, lo, hi, out),
      broadcast: (op, x, y, out, g) => a.ewBroadcast(BROADCAST_OP_CODE[op], x, y, out, g),
      stridedCopy: (x, out, g) => a.ewStridedCopy(x, out, g),
    };
  },
});
