// GELU (erf and tanh forms), SiLU, LeakyReLU, ELU: torch.nn's formulas, evaluated elementwise in binary32
// in torch's operation order, with exp, tanh and sigmoid from the unary family (same bits on both
// backends). Each forward caches its input x; each backward computes dx from x (docs/nn.md):
//
//   GELU 'none'  e = erf(fr(x·A)), A = fr(1/√2); y = (x·0.5)·(1 + e)
//                dx = dy·(cdf + x·pdf), cdf = 0.5·(1 + e), pdf = exp((−0.5·x)·x)·B, B = fr(1/√(2π))
//   GELU 'tanh'  u = B2·(x + K·((x·x)·x)), B2 = fr(√(2/π)), K = fr(0.044715); t = tanh(u); y = (0.5·x)·(1 + t)
//                dx = dy·(0.5·(1 + t) + ((0.5·x)·(1 − t·t))·(B2·(1 + fr(3·K)·(x·x))))
//   SiLU         s = sigmoid(x); y = x·s; dx = dy·(s·(1 + x·(1 − s)))
//   LeakyReLU    y = x > 0 ? x : x·slope; dx = x > 0 ? dy : dy·slope
//   ELU          y = x > 0 ? x : (exp(x) − 1)·α; dx = x > 0 ? dy : dy·(α·exp(x))
//
// erf(a) (binary32 in, binary32 out): ±1 for |a| ≥ 4 (erf rounds to ±1 there), NaN for NaN, else the
// Maclaurin series in binary64, s = a, t = a; for n = 1, 2, …: t = t·(−a²)/n, u = t/(2n + 1), s = s + u,
// until |u| ≤ 2^−60·|s|; erf = fr(s·(2/√π)). Only + − × ÷ on binary64 (each correctly rounded), so the
// result is the same on every platform; at |a| < 4 the terms stay below 2^17·|s|, so s keeps more
// than 30 correct bits beyond binary32.
import type { UnaryOp } from '../backend/kernels.js';
import { kernels } from '../backend/select.js';
import { checkTensor, Tensor } from '../tensor.js';
import { checkOptions, checkFinite, rangeError } from '../validate.js';
import { checkGradShape, Module, savedOrThrow } from './module.js';
import { gradOf, recordLayer } from './tape.js';

const fr = Math.fround;
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** erf of a binary32 value, as the file comment specifies. */
export function erf32(a: number): number {
  if (a !== a || a === 0) return a;
  if (a >= 4) return 1;
  if (a <= -4) return -1;
  const a2 = -(a * a);
  let s = a, t = a;
  for (let n = 1; n < 200; n++) {
    t = (t * a2) / n;
    const u = t / (2 * n + 1);
    s = s + u;
    if (Math.abs(u) <= Math.abs(s) * 8.673617379884035e-19) break;
  }
  return fr(s * TWO_OVER_SQRT_PI);
}

function unary(op: UnaryOp, x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  kernels().unary.map(op, x, out);
  return out;
}

/** The shared shape of these layers: forward caches x (and what the subclass keeps), backward maps (x, dy). */
abstract class Elementwise<S> extends Module {
  #saved: { x: Tensor; s: S } | null = null;
  protected abstract fwd(x: Float32Array, y: Float32Array): S;
  protected abstract bwd(x: Float32Array, s: S, dy: Float32Array, dx: Float32Array): void;

  forward(x: Tensor): Tensor {
    checkTensor(x, `x of ${this.constructor.name}`);
    const y = Tensor.zeros(x.shape);
    const s = this.fwd(x.data, y.data);
    this.#saved = { x, s };
    return recordLayer(y, this.constructor.name.toLowerCase(), [x], [x], (g) => {
      const dx = new Float32Array(x.size);
      this.bwd(x.data, s, g.data, dx);
      return [gradOf(dx, x.shape)];
    });
  }

  backward(dy: Tensor): Tensor {
    const { x, s } = savedOrThrow(this.#saved, this);
    checkGradShape(dy, x.shape, this);
    const dx = Tensor.zeros(x.shape);
    this.bwd(x.data, s, dy.data, dx.data);
    return dx;
  }
}

const GELU_A = fr(Math.SQRT1_2), GELU_B = fr(1 / Math.sqrt(2 * Math.PI)), GELU_B2 = fr(Math.sqrt(2 / Math.PI)), GELU_K = fr(0.044715), GELU_3K = fr(3 * GELU_K);

/** torch.nn.GELU({ approximate = 'none' | 'tanh' }). */
export class GELU extends Elementwise<Float32Array> {
  readonly approximate: 'none' | 'tanh';

  constructor(options?: { approximate?: 'none' | 'tanh' }) {
    super();
    checkOptions(options, 'GELU options', ['approximate']);
    const a = options?.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw rangeError("'none' or 'tanh'", 'approximate of GELU', a);
    this.approximate = a;
  }

  /** Keeps erf(x·A) ('none') or tanh(u) ('tanh'). */
  protected fwd(x: Float32Array, y: Float32Array): Float32Array {
    const n = x.length;
    if (this.approximate === 'none') {
      const e = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        e[i] = erf32(fr(x[i] * GELU_A));
        y[i] = fr(x[i] * 0.5) * fr(1 + e[i]);
      }
      return e;
    }
    const u = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = x[i];
      u[i] = GELU_B2 * fr(v + fr(GELU_K * fr(fr(v * v) * v)));
    }
    const t = unary('tanh', u);
    for (let i = 0; i < n; i++) y[i] = fr(0.5 * x[i]) * fr(1 + t[i]);
    return t;
  }

  protected bwd(x: Float32Array, s: Float32Array, dy: Float32Array, dx: Float32Array): void {
    const n = x.length;
    if (this.approximate === 'none') {
      const q = new Float32Array(n);
      for (let i = 0; i < n; i++) q[i] = fr(-0.5 * x[i]) * x[i];
      const ex = unary('exp', q);
      for (let i = 0; i < n; i++) {
        const cdf = fr(0.5 * fr(1 + s[i])), pdf = fr(ex[i] * GELU_B);
        dx[i] = dy[i] * fr(cdf + fr(x[i] * pdf));
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      const v = x[i], t = s[i];
      const left = fr(0.5 * v), right = fr(1 + t);
      const ld = fr(0.5 * right), td = fr(1 - fr(t * t));
      const id = fr(GELU_B2 * fr(1 + fr(GELU_3K * fr(v * v))));
      const rd = fr(fr(left * td) * id);
      dx[i] = dy[i] * fr(ld + rd);
    }
  }
}

/** torch.nn.SiLU: x·sigmoid(x). */
export class SiLU extends Elementwise<Float32Array> {
  protected fwd(x: Float32Array, y: Float32Array): Float32Array {
    const s = unary('sigmoid', x);
    for (let i = 0; i < x.length; i++) y[i] = x[i] * s[i];
    return s;
  }

  protected bwd(x: Float32Array, s: Float32Array, dy: Float32Array, dx: Float32Array): void {
    for (let i = 0; i < x.length; i++) dx[i] = dy[i] * fr(s[i] * fr(1 + fr(x[i] * fr(1 - s[i]))));
  }
}

/** torch.nn.LeakyReLU({ negativeSlope = 0.01 }). */
export class LeakyReLU extends Elementwise<null> {
  readonly negativeSlope: number;

  constructor(options?: { negativeSlope?: number }) {
    super();
    checkOptions(options, 'LeakyReLU options', ['negativeSlope']);
    const s = options?.negativeSlope ?? 0.01;
    checkFinite(s, 'negativeSlope of LeakyReLU');
    this.negativeSlope = s;
  }

  protected fwd(x: Float32Array, y: Float32Array): null {
    const a = fr(this.negativeSlope);
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : x[i] * a;
    return null;
  }

  protected bwd(x: Float32Array, _s: null, dy: Float32Array, dx: Float32Array): void {
    const a = fr(this.negativeSlope);
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : dy[i] * a;
  }
}

/** torch.nn.ELU({ alpha = 1 }). */
export class ELU extends Elementwise<Float32Array> {
  readonly alpha: number;

  constructor(options?: { alpha?: number }) {
    super();
    checkOptions(options, 'ELU options', ['alpha']);
    const a = options?.alpha ?? 1;
    checkFinite(a, 'alpha of ELU');
    this.alpha = a;
  }

  /** Keeps exp(x). */
  protected fwd(x: Float32Array, y: Float32Array): Float32Array {
    const e = unary('exp', x), a = fr(this.alpha);
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : fr(e[i] - 1) * a;
    return e;
  }

  protected bwd(x: Float32Array, e: Float32Array, dy: Float32Array, dx: Float32Array): void {
    const a = fr(this.alpha);
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : dy[i] * fr(a * e[i]);
  }
}

// torch.nn.functional forms: the layers' forward (one tape node each), options as the layers'.
/** torch.nn.functional.gelu(input, approximate='none'). */
export function gelu(x: Tensor, options?: { approximate?: 'none' | 'tanh' }): Tensor {
  return new GELU(options).forward(x);
}
/** torch.nn.functional.silu(input). */
export function silu(x: Tensor): Tensor {
  return new SiLU().forward(x);
}
/** torch.nn.functional.leaky_relu(input, negative_slope=0.01). */
export function leakyRelu(x: Tensor, options?: { negativeSlope?: number }): Tensor {
  return new LeakyReLU(options).forward(x);
}
/** torch.nn.functional.elu(input, alpha=1.0). */
export function elu(x: Tensor, options?: { alpha?: number }): Tensor {
  return new ELU(options).forward(x);
}
