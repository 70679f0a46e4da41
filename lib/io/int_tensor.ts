// IntTensor: an Int32Array with a shape (row-major): integer tensors such as counters and indices.
import { checkShape, formatShape, shapeSize } from '../tensor.js';
import { typeError } from '../validate.js';

/** An integer tensor (I32, or I64 values that fit in int32): counters and indices. */
export class IntTensor {
  readonly shape: readonly number[];
  constructor(readonly data: Int32Array, shape: readonly number[], readonly dtype: 'I32' | 'I64' = 'I64') {
    if (!(data instanceof Int32Array)) throw typeError('an Int32Array', 'data', data);
    checkShape(shape);
    if (shapeSize(shape) !== data.length) throw new RangeError(`Expected data of length ${shapeSize(shape)} for shape ${formatShape(shape)} but received length ${data.length}`);
    if (dtype !== 'I32' && dtype !== 'I64') throw typeError("'I32' or 'I64'", 'dtype', dtype);
    this.shape = Object.freeze(shape.slice());
  }
}
