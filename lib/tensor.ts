// Tensor: a Float32Array with a shape (row-major, contiguous). Parameter: a Tensor with a gradient.
import { checkFloat32Array, rangeError, typeError } from './validate.js';

export type Shape = readonly number[];

export function checkShape(shape: unknown, name = 'shape'): asserts shape is Shape {
  if (!Array.isArray(shape)) throw typeError('an array of non-negative integers', name, shape);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number') throw typeError('an array of non-negative integers', `${name}[${i}]`, d);
    if (!Number.isInteger(d) || d < 0) throw rangeError('a non-negative integer', `${name}[${i}]`, d);
  }
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];

  constructor(data: Float32Array, shape: readonly number[]) {
    checkFloat32Array(data, 'data');
    checkShape(shape);
    const n = shapeSize(shape);
    if (n !== data.length) {
      throw new RangeError(`Expected data of length ${n} for shape ${formatShape(shape)} but received length ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  static zeros(shape: readonly number[]): Tensor {
    checkShape(shape);
    return new Tensor(new Float32Array(shapeSize(shape)), shape);
  }

  static from(values: ArrayLike<number>, shape?: readonly number[]): Tensor {
    const data = Float32Array.from(values);
    return new Tensor(data, shape ?? [data.length]);
  }

  /** Same data, new shape (no copy). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  toArray(): number[] {
    return Array.from(this.data);
  }
}

export class Parameter extends Tensor {
  grad: Tensor | null = null;

  constructor(data: Float32Array, shape: readonly number[]) {
    super(data, shape);
  }

  static override zeros(shape: readonly number[]): Parameter {
    checkShape(shape);
    return new Parameter(new Float32Array(shapeSize(shape)), shape);
  }
}

export function checkTensor(v: unknown, name: string): asserts v is Tensor {
  if (!(v instanceof Tensor)) throw typeError('a Tensor', name, v);
}
