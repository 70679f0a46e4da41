// Adapts the addon's reduction bindings (native/binding/reduce.cc) to ReduceKernels.
import { REDUCE_OP_CODE, type ReduceKernels } from '../kernels.js';

interface ReduceAddon {
  reduceAll(op: number, x: Float32Array, divisor: number): number;
  reduceAxis(op: number, x: Float32Array, rows: number, cols: number, axis: number, divisor: number, out: Float32Array): void;
  reduceNormList(xs: readonly Float32Array[]): number;
}

export function nativeReduce(addon: object): ReduceKernels {
  const a = addon as ReduceAddon;
  return {
    all: (op, x, divisor) => a.reduceAll(REDUCE_OP_CODE[op], x, divisor),
    axis: (op, x, rows, cols, axis, divisor, out) => a.reduceAxis(REDUCE_OP_CODE[op], x, rows, cols, axis, divisor, out),
    normL2List: (xs) => a.reduceNormList(xs),
  };
}
