// More losses (torch 1.13 nn semantics), each ONE tape node over its input with a fused backward:
//   NLLLoss        input: log-probabilities (N, C); targets t (N); s_i = w[t_i] (1 without weight, 0 for
//                  t_i = ignoreIndex):  S = Σ_i s_i × x[i, t_i];  loss = −S (sum) or −(S / D) (mean,
//                  D = Σ_i s_i);  'none': −s_i × x[i, t_i] per row.  grad[i, t_i] = −s_i [/ D]
// (The elementwise losses also give a target that requires grad −(the input's gradient).)
//   L1Loss         d = x − y;  l = |d|;                                  grad = sign(d) (0 at 0)
//   SmoothL1Loss   l = |d| < β ? ((0.5 × d) × d) / β : |d| − 0.5 × β;   grad = |d| < β ? d / β : sign(d)
//   HuberLoss      l = |d| <= δ ? (0.5 × d) × d : δ × (|d| − 0.5 × δ);  grad = |d| <= δ ? d : δ × sign(d)
//   BCELoss        probabilities x in [0, 1] (torch's kernel): a = max(log(x), −100), b = max(log(1 − x), −100),
//                  l = ((y − 1) × b − y × a) [× w];  grad = ((x − y) / max((1 − x) × x, 1e-12)) [× w]
//                  target gradient (torch's −logit(x)): −log(x / (1 − x)) [× w]
//                  (log: the unary family's kernel; w: weight broadcast to the shape of input)
// Sums are the reduction family's canonical sum, 'mean' one binary32 division by n (D for NLLLoss);
// every per-element step is one Math.fround-rounded binary32 operation, so both backends agree.
import { kernels } from '../backend/select.js';
import { checkTensor, formatShape, Tensor } from '../tensor.js';
import { checkFinite, rangeError, typeError } from '../validate.js';
import { broadcastTo, checkPair, classIndices, classOptions, Loss, optionalTensor, type ClassTarget, type LossOptions } from './loss.js';

const fr = Math.fround;

/** An elementwise loss of d = x − y: term(d) gives [loss, dloss/dd]. */
abstract class ElementwiseLoss extends Loss {
  protected abstract term(d: number): [number, number];

  forward(input: Tensor, target: Tensor): Tensor {
    checkPair(input, target, this.constructor.name);
    const n = input.size, x = input.data, y = target.data;
    const l = new Float32Array(n), gd = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const [li, gi] = this.term(fr(x[i] - y[i]));
      l[i] = li;
      gd[i] = gi;
    }
    this.#g = gd;
    this.#shape = input.shape;
    const gradSum = (): Float32Array => gd.slice();
    if (this.reduction === 'none') return this.tape(new Tensor(l, input.shape), input, gradSum, n, 0, undefined, target);
    return this.tape(this.reduce(kernels().reduce.all('sum', l, 0), n), input, gradSum, n, 0, undefined, target);
  }

  #g: Float32Array | null = null;
  #shape: readonly number[] = [];

  backward(): Tensor {
    const g = this.saved(this.#g).slice();
    this.scale(g, g.length);
    return new Tensor(g, this.#shape);
  }
}

const sign = (d: number): number => (d > 0 ? 1 : d < 0 ? -1 : 0);

/** A quadratic/linear threshold option (default 1): finite, and > 0 or >= 0. */
function threshold(v: number | undefined, name: string, zeroAllowed: boolean): number {
  const t = v ?? 1;
  checkFinite(t, name);
  if (zeroAllowed ? t < 0 : t <= 0) throw rangeError(zeroAllowed ? 'a finite number >= 0' : 'a finite number > 0', name, t);
  return t;
}

/** Mean absolute error: Σ |x − y| [/ n]. */
export class L1Loss extends ElementwiseLoss {
  protected term(d: number): [number, number] {
    return [Math.abs(d), sign(d)];
  }
}

export interface SmoothL1LossOptions extends LossOptions {
  /** The threshold between the quadratic and linear parts (default 1; 0 gives L1Loss). */
  beta?: number;
}

/** torch.nn.SmoothL1Loss: quadratic below beta (divided by beta), linear above. */
export class SmoothL1Loss extends ElementwiseLoss {
  readonly beta: number;

  constructor(options?: SmoothL1LossOptions) {
    super(options);
    this.beta = threshold(options?.beta, 'beta', true);
  }

  protected override optionNames(): readonly string[] {
    return ['reduction', 'beta'];
  }

  protected term(d: number): [number, number] {
    const b = fr(this.beta), a = Math.abs(d);
    if (a < b) return [fr(fr(fr(0.5 * d) * d) / b), fr(d / b)];
    return [fr(a - fr(0.5 * b)), sign(d)];
  }
}

export interface HuberLossOptions extends LossOptions {
  /** The threshold between the quadratic and linear parts (default 1, > 0). */
  delta?: number;
}

/** torch.nn.HuberLoss: quadratic below delta, delta-scaled linear above. */
export class HuberLoss extends ElementwiseLoss {
  readonly delta: number;

  constructor(options?: HuberLossOptions) {
    super(options);
    this.delta = threshold(options?.delta, 'delta', false);
  }

  protected override optionNames(): readonly string[] {
    return ['reduction', 'delta'];
  }

  protected term(d: number): [number, number] {
    const t = fr(this.delta), a = Math.abs(d);
    if (a <= t) return [fr(fr(0.5 * d) * d), d];
    return [fr(t * fr(a - fr(0.5 * t))), fr(t * sign(d))];
  }
}

export interface NLLLossOptions extends LossOptions {
  /** A 1-D Tensor of C class weights. */
  weight?: Tensor | null;
  /** Targets equal to this integer contribute nothing (default −100). */
  ignoreIndex?: number;
}

/** Negative log-likelihood of log-probabilities (N, C) (e.g. logSoftmax output) at class indices (N). */
export class NLLLoss extends Loss {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  #g: Float32Array | null = null;
  #shape: readonly number[] = [];
  #D = 0;

  constructor(options?: NLLLossOptions) {
    super(options);
    ({ weight: this.weight, ignoreIndex: this.ignoreIndex } = classOptions(options));
  }

  protected override optionNames(): readonly string[] {
    return ['reduction', 'weight', 'ignoreIndex'];
  }

  forward(input: Tensor, target: ClassTarget): Tensor {
    checkTensor(input, 'input');
    if (input.ndim !== 2) throw new RangeError(`Expected log-probabilities of shape [N, C] for input of NLLLoss but received shape ${formatShape(input.shape)}`);
    const [N, C] = input.shape;
    if (this.weight !== null && this.weight.size !== C) throw new RangeError(`Expected ${C} class weights for weight but received shape ${formatShape(this.weight.shape)}`);
    const t = classIndices(target, N, C, this.ignoreIndex);
    const w = this.weight?.data ?? null, x = input.data, K = kernels();
    const s = new Float32Array(N), picked = new Float32Array(N), G = new Float32Array(N * C);
    for (let i = 0; i < N; i++) {
      if (t[i] < 0) continue;
      s[i] = w === null ? 1 : w[t[i]];
      picked[i] = fr(s[i] * x[i * C + t[i]]);
      G[i * C + t[i]] = -s[i];
    }
    const D = K.reduce.all('sum', s, 0);
    this.#g = G;
    this.#shape = input.shape;
    this.#D = D;
    const gradSum = (): Float32Array => G.slice();
    if (this.reduction === 'none') {
      for (let i = 0; i < N; i++) picked[i] = -picked[i];
      return this.tape(new Tensor(picked, [N]), input, gradSum, D, N);
    }
    return this.tape(this.reduce(K.reduce.all('sum', picked, 0), D, true), input, gradSum, D);
  }

  backward(): Tensor {
    const g = this.saved(this.#g).slice();
    this.scale(g, this.#D);
    return new Tensor(g, this.#shape);
  }
}

export interface BCELossOptions extends LossOptions {
  /** Rescales each element's loss (and gradient): a Tensor broadcast to the shape of input (torch's `weight`). */
  weight?: Tensor | null;
}

const BCE_EPS = fr(1e-12);

/**
 * torch.nn.BCELoss: binary cross-entropy of probabilities in [0, 1] (e.g. a sigmoid's output) against
 * targets in [0, 1], each log clamped at −100 as torch does. BCEWithLogitsLoss on logits is the
 * numerically stable choice; this one is for models that end in a probability.
 */
export class BCELoss extends Loss {
  /** The element weights (a reference, as torch's buffer), or null. */
  readonly weight: Tensor | null;
  #g: Float32Array | null = null;
  #shape: readonly number[] = [];

  constructor(options?: BCELossOptions) {
    super(options);
    this.weight = optionalTensor(options?.weight, 'a Tensor (or null)', 'weight');
  }

  protected override optionNames(): readonly string[] {
    return ['reduction', 'weight'];
  }

  forward(input: Tensor, target: Tensor): Tensor {
    checkPair(input, target, 'BCELoss');
    const n = input.size, x = input.data, y = target.data;
    for (let i = 0; i < n; i++) {
      if (!(x[i] >= 0 && x[i] <= 1)) throw new RangeError(`Expected every element of input of BCELoss in [0, 1] (probabilities; BCEWithLogitsLoss takes logits) but received ${x[i]} at index ${i}`);
    }
    const w = this.weight ? broadcastTo(this.weight, input.shape, 'weight', 'BCELoss') : null;
    const U = kernels().unary, a = new Float32Array(n), b = new Float32Array(n);
    for (let i = 0; i < n; i++) b[i] = fr(1 - x[i]);
    U.map('log', x, a);
    U.map('log', b, b);
    const l = new Float32Array(n), gd = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const li = fr(fr((y[i] - 1) * Math.max(b[i], -100)) - fr(y[i] * Math.max(a[i], -100)));
      const gi = fr(fr(x[i] - y[i]) / Math.max(fr(fr(1 - x[i]) * x[i]), BCE_EPS));
      l[i] = w === null ? li : fr(li * w[i]);
      gd[i] = w === null ? gi : fr(gi * w[i]);
    }
    this.#g = gd;
    this.#shape = input.shape;
    const gradSum = (): Float32Array => gd.slice();
    const targetGradSum = (): Float32Array => {
      const t = new Float32Array(n);
      for (let i = 0; i < n; i++) t[i] = fr(x[i] / fr(1 - x[i]));
      kernels().unary.map('log', t, t);
      for (let i = 0; i < n; i++) t[i] = w === null ? -t[i] : fr(-t[i] * w[i]);
      return t;
    };
    const out = this.reduction === 'none' ? new Tensor(l, input.shape) : this.reduce(kernels().reduce.all('sum', l, 0), n);
    return this.tape(out, input, gradSum, n, 0, undefined, target, targetGradSum);
  }

  backward(): Tensor {
    const g = this.saved(this.#g).slice();
    this.scale(g, g.length);
    return new Tensor(g, this.#shape);
  }
}
