// Adapts the addon's unary bindings (native/binding/unary.cc) to UnaryKernels.
import { ACT_BACKWARD_CODE, UNARY_OP_CODE, type UnaryKernels } from '../kernels.js';

interface UnaryAddon {
  unaryMap(op: number, x: Float32Array, y: Float32Array): void;
  unaryBackward(op: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  logSoftmax(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
}

export function nativeUnary(addon: object): UnaryKernels {
  const a = addon as UnaryAddon;
  return {
    map: (op, x, out) => a.unaryMap(UNARY_OP_CODE[op], x, out),
    backward: (op, y, dy, out) => a.unaryBackward(ACT_BACKWARD_CODE[op], y, dy, out),
    softmax: (x, out, rows, cols) => a.softmax(x, out, rows, cols),
    logSoftmax: (x, out, rows, cols) => a.logSoftmax(x, out, rows, cols),
  };
}
