// Dropout (Srivastava et al. 2014), inverted: in training each element is kept with probability 1 − p
// and scaled by 1/(1 − p), so eval mode is the identity. The mask is seeded: it comes from a Generator
// (options.generator, else the global one at the time of the call), so both backends drop the same
// elements. Mask rule: draw u_i = Generator.uniform (binary32 in [0, 1), multiples of 2^-24) over the
// whole input, keep element i iff u_i >= p; m_i = keep ? s : 0 with s = fround(1 / (1 − p)); y = x × m_i
// (one binary32 multiply). p = 1 drops everything (y = x × 0), p = 0 keeps everything (y = x × 1 = x).
import { kernels } from '../backend/select.js';
import { record } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { Generator, generatorOf } from '../random.js';
import { checkTensor, Tensor } from '../tensor.js';
import { checkFinite, checkOptions, rangeError } from '../validate.js';
import { checkGradShape, Module, savedOrThrow, ON_TAPE } from './module.js';

export interface DropoutOptions {
  /** Where the mask comes from (default: the global generator, see fg.manualSeed). */
  generator?: Generator;
}

export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator | undefined;
  /** The last training forward's multipliers (0 or 1/(1 − p)), or null for an eval forward (identity). */
  #mask: Float32Array | null = null;
  #shape: readonly number[] | null = null;

  /** p: probability of dropping an element, in [0, 1] (default 0.5). */
  constructor(p = 0.5, options?: DropoutOptions) {
    super();
    checkFinite(p, 'p');
    if (p < 0 || p > 1) throw rangeError('a probability in [0, 1]', 'p', p);
    checkOptions(options, 'Dropout options', ['generator']);
    const g = (options as DropoutOptions | undefined)?.generator;
    if (g !== undefined) generatorOf(g);
    this.p = p;
    this.generator = g;
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }

  forward(x: Tensor): Tensor {
    checkTensor(x, 'x');
    if (!this.training) {
      this.#mask = null;
      this.#shape = x.shape;
      return x;
    }
    const p = Math.fround(this.p), scale = Math.fround(1 / (1 - this.p));
    const m = generatorOf(this.generator).uniform(new Float32Array(x.size));
    for (let i = 0; i < m.length; i++) m[i] = m[i] >= p ? scale : 0;
    const y = Tensor.zeros(x.shape);
    kernels().elementwise.binary('mul', x.data, m, y.data, 1, x.size, 'full');
    this.#mask = m;
    this.#shape = x.shape;
    if (isGradEnabled() && x.requiresGrad) {
      record(y, 'dropout', [x], (g) => {
        const dx = Tensor.zeros(x.shape);
        kernels().elementwise.binary('mul', g.data, m, dx.data, 1, m.length, 'full');
        return [dx];
      });
    }
    return y;
  }

  /** dx = dy × m_i with the last forward's mask (dy itself after an eval forward). */
  backward(dy: Tensor): Tensor {
    const shape = savedOrThrow(this.#shape, this);
    checkGradShape(dy, shape, this);
    const m = this.#mask;
    if (!m) return dy;
    const dx = Tensor.zeros(shape);
    kernels().elementwise.binary('mul', dy.data, m, dx.data, 1, m.length, 'full');
    return dx;
  }
}

ON_TAPE.add(Dropout);
