// Elementwise tensor ops: add, sub, mul, div (with broadcasting of a scalar, a row or a column
// vector over a 2-D tensor), scale, addScalar, clamp.
import { kernels } from '../backend/select.js';
import type { BinaryOp, Broadcast } from '../backend/kernels.js';
import { checkTensor, formatShape, sameShape, Tensor } from '../tensor.js';
import { checkNumber, rangeError } from '../validate.js';
import { outputFor, type OutOptions } from './util.js';

function broadcastMode(a: Tensor, b: Tensor, name: string): { mode: Broadcast; rows: number; cols: number } {
  const n = a.size;
  if (sameShape(a.shape, b.shape)) return { mode: 'full', rows: 1, cols: n };
  if (b.size === 1 && b.ndim <= a.ndim) return { mode: 'scalar', rows: 1, cols: n };
  if (a.ndim === 2) {
    const [r, c] = a.shape;
    if ((b.ndim === 1 && b.shape[0] === c) || (b.ndim === 2 && b.shape[0] === 1 && b.shape[1] === c)) return { mode: 'row', rows: r, cols: c };
    if (b.ndim === 2 && b.shape[0] === r && b.shape[1] === 1) return { mode: 'col', rows: r, cols: c };
  }
  throw new RangeError(
    `Expected b of ${name} to have the shape of a ${formatShape(a.shape)}, one element, a row [${a.shape[a.ndim - 1] ?? ''}] or a column [${a.shape[0] ?? ''}, 1] but received shape ${formatShape(b.shape)}`,
  );
}

function binary(op: BinaryOp, a: Tensor, b: Tensor | number, opts: OutOptions | undefined): Tensor {
  checkTensor(a, 'a');
  if (typeof b === 'number') {
    const out = outputFor(a.shape, opts, op, [a]);
    kernels().elementwise.scalar(op, a.data, b, out.data);
    return out;
  }
  checkTensor(b, 'b');
  const { mode, rows, cols } = broadcastMode(a, b, op);
  const out = outputFor(a.shape, opts, op, [a, b], true);
  if (mode !== 'full' && out.size > 0 && out.data.buffer === b.data.buffer &&
      out.data.byteOffset < b.data.byteOffset + b.data.byteLength && b.data.byteOffset < out.data.byteOffset + out.data.byteLength) {
    throw new RangeError(`Expected out of ${op} not to overlap the broadcast operand b`);
  }
  kernels().elementwise.binary(op, a.data, b.data, out.data, rows, cols, mode);
  return out;
}

export const add = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('add', a, b, opts);
export const sub = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('sub', a, b, opts);
export const mul = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('mul', a, b, opts);
export const div = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('div', a, b, opts);

/** a * s */
export function scale(a: Tensor, s: number, opts?: OutOptions): Tensor {
  checkTensor(a, 'a');
  checkNumber(s, 's');
  return binary('mul', a, s, opts);
}

/** a + s */
export function addScalar(a: Tensor, s: number, opts?: OutOptions): Tensor {
  checkTensor(a, 'a');
  checkNumber(s, 's');
  return binary('add', a, s, opts);
}

/** min(max(a, min), max), propagating NaN. */
export function clamp(a: Tensor, min: number, max: number, opts?: OutOptions): Tensor {
  checkTensor(a, 'a');
  checkNumber(min, 'min');
  checkNumber(max, 'max');
  if (min > max) throw rangeError(`a number >= min (${min})`, 'max', max);
  const out = outputFor(a.shape, opts, 'clamp', [a]);
  kernels().elementwise.clamp(a.data, min, max, out.data);
  return out;
}
