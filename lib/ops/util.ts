// Shared pieces of the tensor ops: the `out` option and rank checks.
import { checkTensor, formatShape, sameShape, Tensor, type Shape } from '../tensor.js';
import { checkOptions, partlyOverlaps } from '../validate.js';

export interface OutOptions {
  /** Write the result here instead of allocating (must have the result's shape). */
  out?: Tensor;
}

/** Validates opts.out against the result shape and the inputs it may replace in place; returns the output tensor. */
export function outputFor(shape: Shape, opts: OutOptions | undefined, name: string, inputs: readonly Tensor[], allowInPlace = true): Tensor {
  checkOptions(opts, `${name} options`, ['out']);
  const out = opts?.out;
  if (out === undefined) return Tensor.zeros(shape);
  checkTensor(out, 'out');
  if (!sameShape(out.shape, shape)) {
    throw new RangeError(`Expected out of shape ${formatShape(shape)} for ${name} but received shape ${formatShape(out.shape)}`);
  }
  for (const t of inputs) {
    if (allowInPlace ? partlyOverlaps(out.data, t.data) : out.data.buffer === t.data.buffer && overlapsAny(out.data, t.data)) {
      throw new RangeError(`Expected out of ${name} to be the same array as an input or not to overlap it, but it partly overlaps one`);
    }
  }
  return out;
}

function overlapsAny(a: Float32Array, b: Float32Array): boolean {
  return a.length > 0 && b.length > 0 && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
