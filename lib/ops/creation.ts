// Creation functions (torch names): tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint,
// randperm, zerosLike, onesLike, fullLike, randLike, randnLike.
import { generatorOf, type Generator } from '../random.js';
import { checkShape, makeTensor, shapeSize, Tensor } from '../tensor.js';
import { checkBoolean, checkFinite, checkInteger, checkOptions, typeError } from '../validate.js';

export interface CreationOptions {
  requiresGrad?: boolean;
}

export interface TensorOptions extends CreationOptions {
  /** The shape (default: from the nesting of the values; a flat array or typed array is 1-D). */
  shape?: readonly number[];
  /** 'float32' (default) or 'int32' (integer indices). */
  dtype?: 'float32' | 'int32';
}

export interface RandomOptions extends CreationOptions {
  generator?: Generator;
}

function shapeArg(args: readonly unknown[]): number[] {
  const s = args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
  checkShape(s);
  return s.slice();
}

function withGrad(t: Tensor, opts: CreationOptions | undefined): Tensor {
  const r = opts?.requiresGrad ?? false;
  checkBoolean(r, 'requiresGrad');
  if (r) t.requiresGrad = true;
  return t;
}

/** Nested arrays → flat values and shape (RangeError on ragged nesting). */
export function nestedValues(v: unknown, name: string): { values: number[]; shape: number[] } {
  if (typeof v === 'number') return { values: [v], shape: [] };
  if (!Array.isArray(v)) throw typeError('a number, a (nested) array of numbers or a typed array', name, v);
  if (v.length === 0) return { values: [], shape: [0] };
  const parts = v.map((e, i) => nestedValues(e, `${name}[${i}]`));
  const inner = parts[0].shape;
  for (let i = 1; i < parts.length; i++) {
    const s = parts[i].shape;
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j])) throw new RangeError(`expected sequence of length ${inner[0] ?? 'scalar'} at dim 1 (got ${s[0] ?? 'a scalar'}) in ${name}[${i}]: nested arrays must not be ragged`);
  }
  return { values: parts.flatMap((p) => p.values), shape: [v.length, ...inner] };
}

/**
 * A tensor from values (torch.tensor): a number (shape []), nested arrays, a number[] or a typed
 * array (copied). Options: shape, dtype ('float32' | 'int32'), requiresGrad.
 */
export function tensor(values: unknown, opts?: TensorOptions): Tensor {
  checkOptions(opts, 'tensor options', ['shape', 'requiresGrad', 'dtype']);
  const dtype = opts?.dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
  if (dtype !== 'float32' && dtype !== 'int32') throw typeError("'float32' or 'int32'", 'dtype', dtype);
  let flat: ArrayLike<number>, shape: number[];
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    if (values instanceof BigInt64Array || values instanceof BigUint64Array) throw typeError('a number array or a non-bigint typed array', 'values', values);
    flat = values as unknown as ArrayLike<number>;
    shape = [flat.length];
  } else if (values instanceof Tensor) {
    flat = values.data;
    shape = values.shape.slice();
  } else {
    const f = nestedValues(values, 'values');
    flat = f.values;
    shape = f.shape;
  }
  if (opts?.shape !== undefined) {
    checkShape(opts.shape, 'shape');
    if (shapeSize(opts.shape) !== flat.length) throw new RangeError(`Expected ${shapeSize(opts.shape)} values for shape [${opts.shape.join(', ')}] but received ${flat.length}`);
    shape = opts.shape.slice();
  }
  if (dtype === 'int32') {
    const t = makeTensor(Int32Array.from(flat), shape) as unknown as Tensor;
    if (opts?.requiresGrad) t.requiresGrad = true;
    return t;
  }
  return withGrad(makeTensor(Float32Array.from(flat), shape), opts);
}

/** Zeros of shape: zeros([2, 3]) or zeros(2, 3); an options object may follow. */
export function zeros(...args: (number | readonly number[] | CreationOptions)[]): Tensor {
  const { shape, opts } = split(args);
  return withGrad(makeTensor(new Float32Array(shapeSize(shape)), shape), opts);
}

export function ones(...args: (number | readonly number[] | CreationOptions)[]): Tensor {
  const { shape, opts } = split(args);
  return withGrad(makeTensor(new Float32Array(shapeSize(shape)).fill(1), shape), opts);
}

function split(args: readonly unknown[]): { shape: number[]; opts: CreationOptions | undefined } {
  const last = args[args.length - 1];
  const hasOpts = last !== null && typeof last === 'object' && !Array.isArray(last);
  const opts = hasOpts ? (last as CreationOptions) : undefined;
  if (hasOpts) checkOptions(opts, 'options', ['requiresGrad']);
  return { shape: shapeArg(hasOpts ? args.slice(0, -1) : args), opts };
}

/** A tensor of shape filled with value (rounded to binary32). */
export function full(shape: readonly number[], value: number, opts?: CreationOptions): Tensor {
  checkShape(shape);
  if (typeof value !== 'number') throw typeError('a number', 'value', value);
  return withGrad(makeTensor(new Float32Array(shapeSize(shape)).fill(value), shape.slice()), opts);
}

/** start, start + step, ... below end: arange(end), arange(start, end, step = 1) (float32 values). */
export function arange(start: number, end?: number, step = 1, opts?: CreationOptions): Tensor {
  let s = start, e = end;
  if (e === undefined) {
    e = s;
    s = 0;
  }
  checkFinite(s, 'start');
  checkFinite(e, 'end');
  checkFinite(step, 'step');
  if (step === 0) throw new RangeError('step must be nonzero for arange');
  const n = Math.max(0, Math.ceil((e - s) / step));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = s + i * step;
  return withGrad(makeTensor(out, [n]), opts);
}

function randomShape(shape: unknown, opts: RandomOptions | undefined): number[] {
  checkShape(shape);
  checkOptions(opts, 'options', ['generator', 'requiresGrad']);
  return (shape as number[]).slice();
}

/** Uniform [0, 1) values (the generator's Philox stream; same bits on both backends). */
export function rand(shape: readonly number[], opts?: RandomOptions): Tensor {
  const s = randomShape(shape, opts);
  const t = makeTensor(new Float32Array(shapeSize(s)), s);
  generatorOf(opts?.generator).uniform(t.data, 0, 1);
  return withGrad(t, opts);
}

/** Standard normal values (the generator's Philox stream, Box–Muller). */
export function randn(shape: readonly number[], opts?: RandomOptions): Tensor {
  const s = randomShape(shape, opts);
  const t = makeTensor(new Float32Array(shapeSize(s)), s);
  generatorOf(opts?.generator).normal(t.data, 0, 1);
  return withGrad(t, opts);
}

export function zerosLike(t: Tensor, opts?: CreationOptions): Tensor {
  return zeros(t.shape, opts ?? {});
}

export function onesLike(t: Tensor, opts?: CreationOptions): Tensor {
  return ones(t.shape, opts ?? {});
}



export function fullLike(t: Tensor, value: number, opts?: CreationOptions): Tensor {
  return full(t.shape, value, opts);
}

export function randLike(t: Tensor, opts?: RandomOptions): Tensor {
  return rand(t.shape, opts);
}

export function randnLike(t: Tensor, opts?: RandomOptions): Tensor {
  return randn(t.shape, opts);
}

/**
 * steps values from start to end inclusive, evenly spaced, in torch's binary32 arithmetic: step =
 * (end − start) / (steps − 1) rounded; the first half start + step·i, the second end − step·(steps − 1 − i),
 * each rounded once (a fused multiply-add, as torch's kernel), so
 * the last value is exactly end.
 */
export function linspace(start: number, end: number, steps: number, opts?: CreationOptions): Tensor {
  checkFinite(start, 'start');
  checkFinite(end, 'end');
  checkInteger(steps, 'steps', 0);
  const fr = Math.fround, a = fr(start), b = fr(end);
  const out = new Float32Array(steps), step = steps > 1 ? fr(fr(b - a) / (steps - 1)) : 0, half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < half ? a + step * i : b - step * (steps - 1 - i); // one rounding (torch's fused multiply-add)
  return withGrad(makeTensor(out, [steps]), opts);
}

/** The n × m identity (m defaults to n). */
export function eye(n: number, m: number = n, opts?: CreationOptions): Tensor {
  checkInteger(n, 'n', 0);
  checkInteger(m, 'm', 0);
  const out = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return withGrad(makeTensor(out, [n, m]), opts);
}

export interface RandintOptions {
  generator?: Generator;
}

/**
 * torch.randint(low, high, shape): uniform integers in [low, high) as an int32 tensor, unbiased (the
 * generator's rejection sampling: the same values on every backend and run for a seed).
 */
export function randint(low: number, high: number, shape: readonly number[], opts?: RandintOptions): Tensor<'int32'> {
  checkInteger(low, 'low', -(2 ** 31), 2 ** 31 - 1);
  checkInteger(high, 'high', -(2 ** 31) + 1, 2 ** 31);
  if (high <= low) throw new RangeError(`randint expects low < high but received low ${low} and high ${high}`);
  checkShape(shape);
  checkOptions(opts, 'options', ['generator']);
  const out = new Int32Array(shapeSize(shape)), ints = generatorOf(opts?.generator).integers(), m = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + ints.below(m);
  return makeTensor(out, shape.slice());
}

/** torch.randperm(n): a uniformly random permutation of 0..n−1 as an int32 tensor (Fisher–Yates on the generator). */
export function randperm(n: number, opts?: RandintOptions): Tensor<'int32'> {
  checkInteger(n, 'n', 0, 2 ** 31 - 1);
  checkOptions(opts, 'options', ['generator']);
  return makeTensor(Int32Array.from(generatorOf(opts?.generator).permutation(n)), [n]);
}
