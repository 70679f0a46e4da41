// Adapts the addon's elementwise bindings (native/binding/elementwise.cc) to ElementwiseKernels.
import { BINARY_OP_CODE, BROADCAST_CODE, type ElementwiseKernels } from '../kernels.js';

interface ElementwiseAddon {
  ewBinary(op: number, a: Float32Array, b: Float32Array, y: Float32Array, rows: number, cols: number, mode: number): void;
  ewScalar(op: number, a: Float32Array, s: number, y: Float32Array): void;
  ewAxpy(alpha: number, x: Float32Array, y: Float32Array): void;
  ewFill(value: number, y: Float32Array): void;
  ewCopy(x: Float32Array, y: Float32Array): void;
  ewClamp(x: Float32Array, lo: number, hi: number, y: Float32Array): void;
}

export function nativeElementwise(addon: object): ElementwiseKernels {
  const a = addon as ElementwiseAddon;
  // A copy below the parallel threshold runs on one thread either way, and TypedArray.set (a memmove,
  // the same bits) costs no N-API call: 0.05 vs 0.22 µs at 1e3 elements (bench/suites/elementwise.ts).
  const copyNativeMin = (addon as { buildInfo?: () => { parallelMinWork: number } }).buildInfo?.().parallelMinWork ?? 0;
  return {
    binary: (op, x, y, out, rows, cols, mode) => a.ewBinary(BINARY_OP_CODE[op], x, y, out, rows, cols, BROADCAST_CODE[mode]),
    scalar: (op, x, s, out) => a.ewScalar(BINARY_OP_CODE[op], x, s, out),
    axpy: (alpha, x, y) => a.ewAxpy(alpha, x, y),
    fill: (v, out) => a.ewFill(v, out),
    copy: (x, out) => (x.length < copyNativeMin ? out.set(x) : a.ewCopy(x, out)),
    clamp: (x, lo, hi, out) => a.ewClamp(x, lo, hi, out),
  };
}
