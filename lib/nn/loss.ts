// Losses: MSELoss, BCEWithLogitsLoss, CrossEntropyLoss (torch.nn semantics, reduction 'mean' | 'sum').
// forward(input, target) returns the loss as a Tensor of shape [] and caches what backward needs;
// backward() returns dLoss/dInput (shape of input). Every elementwise step is one kernel call, so both
// backends give the same bits. With n terms (the elements of input; the rows N for CrossEntropyLoss):
//
//   MSELoss            d = x − y;  S = canonical Σ d·d (reduce sumSquares)     grad = (d × 2) [/ n]
//   BCEWithLogitsLoss  l = (relu(x) − x × y) + log(1 + exp(−|x|));  S = Σ l  grad = (σ(x) − y) [/ n]
//                      (relu(x) = max(x, 0); the softplus term never overflows: the stable form)
//   CrossEntropyLoss   lp = logSoftmax(x) per row;  S = Σ_i lp[i, t_i]       grad = (exp(lp) − onehot(t)) [/ N]
//                      loss = −S (sum) or −(S / N) (mean)
//
// reduction 'sum': loss = S; 'mean': loss = S / n (one binary32 division; n = 0 gives NaN, as torch).
// The gradient of a 'mean' loss is divided by n (one binary32 division by fround(n)) as the last step.
import { kernels } from '../backend/select.js';
import { checkTensor, formatShape, sameShape, Tensor } from '../tensor.js';
import { checkOptions, describe, rangeError, typeError } from '../validate.js';

export type Reduction = 'mean' | 'sum';

export interface LossOptions {
  /** 'mean' (default) or 'sum'. */
  reduction?: Reduction;
}

abstract class Loss {
  readonly reduction: Reduction;

  constructor(options?: LossOptions) {
    checkOptions(options, `${this.constructor.name} options`, ['reduction']);
    const r = (options as LossOptions | undefined)?.reduction ?? 'mean';
    if (typeof r !== 'string') throw typeError("'mean' or 'sum'", 'reduction', r);
    if (r !== 'mean' && r !== 'sum') throw rangeError("'mean' or 'sum'", 'reduction', r);
    this.reduction = r;
  }

  abstract forward(input: Tensor, target: unknown): Tensor;

  /** dLoss/dInput of the last forward. */
  abstract backward(): Tensor;

  /** The loss tensor (shape []) from the sum S of n terms; negate: −S or −(S / n). */
  protected reduce(S: number, n: number, negate = false): Tensor {
    let v = this.reduction === 'mean' ? Math.fround(S / Math.fround(n)) : S;
    if (negate) v = -v;
    return new Tensor(Float32Array.of(v), []);
  }

  /** Divides g in place by n for reduction 'mean'. */
  protected scale(g: Float32Array, n: number): void {
    if (this.reduction === 'mean') kernels().elementwise.scalar('div', g, Math.fround(n), g);
  }

  protected saved<T>(s: T | null): T {
    if (s === null) throw new Error(`${this.constructor.name}.backward() needs a forward() first`);
    return s;
  }
}

function checkPair(input: unknown, target: unknown, loss: string): asserts input is Tensor {
  checkTensor(input, 'input');
  checkTensor(target, 'target');
  if (!sameShape(input.shape, (target as Tensor).shape)) {
    throw new RangeError(`Expected target of shape ${formatShape(input.shape)} (the shape of input) for ${loss} but received shape ${formatShape((target as Tensor).shape)}`);
  }
}

/** Mean squared error: Σ (x − y)² [/ n]. */
export class MSELoss extends Loss {
  #d: Float32Array | null = null;
  #shape: readonly number[] = [];

  forward(input: Tensor, target: Tensor): Tensor {
    checkPair(input, target, 'MSELoss');
    const K = kernels();
    const d = new Float32Array(input.size);
    K.elementwise.binary('sub', input.data, target.data, d, 1, d.length, 'full');
    const S = K.reduce.all('sumSquares', d, 0);
    this.#d = d;
    this.#shape = input.shape;
    return this.reduce(S, d.length);
  }

  backward(): Tensor {
    const d = this.saved(this.#d);
    const g = Tensor.zeros(this.#shape);
    kernels().elementwise.scalar('mul', d, 2, g.data);
    this.scale(g.data, d.length);
    return g;
  }
}

/** Binary cross-entropy on logits x with targets y in [0, 1], in the numerically stable form. */
export class BCEWithLogitsLoss extends Loss {
  #x: Tensor | null = null;
  #y: Tensor | null = null;

  forward(input: Tensor, target: Tensor): Tensor {
    checkPair(input, target, 'BCEWithLogitsLoss');
    const K = kernels(), U = K.unary, E = K.elementwise;
    const n = input.size, x = input.data;
    const sp = new Float32Array(n), l = new Float32Array(n), xy = new Float32Array(n);
    U.map('abs', x, sp);
    U.map('neg', sp, sp);
    U.map('exp', sp, sp);
    E.scalar('add', sp, 1, sp);
    U.map('log', sp, sp); // log(1 + exp(−|x|))
    E.binary('mul', x, target.data, xy, 1, n, 'full');
    U.map('relu', x, l);
    E.binary('sub', l, xy, l, 1, n, 'full');
    E.binary('add', l, sp, l, 1, n, 'full');
    this.#x = input;
    this.#y = target;
    return this.reduce(K.reduce.all('sum', l, 0), n);
  }

  backward(): Tensor {
    const x = this.saved(this.#x), y = this.#y as Tensor;
    const g = Tensor.zeros(x.shape);
    kernels().unary.map('sigmoid', x.data, g.data);
    kernels().elementwise.binary('sub', g.data, y.data, g.data, 1, g.size, 'full');
    this.scale(g.data, g.size);
    return g;
  }
}

/** Class indices: an Int32Array, an array of integers, or a Tensor holding integer values. */
export type ClassTarget = Int32Array | readonly number[] | Tensor;

/** Softmax cross-entropy of logits (N, C) against class indices (N). */
export class CrossEntropyLoss extends Loss {
  #lp: Tensor | null = null;
  #t: Int32Array | null = null;

  forward(input: Tensor, target: ClassTarget): Tensor {
    checkTensor(input, 'input');
    if (input.ndim !== 2) throw new RangeError(`Expected logits of shape [N, C] for input of CrossEntropyLoss but received shape ${formatShape(input.shape)}`);
    const [N, C] = input.shape;
    const t = classIndices(target, N, C);
    const K = kernels();
    const lp = Tensor.zeros(input.shape);
    K.unary.logSoftmax(input.data, lp.data, N, C);
    const picked = new Float32Array(N);
    for (let i = 0; i < N; i++) picked[i] = lp.data[i * C + t[i]];
    this.#lp = lp;
    this.#t = t;
    return this.reduce(K.reduce.all('sum', picked, 0), N, true);
  }

  backward(): Tensor {
    const lp = this.saved(this.#lp), t = this.#t as Int32Array;
    const [N, C] = lp.shape;
    const g = Tensor.zeros(lp.shape);
    kernels().unary.map('exp', lp.data, g.data);
    for (let i = 0; i < N; i++) g.data[i * C + t[i]] = g.data[i * C + t[i]] - 1;
    this.scale(g.data, N);
    return g;
  }
}

/** Validated class indices (N integers in [0, C)) as an Int32Array (a copy). */
function classIndices(target: unknown, N: number, C: number): Int32Array {
  let values: ArrayLike<number>;
  if (target instanceof Tensor) {
    if (target.ndim !== 1) throw new RangeError(`Expected a 1-D tensor of ${N} class indices for target but received shape ${formatShape(target.shape)}`);
    values = target.data;
  } else if (target instanceof Int32Array || Array.isArray(target)) {
    values = target;
  } else {
    throw typeError('class indices (an Int32Array, an array of integers or a 1-D Tensor)', 'target', target);
  }
  if (values.length !== N) throw new RangeError(`Expected ${N} class indices (one per row of input) for target but received ${describe(target)}`);
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw typeError('an integer class index', `target[${i}]`, v);
    if (!Number.isInteger(v) || v < 0 || v >= C) throw rangeError(`a class index in [0, ${C - 1}]`, `target[${i}]`, v);
    out[i] = v;
  }
  return out;
}
