// Shared pieces of the initializers: tensor checks, fans (torch.nn.init._calculate_fan_in_and_fan_out), gains.
import { checkTensor, formatShape, type Tensor } from '../tensor.js';
import { generatorOf, type Generator } from '../random.js';
import { checkFinite, checkOptions, rangeError, typeError } from '../validate.js';

export interface GeneratorOptions {
  /** The generator to draw from (default: the global one, see fg.manualSeed). */
  generator?: Generator;
}

/** Validates an initializer's (tensor, options) pair; returns the options object (never undefined) and the generator. */
export function prepare<O extends object>(w: unknown, opts: O | undefined, name: string, known: readonly string[]): { o: Partial<O>; gen: Generator } {
  checkTensor(w, 'tensor');
  checkOptions(opts, `${name} options`, [...known, 'generator']);
  const o = (opts ?? {}) as Partial<O> & GeneratorOptions;
  return { o, gen: generatorOf(o.generator) };
}

/** A finite number option with a default. */
export function num(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  checkFinite(v, name);
  return v;
}

export type FanMode = 'fanIn' | 'fanOut';

/** (fanIn, fanOut) of a weight of shape (out, in, ...receptive field) as torch computes them; needs >= 2 dims. */
export function fans(w: Tensor): { fanIn: number; fanOut: number } {
  if (w.shape.length < 2) {
    throw new RangeError(`Expected a tensor with at least 2 dimensions (fans need (out, in, ...)) for tensor but received shape ${formatShape(w.shape)}`);
  }
  let receptive = 1;
  for (let i = 2; i < w.shape.length; i++) receptive *= w.shape[i];
  return { fanIn: w.shape[1] * receptive, fanOut: w.shape[0] * receptive };
}

export type Nonlinearity =
  | 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'leaky_relu' | 'selu';

const UNIT_GAIN = ['linear', 'identity', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid'];

/**
 * torch.nn.init.calculate_gain: 1 for linear, identity, conv and sigmoid, 5/3 for tanh, sqrt(2) for relu,
 * sqrt(2 / (1 + slope^2)) for leaky relu (param = negative slope, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (typeof nonlinearity !== 'string') throw typeError('a nonlinearity name', 'nonlinearity', nonlinearity);
  if (UNIT_GAIN.includes(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'selu': return 3 / 4;
    case 'leakyRelu':
    case 'leaky_relu': {
      const slope = num(param, 'param', 0.01);
      return Math.sqrt(2 / (1 + slope * slope));
    }
  }
  throw rangeError(`one of ${[...UNIT_GAIN, 'tanh', 'relu', 'leakyRelu', 'selu'].join(', ')}`, 'nonlinearity', nonlinearity);
}

export function checkPositive(v: number, name: string): void {
  if (!(v > 0)) throw rangeError('a number > 0', name, v);
}
