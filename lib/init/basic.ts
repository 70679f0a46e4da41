// Elementwise random and constant initializers (torch.nn.init semantics, in place, returning the tensor).
// Random ones draw through Generator.uniform/normal: bit-identical on both backends (docs/numerics.md, RNG).
import { kernels } from '../backend/select.js';
import type { Tensor } from '../tensor.js';
import { checkFinite, rangeError } from '../validate.js';
import { calculateGain, checkPositive, fans, num, prepare, type FanMode, type GeneratorOptions, type Nonlinearity } from './common.js';
import { checkTensor } from '../tensor.js';

/** U(a, b): w = fround(a) + fround(b - a) * u, u in [0, 1). Defaults a = 0, b = 1. */
export function uniform<T extends Tensor>(w: T, opts?: { a?: number; b?: number } & GeneratorOptions): T {
  const { o, gen } = prepare(w, opts, 'uniform', ['a', 'b']);
  const a = num(o.a, 'a', 0), b = num(o.b, 'b', 1);
  if (!(a <= b)) throw rangeError(`a number >= a (${a})`, 'b', b);
  gen.uniform(w.data, a, b);
  return w;
}

/** N(mean, std^2): w = fround(mean) + fround(std) * z. Defaults mean = 0, std = 1. */
export function normal<T extends Tensor>(w: T, opts?: { mean?: number; std?: number } & GeneratorOptions): T {
  const { o, gen } = prepare(w, opts, 'normal', ['mean', 'std']);
  const mean = num(o.mean, 'mean', 0), std = num(o.std, 'std', 1);
  if (std < 0) throw rangeError('a number >= 0', 'std', std);
  gen.normal(w.data, mean, std);
  return w;
}

/** w = fround(value). */
export function constant<T extends Tensor>(w: T, value: number): T {
  checkTensor(w, 'tensor');
  checkFinite(value, 'value');
  kernels().elementwise.fill(Math.fround(value), w.data);
  return w;
}

export function zeros<T extends Tensor>(w: T): T {
  return constant(w, 0);
}

export function ones<T extends Tensor>(w: T): T {
  return constant(w, 1);
}

function xavierFans(w: Tensor): { fanIn: number; fanOut: number } {
  const f = fans(w);
  checkPositive(f.fanIn + f.fanOut, 'fanIn + fanOut');
  return f;
}

/** Glorot & Bengio: U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform<T extends Tensor>(w: T, opts?: { gain?: number } & GeneratorOptions): T {
  const { o, gen } = prepare(w, opts, 'xavierUniform', ['gain']);
  const gain = num(o.gain, 'gain', 1);
  const { fanIn, fanOut } = xavierFans(w);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  gen.uniform(w.data, -a, a);
  return w;
}

/** Glorot & Bengio: N(0, std^2), std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal<T extends Tensor>(w: T, opts?: { gain?: number } & GeneratorOptions): T {
  const { o, gen } = prepare(w, opts, 'xavierNormal', ['gain']);
  const gain = num(o.gain, 'gain', 1);
  const { fanIn, fanOut } = xavierFans(w);
  gen.normal(w.data, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
  return w;
}

export interface KaimingOptions extends GeneratorOptions {
  /** Negative slope of the leaky relu after this layer (only with nonlinearity leakyRelu). Default 0. */
  a?: number;
  /** fanIn (default) keeps the forward variance, fanOut the backward one. */
  mode?: FanMode;
  /** Default 'leakyRelu' (as torch), which with a = 0 is relu's gain sqrt(2). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(w: Tensor, o: Partial<KaimingOptions>): number {
  const mode = o.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw rangeError("'fanIn' or 'fanOut'", 'mode', mode);
  const f = fans(w);
  const fan = mode === 'fanIn' ? f.fanIn : f.fanOut;
  checkPositive(fan, `${mode} (the tensor has no elements along it)`);
  const gain = calculateGain(o.nonlinearity ?? 'leakyRelu', num(o.a, 'a', 0));
  return gain / Math.sqrt(fan);
}

/** He et al.: U(-bound, bound), bound = gain * sqrt(3 / fan). */
export function kaimingUniform<T extends Tensor>(w: T, opts?: KaimingOptions): T {
  const { o, gen } = prepare(w, opts, 'kaimingUniform', ['a', 'mode', 'nonlinearity']);
  const bound = Math.sqrt(3) * kaimingStd(w, o);
  gen.uniform(w.data, -bound, bound);
  return w;
}

/** He et al.: N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal<T extends Tensor>(w: T, opts?: KaimingOptions): T {
  const { o, gen } = prepare(w, opts, 'kaimingNormal', ['a', 'mode', 'nonlinearity']);
  gen.normal(w.data, 0, kaimingStd(w, o));
  return w;
}

