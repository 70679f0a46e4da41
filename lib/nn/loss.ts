// Losses: MSELoss, BCEWithLogitsLoss, CrossEntropyLoss (torch 1.13 nn semantics, reduction 'mean' | 'sum').
// forward(input, target) returns the loss as a Tensor of shape [] and caches what backward needs;
// backward() returns dLoss/dInput (shape of input). Every elementwise step over an array is one kernel
// call and every scalar step one Math.fround-rounded binary32 operation, so both backends give the same
// bits. With n terms (the elements of input; the rows N for CrossEntropyLoss):
//
//   MSELoss            d = x − y;  S = canonical Σ d·d (reduce sumSquares)     grad = (d × 2) [/ n]
//   BCEWithLogitsLoss  sp = log(1 + exp(−|x|))  (the softplus term: never overflows, the stable form)
//                      l = ((relu(x) − x × y) + sp) [× w];  S = Σ l          grad = (σ(x) − y) [× w] [/ n]
//                      posWeight p (torch's form): lw = ((p − 1) × y) + 1
//                      l = ((1 − y) × x + lw × (relu(−x) + sp)) [× w]
//                      grad = ((((p × y) + 1) − y) × σ(x) − p × y) [× w] [/ n]
//                      (w, p: weight, posWeight, broadcast to the shape of input)
//   CrossEntropyLoss   lp = logSoftmax(x) per row; class indices t, class weights w (1 without weight),
//                      rows with t_i = ignoreIndex left out, s_i = w[t_i] (0 for a left-out row):
//                      S = Σ_i s_i × lp[i, t_i];  D = Σ_i s_i (the count of rows kept without weight)
//                      loss = −S (sum) or −(S / D) (mean)
//                      grad = ((exp(lp) × s_i) − onehot(t) × s_i) [/ D]
//                      labelSmoothing ε > 0: e = ε / C, Z = Σ_i (Σ_c w_c × lp[i, c]) over the rows kept,
//                      loss = −((1 − ε) × S' + Z' × e) with S' = S, Z' = Z (sum) or S / D, Z / D (mean)
//                      grad = (((exp(lp) × a_i) − e × w) − (1 − ε) × s_i at t_i) [/ D],
//                      a_i = (1 − ε) × s_i + e × Σ_c w_c; left-out rows: grad 0
//                      class probabilities q (target of the shape of input; ε > 0: q ← q × (1 − ε) + e):
//                      S = Σ (lp × q) [× w];  loss = −S or −(S / N)   grad = (exp(lp) × Σ_c r) − r [/ N],
//                      r = q [× w]
//
// reduction 'sum': loss = S; 'mean': loss = S / n (one binary32 division; n = 0 gives NaN, as torch).
// The gradient of a 'mean' loss is divided by n (one binary32 division by fround(n)) as the last step.
import { kernels } from '../backend/select.js';
import { record } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { checkTensor, formatShape, sameShape, Tensor } from '../tensor.js';
import { checkOptions, describe, rangeError, typeError } from '../validate.js';

const fr = Math.fround;

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  /** 'mean' (default), 'sum', or 'none' (one loss per element, or per row for the class losses). */
  reduction?: Reduction;
}

export abstract class Loss {
  readonly reduction: Reduction;

  constructor(options?: LossOptions) {
    checkOptions(options, `${this.constructor.name} options`, this.optionNames());
    const r = (options as LossOptions | undefined)?.reduction ?? 'mean';
    if (typeof r !== 'string') throw typeError("'mean', 'sum' or 'none'", 'reduction', r);
    if (r !== 'mean' && r !== 'sum' && r !== 'none') throw rangeError("'mean', 'sum' or 'none'", 'reduction', r);
    this.reduction = r;
  }

  /**
   * Makes out (the loss: shape [], or the per-term losses for 'none') ONE tape node over input, when
   * input requires grad. gradSum() gives dΣ/dinput (the gradient of the sum of the terms, the input's
   * shape); backward scales it as forward reduced ('mean': one division by n) and multiplies by the
   * upstream gradient g (for 'none': g per element, or per row of a [rows, cols] input).
   */
  protected tape(out: Tensor, input: Tensor, gradSum: () => Float32Array, n: number, rows = 0, after?: (G: Float32Array) => void, target?: Tensor, targetGradSum?: () => Float32Array): Tensor {
    const tg = target !== undefined && target.requiresGrad;
    if (!isGradEnabled() || !(input.requiresGrad || tg)) return out;
    const reduction = this.reduction, shape = input.shape;
    // dLoss from dΣ: 'mean' divides by n, then the upstream gradient g multiplies (per term for 'none')
    const scaled = (G: Float32Array, g: Tensor): Float32Array => {
      const E = kernels().elementwise;
      if (reduction === 'mean') E.scalar('div', G, fr(n), G);
      after?.(G);
      if (reduction === 'none') {
        if (rows > 0) E.binary('mul', G, g.data, G, rows, G.length / rows, 'col');
        else E.binary('mul', G, g.data, G, 1, G.length, 'full');
      } else {
        E.scalar('mul', G, g.data[0], G);
      }
      return G;
    };
    // a target that requires grad gets targetGradSum's terms, or −(the input's gradient) (the losses of d = input − target)
    record(out, this.constructor.name, tg ? [input, target] : [input], (g: Tensor) => {
      const G = scaled(gradSum(), g);
      if (!tg) return [new Tensor(G, shape)];
      let T: Float32Array;
      if (targetGradSum) T = scaled(targetGradSum(), g);
      else {
        T = new Float32Array(G.length);
        kernels().unary.map('neg', G, T);
      }
      return [new Tensor(G, shape), new Tensor(T, shape)];
    }, [input]);
    return out;
  }

  /** The option names this loss accepts (called from the base constructor: no instance fields). */
  protected optionNames(): readonly string[] {
    return ['reduction'];
  }

  abstract forward(input: Tensor, target: unknown): Tensor;

  /** dLoss/dInput of the last forward. */
  abstract backward(): Tensor;

  /** The loss tensor (shape []) from the sum S of n terms; negate: −S or −(S / n) ('none' is handled by each loss). */
  protected reduce(S: number, n: number, negate = false): Tensor {
    let v = this.reduction === 'mean' ? fr(S / fr(n)) : S;
    if (negate) v = -v;
    return new Tensor(Float32Array.of(v), []);
  }

  /** Divides g in place by n for reduction 'mean'. */
  protected scale(g: Float32Array, n: number): void {
    if (this.reduction === 'mean') kernels().elementwise.scalar('div', g, fr(n), g);
  }

  protected saved<T>(s: T | null): T {
    if (s === null) throw new Error(`${this.constructor.name}.backward() needs a forward() first`);
    return s;
  }
}

export function checkPair(input: unknown, target: unknown, loss: string): asserts input is Tensor {
  checkTensor(input, 'input');
  checkTensor(target, 'target');
  if (!sameShape(input.shape, (target as Tensor).shape)) {
    throw new RangeError(`Expected target of shape ${formatShape(input.shape)} (the shape of input) for ${loss} but received shape ${formatShape((target as Tensor).shape)}`);
  }
}

/** An optional Tensor option: null/undefined → null, a Tensor → itself, anything else a TypeError. */
export function optionalTensor(v: unknown, what: string, name: string): Tensor | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Tensor)) throw typeError(what, name, v);
  return v;
}

/**
 * t's values laid out over `shape` by torch's broadcasting rules (t's dims aligned to the right, each
 * equal to the one of shape or 1), as a fresh array. Copies only: no arithmetic.
 */
/** The class-index losses' shared options (CrossEntropyLoss, NLLLoss): weight (1-D or null) and ignoreIndex (default -100). */
export function classOptions(options: { weight?: unknown; ignoreIndex?: unknown } | undefined): { weight: Tensor | null; ignoreIndex: number } {
  const w = optionalTensor(options?.weight, 'a 1-D Tensor of class weights (or null)', 'weight');
  if (w !== null && w.ndim !== 1) throw new RangeError(`Expected a 1-D Tensor of class weights for weight but received shape ${formatShape(w.shape)}`);
  const ii = options?.ignoreIndex ?? -100;
  if (typeof ii !== 'number') throw typeError('an integer', 'ignoreIndex', ii);
  if (!Number.isSafeInteger(ii)) throw rangeError('an integer', 'ignoreIndex', ii);
  return { weight: w, ignoreIndex: ii };
}

export function broadcastTo(t: Tensor, shape: readonly number[], name: string, loss: string): Float32Array {
  const r = shape.length, k = t.ndim;
  let ok = k <= r;
  for (let j = 0; ok && j < k; j++) {
    const d = t.shape[k - 1 - j];
    ok = d === shape[r - 1 - j] || d === 1;
  }
  if (!ok) {
    throw new RangeError(`Expected a shape that broadcasts to ${formatShape(shape)} (the shape of input of ${loss}; e.g. [${shape[r - 1] ?? 1}], one value per class) for ${name} but received shape ${formatShape(t.shape)}`);
  }
  let n = 1;
  for (const d of shape) n *= d;
  if (sameShape(t.shape, shape)) return t.data.slice();
  // source stride of each output dim (0 where t is broadcast)
  const strides = new Array<number>(r).fill(0);
  for (let j = 0, s = 1; j < k; j++) {
    const d = t.shape[k - 1 - j];
    if (d !== 1) strides[r - 1 - j] = s;
    s *= d;
  }
  const out = new Float32Array(n), src = t.data, idx = new Array<number>(r).fill(0);
  for (let i = 0, p = 0; i < n; i++) {
    out[i] = src[p];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      p += strides[d];
      if (idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
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
    this.#d = d;
    this.#shape = input.shape;
    const gradSum = (): Float32Array => {
      const g = new Float32Array(d.length);
      kernels().elementwise.scalar('mul', d, 2, g);
      return g;
    };
    if (this.reduction === 'none') {
      const l = new Float32Array(d.length);
      K.unary.map('square', d, l);
      return this.tape(new Tensor(l, input.shape), input, gradSum, d.length, 0, undefined, target);
    }
    const S = K.reduce.all('sumSquares', d, 0);
    return this.tape(this.reduce(S, d.length), input, gradSum, d.length, 0, undefined, target);
  }

  backward(): Tensor {
    const d = this.saved(this.#d);
    const g = Tensor.zeros(this.#shape);
    kernels().elementwise.scalar('mul', d, 2, g.data);
    this.scale(g.data, d.length);
    return g;
  }
}

export interface BCEWithLogitsLossOptions extends LossOptions {
  /** Rescales each element's loss (and gradient): a Tensor broadcast to the shape of input (torch's `weight`). */
  weight?: Tensor | null;
  /** Weight of the positive term, broadcast to the shape of input: usually [C], one per class (torch's `pos_weight`). */
  posWeight?: Tensor | null;
}

/** Binary cross-entropy on logits x with targets y in [0, 1], in the numerically stable form. */
export class BCEWithLogitsLoss extends Loss {
  /** The element weights (a reference, as torch's buffer), or null. */
  readonly weight: Tensor | null;
  /** The positive-term weights (a reference), or null. */
  readonly posWeight: Tensor | null;
  #x: Tensor | null = null;
  #y: Tensor | null = null;
  #w: Float32Array | null = null;
  #p: Float32Array | null = null;

  constructor(options?: BCEWithLogitsLossOptions) {
    super(options);
    this.weight = optionalTensor(options?.weight, 'a Tensor (or null)', 'weight');
    this.posWeight = optionalTensor(options?.posWeight, 'a Tensor (or null)', 'posWeight');
  }

  protected override optionNames(): readonly string[] {
    return ['reduction', 'weight', 'posWeight'];
  }

  forward(input: Tensor, target: Tensor): Tensor {
    checkPair(input, target, 'BCEWithLogitsLoss');
    const w = this.weight ? broadcastTo(this.weight, input.shape, 'weight', 'BCEWithLogitsLoss') : null;
    const p = this.posWeight ? broadcastTo(this.posWeight, input.shape, 'posWeight', 'BCEWithLogitsLoss') : null;
    const K = kernels(), U = K.unary, E = K.elementwise;
    const n = input.size, x = input.data, y = target.data;
    const sp = new Float32Array(n), l = new Float32Array(n), t = new Float32Array(n);
    U.map('abs', x, sp);
    U.map('neg', sp, sp);
    U.map('exp', sp, sp);
    E.scalar('add', sp, 1, sp);
    U.map('log', sp, sp); // log(1 + exp(−|x|))
    if (p === null) {
      E.binary('mul', x, y, t, 1, n, 'full');
      U.map('relu', x, l);
      E.binary('sub', l, t, l, 1, n, 'full');
      E.binary('add', l, sp, l, 1, n, 'full');
    } else {
      // torch: (1 − y)·x + lw·(max(−x, 0) + log(1 + exp(−|x|))), lw = (p − 1)·y + 1
      E.scalar('sub', p, 1, t);
      E.binary('mul', t, y, t, 1, n, 'full');
      E.scalar('add', t, 1, t); // lw
      U.map('neg', x, l);
      U.map('relu', l, l);
      E.binary('add', l, sp, sp, 1, n, 'full'); // softplus(−x) = −log σ(x)
      E.binary('mul', t, sp, t, 1, n, 'full');
      U.map('neg', y, l);
      E.scalar('add', l, 1, l); // 1 − y
      E.binary('mul', l, x, l, 1, n, 'full');
      E.binary('add', l, t, l, 1, n, 'full');
    }
    if (w !== null) E.binary('mul', l, w, l, 1, n, 'full');
    this.#x = input;
    this.#y = target;
    this.#w = w;
    this.#p = p;
    const gradSum = (): Float32Array => BCEWithLogitsLoss.#gradSum(input, target, w, p);
    if (this.reduction === 'none') return this.tape(new Tensor(l, input.shape), input, gradSum, n);
    return this.tape(this.reduce(K.reduce.all('sum', l, 0), n), input, gradSum, n);
  }

  backward(): Tensor {
    const x = this.saved(this.#x);
    const g = BCEWithLogitsLoss.#gradSum(x, this.#y as Tensor, this.#w, this.#p);
    this.scale(g, x.size);
    return new Tensor(g, x.shape);
  }

  /** d(Σ terms)/dx: (σ(x) − y) [× w] (with posWeight: ((p·y + 1) − y)·σ(x) − p·y). */
  static #gradSum(x: Tensor, y: Tensor, w: Float32Array | null, p: Float32Array | null): Float32Array {
    const E = kernels().elementwise, n = x.size;
    const g = { data: new Float32Array(n) };
    kernels().unary.map('sigmoid', x.data, g.data);
    if (p === null) {
      E.binary('sub', g.data, y.data, g.data, 1, n, 'full');
    } else {
      // torch: t = p·y; ((t + 1) − y)·σ(x) − t
      const t = new Float32Array(n), a = new Float32Array(n);
      E.binary('mul', p, y.data, t, 1, n, 'full');
      E.scalar('add', t, 1, a);
      E.binary('sub', a, y.data, a, 1, n, 'full');
      E.binary('mul', a, g.data, g.data, 1, n, 'full');
      E.binary('sub', g.data, t, g.data, 1, n, 'full');
    }
    if (w !== null) E.binary('mul', g.data, w, g.data, 1, n, 'full');
    return g.data;
  }
}

/**
 * Class indices (an Int32Array, an array of integers, or a 1-D Tensor holding integer values), or class
 * probabilities: a Tensor of the shape of input, [N, C].
 */
export type ClassTarget = Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | readonly number[] | Tensor | Tensor<'int32'>;

export interface CrossEntropyLossOptions extends LossOptions {
  /** A 1-D Tensor of C class weights (torch's `weight`); 'mean' divides by the sum of the weights of the targets. */
  weight?: Tensor | null;
  /** Targets equal to this integer contribute nothing (nor count for 'mean'); default −100, as torch. */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/C (default 0). */
  labelSmoothing?: number;
}

interface IndexSaved {
  kind: 'index';
  lp: Tensor;
  /** Class index per row, −1 for an ignored row. */
  t: Int32Array;
  /** s_i: the weight of row i's target (0 for an ignored row); null: every row kept, weight 1. */
  s: Float32Array | null;
  /** The rows left out (ignoreIndex). */
  ignored: number[];
  /** The class weights at forward time, or null. */
  w: Float32Array | null;
  /** The 'mean' divisor D. */
  D: number;
}

interface ProbSaved {
  kind: 'prob';
  lp: Tensor;
  /** r = q [× w]: the (smoothed, weighted) target distribution. */
  r: Float32Array;
}

/** Softmax cross-entropy of logits (N, C) against class indices (N) or class probabilities (N, C). */
export class CrossEntropyLoss extends Loss {
  /** The class weights (a reference, as torch's buffer), or null. */
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  #saved: IndexSaved | ProbSaved | null = null;

  constructor(options?: CrossEntropyLossOptions) {
    super(options);
    const { weight: w, ignoreIndex: ii } = classOptions(options);
    const ls = options?.labelSmoothing ?? 0;
    if (typeof ls !== 'number') throw typeError('a number in [0, 1]', 'labelSmoothing', ls);
    if (!(ls >= 0 && ls <= 1)) throw rangeError('a number in [0, 1]', 'labelSmoothing', ls);
    this.weight = w;
    this.ignoreIndex = ii;
    this.labelSmoothing = ls;
  }

  protected override optionNames(): readonly string[] {
    return ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'];
  }

  forward(input: Tensor, target: ClassTarget): Tensor {
    checkTensor(input, 'input');
    if (input.ndim !== 2) throw new RangeError(`Expected logits of shape [N, C] for input of CrossEntropyLoss but received shape ${formatShape(input.shape)}`);
    const [N, C] = input.shape;
    if (this.weight !== null && this.weight.size !== C) {
      throw new RangeError(`Expected ${C} class weights (one per column of input) for weight but received shape ${formatShape(this.weight.shape)}`);
    }
    if (target instanceof Tensor && target.ndim === 2 && target.dtype === 'float32') return this.#forwardProb(input, target as Tensor);
    const t = classIndices(target, N, C, this.ignoreIndex);
    const K = kernels(), E = K.elementwise, R = K.reduce;
    const lp = Tensor.zeros(input.shape);
    K.unary.logSoftmax(input.data, lp.data, N, C);
    const w = this.weight === null ? null : this.weight.data.slice();
    const ignored: number[] = [];
    const picked = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      if (t[i] < 0) ignored.push(i); // picked[i] stays 0
      else picked[i] = lp.data[i * C + t[i]];
    }
    // s_i, the weight of row i's target (0 for an ignored row): needed only with weights or ignored rows
    let s: Float32Array | null = null, D = N - ignored.length;
    if (w !== null || ignored.length > 0) {
      s = new Float32Array(N);
      for (let i = 0; i < N; i++) s[i] = t[i] < 0 ? 0 : w === null ? 1 : w[t[i]];
    }
    if (w !== null) {
      E.binary('mul', picked, s as Float32Array, picked, 1, N, 'full');
      D = R.all('sum', s as Float32Array, 0);
    }
    const sv: IndexSaved = { kind: 'index', lp, t, s, ignored, w, D };
    this.#saved = sv;
    const eps = this.labelSmoothing;
    const gradSum = (): Float32Array => CrossEntropyLoss.#gradSum(sv, eps);
    const zeroIgnored = (G: Float32Array): void => {
      for (const i of ignored) G.fill(0, i * C, (i + 1) * C);
    };
    if (eps === 0 && this.reduction === 'none') {
      for (let i = 0; i < N; i++) picked[i] = -picked[i];
      return this.tape(new Tensor(picked, [N]), input, gradSum, D, N, zeroIgnored);
    }
    const S = R.all('sum', picked, 0);
    if (eps === 0) return this.tape(this.reduce(S, D, true), input, gradSum, D, 0, zeroIgnored);
    // label smoothing: Z = Σ over kept rows of Σ_c w_c·lp[i, c]
    const rows = new Float32Array(N);
    if (w === null) {
      R.axis('sum', lp.data, N, C, 1, 0, rows);
    } else {
      const wl = new Float32Array(N * C);
      E.binary('mul', lp.data, w, wl, N, C, 'row');
      R.axis('sum', wl, N, C, 1, 0, rows);
    }
    for (const i of ignored) rows[i] = 0;
    if (this.reduction === 'none') {
      const l = new Float32Array(N);
      for (let i = 0; i < N; i++) l[i] = -fr(fr(fr(1 - eps) * picked[i]) + fr(rows[i] * fr(eps / C)));
      return this.tape(new Tensor(l, [N]), input, gradSum, D, N, zeroIgnored);
    }
    const Z = R.all('sum', rows, 0);
    const mean = this.reduction === 'mean';
    const a = mean ? fr(S / fr(D)) : S, z = mean ? fr(Z / fr(D)) : Z;
    const v = fr(fr(fr(1 - eps) * a) + fr(z * fr(eps / C)));
    return this.tape(new Tensor(Float32Array.of(-v), []), input, gradSum, D, 0, zeroIgnored);
  }

  #forwardProb(input: Tensor, target: Tensor): Tensor {
    const [N, C] = input.shape;
    if (!sameShape(input.shape, target.shape)) {
      throw new RangeError(`Expected class probabilities of shape ${formatShape(input.shape)} (the shape of input) or ${N} class indices for target but received shape ${formatShape(target.shape)}`);
    }
    if (this.ignoreIndex >= 0) {
      throw rangeError('a negative integer (with class probabilities no target is ignored, as torch)', 'ignoreIndex', this.ignoreIndex);
    }
    const K = kernels(), E = K.elementwise, n = N * C;
    const lp = Tensor.zeros(input.shape);
    K.unary.logSoftmax(input.data, lp.data, N, C);
    const eps = this.labelSmoothing;
    const q = target.data.slice();
    if (eps > 0) {
      E.scalar('mul', q, fr(1 - eps), q);
      E.scalar('add', q, fr(eps / C), q);
    }
    const l = new Float32Array(n);
    E.binary('mul', lp.data, q, l, 1, n, 'full');
    const w = this.weight === null ? null : this.weight.data;
    if (w !== null) {
      E.binary('mul', l, w, l, N, C, 'row');
      E.binary('mul', q, w, q, N, C, 'row');
    }
    const sv: ProbSaved = { kind: 'prob', lp, r: q };
    this.#saved = sv;
    const gradSum = (): Float32Array => CrossEntropyLoss.#gradSum(sv, this.labelSmoothing);
    if (this.reduction === 'none') {
      const rl = new Float32Array(N);
      K.reduce.axis('sum', l, N, C, 1, 0, rl);
      K.unary.map('neg', rl, rl);
      return this.tape(new Tensor(rl, [N]), input, gradSum, N, N);
    }
    if (this.reduction === 'mean' && n === 0) return this.tape(new Tensor(Float32Array.of(NaN), []), input, gradSum, N);
    return this.tape(this.reduce(K.reduce.all('sum', l, 0), N, true), input, gradSum, N);
  }

  backward(): Tensor {
    const sv = this.saved(this.#saved);
    const G = CrossEntropyLoss.#gradSum(sv, this.labelSmoothing);
    if (sv.kind === 'prob') {
      this.scale(G, sv.lp.shape[0]);
      return new Tensor(G, sv.lp.shape);
    }
    this.scale(G, sv.D);
    // ignored rows: exactly 0, also when every row is ignored (D = 0), as torch
    for (const i of sv.ignored) G.fill(0, i * sv.lp.shape[1], (i + 1) * sv.lp.shape[1]);
    return new Tensor(G, sv.lp.shape);
  }

  /** d(Σ terms)/dinput before the 'mean' division (see the file comment). */
  static #gradSum(sv: IndexSaved | ProbSaved, eps: number): Float32Array {
    const lp = sv.lp, [N, C] = lp.shape;
    const K = kernels(), E = K.elementwise;
    const G = new Float32Array(N * C);
    K.unary.map('exp', lp.data, G);
    if (sv.kind === 'prob') {
      const rs = new Float32Array(N);
      K.reduce.axis('sum', sv.r, N, C, 1, 0, rs);
      E.binary('mul', G, rs, G, N, C, 'col');
      E.binary('sub', G, sv.r, G, 1, N * C, 'full');
      return G;
    }
    const { t, s, w } = sv;
    if (eps === 0) {
      if (s !== null) E.binary('mul', G, s, G, N, C, 'col');
      for (let i = 0; i < N; i++) {
        const k = i * C + t[i];
        if (t[i] >= 0) G[k] = fr(G[k] - (s === null ? 1 : s[i]));
      }
    } else {
      const e = fr(eps / C), om = fr(1 - eps);
      const W = w === null ? C : K.reduce.all('sum', w, 0);
      const eW = fr(e * W);
      const a = new Float32Array(N), r = new Float32Array(N);
      for (let i = 0; i < N; i++) {
        r[i] = fr(om * (s === null ? 1 : s[i]));
        a[i] = fr(r[i] + eW);
      }
      E.binary('mul', G, a, G, N, C, 'col');
      if (w === null) {
        E.scalar('sub', G, e, G);
      } else {
        const ew = new Float32Array(C);
        E.scalar('mul', w, e, ew);
        E.binary('sub', G, ew, G, N, C, 'row');
      }
      for (let i = 0; i < N; i++) {
        const k = i * C + t[i];
        if (t[i] >= 0) G[k] = fr(G[k] - r[i]);
      }
    }
    return G;
  }
}

/** Validated class indices (N integers in [0, C), or equal to ignoreIndex) as an Int32Array (a copy; −1 marks an ignored row). */
export function classIndices(target: unknown, N: number, C: number, ignoreIndex: number): Int32Array {
  let values: ArrayLike<number>;
  if (target instanceof Tensor) {
    if (target.ndim !== 1) throw new RangeError(`Expected a 1-D tensor of ${N} class indices (or class probabilities of shape [${N}, ${C}]) for target but received shape ${formatShape(target.shape)}`);
    values = target.data;
  } else if (target instanceof Int32Array || target instanceof Uint8Array || target instanceof Int8Array || target instanceof Uint16Array ||
    target instanceof Int16Array || target instanceof Uint32Array || target instanceof Uint8ClampedArray || Array.isArray(target)) {
    values = target as ArrayLike<number>;
  } else {
    throw typeError('class indices (an Int32Array, an array of integers or a 1-D Tensor) or class probabilities (a Tensor of the shape of input)', 'target', target);
  }
  if (values.length !== N) throw new RangeError(`Expected ${N} class indices (one per row of input) for target but received ${describe(target)}`);
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw typeError('an integer class index', `target[${i}]`, v);
    if (v === ignoreIndex) {
      out[i] = -1;
      continue;
    }
    if (!Number.isInteger(v) || v < 0 || v >= C) throw rangeError(`a class index in [0, ${C - 1}]`, `target[${i}]`, v);
    out[i] = v;
  }
  return out;
}
