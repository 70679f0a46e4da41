// Classical momentum vs Nesterov's accelerated gradient on a quadratic, as the momentum paper
// (Sutskever et al. 2013, section 2.1) and the lecture derive it. On q(x) = xᵀAx/2 + bᵀx with
// A = Q diag(λ) Qᵀ, write z = Qᵀ(θ − x*) for the eigencoordinates of the iterate θ and v_t = z_t − z_{t−1}
// for its velocity. Along eigendirection i (eigenvalue λ, learning rate ε):
//   classical momentum  v_{t+1} = μ v_t − ελ z_t
//   NAG                 v_{t+1} = μ(1 − ελ) v_t − ελ z_t
// so NAG acts as momentum with the effective coefficient μ(1 − ελ): the same as classical momentum
// when ελ is small, much less along directions of high curvature, where classical momentum
// oscillates. Each run applies fg.optim.Momentum or fg.optim.NAG (constant μ) to a Parameter of
// size D, its gradient from the tape (q − q* = (θ − x*)ᵀA(θ − x*)/2 written from tensor ops,
// loss.backward()); every update records q(θ) − q* and z (NAG: at θ, not the look-ahead point). The effective
// momentum per direction is measured from those iterates by least squares (effectiveMomentum), and
// compared with the formulas in the report's verdict.
import { orthogonal } from '../init/index.js';
import { Generator } from '../random.js';
import { Parameter, Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Momentum, NAG } from '../optim/index.js';
import type { EvalPoint, RunDef, Trainable } from './run.js';

export interface QuadraticConfig {
  /** Eigenvalues of A (the dimension is their count). */
  eigenvalues: number[];
  /** Constant momentum μ. */
  mu: number;
  /** The learning rates compared (large: ε·λmax near 1; small: ε·λmax << 1). */
  lrs: number[];
  updates: number;
  seed: number;
}

/** The problem of one seed: a random rotation Q, b ~ N(0, 1), the start x0 ~ N(0, 1) (float64 copies). */
export interface QuadraticProblem {
  Q: Float64Array;
  lambda: readonly number[];
  b: Float64Array;
  xStar: Float64Array;
  qStar: number;
  x0: Float32Array;
}

export function quadraticProblem(eigenvalues: readonly number[], seed: number): QuadraticProblem {
  const D = eigenvalues.length;
  const gen = new Generator(seed);
  const q = orthogonal(Tensor.zeros([D, D]), { generator: gen });
  const Q = Float64Array.from(q.data);
  const b = Float64Array.from(gen.normal(new Float32Array(D)));
  const x0 = gen.normal(new Float32Array(D));
  // x* = −A⁻¹b = −Q diag(1/λ) Qᵀ b
  const qtb = new Float64Array(D);
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) qtb[i] += Q[j * D + i] * b[j];
  const xStar = new Float64Array(D);
  for (let j = 0; j < D; j++) for (let i = 0; i < D; i++) xStar[j] -= (Q[j * D + i] * qtb[i]) / eigenvalues[i];
  let qStar = 0;
  for (let j = 0; j < D; j++) qStar += 0.5 * b[j] * xStar[j];
  return { Q, lambda: eigenvalues, b, xStar, qStar, x0 };
}

/** q(x) − q* = (x − x*)ᵀA(x − x*)/2, and the eigencoordinates z = Qᵀ(x − x*). */
function evaluateAt(p: QuadraticProblem, x: ArrayLike<number>): { gap: number; z: Float64Array } {
  const D = p.lambda.length;
  const z = new Float64Array(D);
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) z[i] += p.Q[j * D + i] * (x[j] - p.xStar[j]);
  let gap = 0;
  for (let i = 0; i < D; i++) gap += 0.5 * p.lambda[i] * z[i] * z[i];
  return { gap, z };
}

/** The parameter θ, and q(θ) − q* from tensor ops (so its gradient A(θ − x*) comes from the tape). */
class Point extends Module {
  readonly x: Parameter;
  readonly #A: Tensor;
  readonly #xStar: Tensor;

  constructor(p: QuadraticProblem) {
    super();
    const D = p.lambda.length;
    this.x = this.registerParameter('x', new Parameter(p.x0.slice(), [D]));
    // A = Q diag(λ) Qᵀ in float64, rounded once; symmetric bit for bit (each pair computed once)
    const A = new Float32Array(D * D);
    for (let r = 0; r < D; r++) {
      for (let c = r; c < D; c++) {
        let v = 0;
        for (let i = 0; i < D; i++) v += p.Q[r * D + i] * p.lambda[i] * p.Q[c * D + i];
        A[r * D + c] = A[c * D + r] = v;
      }
    }
    this.#A = new Tensor(A, [D, D]);
    this.#xStar = new Tensor(Float32Array.from(p.xStar), [D]);
  }

  forward(): Tensor {
    const d = this.x.sub(this.#xStar);
    return d.mul(d.matmul(this.#A)).sum().mul(0.5);
  }
}

class QuadraticRun implements Trainable {
  readonly model: Point;
  readonly optimizer: Momentum | NAG;
  readonly batch = 1;
  readonly #p: QuadraticProblem;

  constructor(p: QuadraticProblem, nesterov: boolean, lr: number, mu: number) {
    this.#p = p;
    this.model = new Point(p);
    const params = [this.model.x];
    this.optimizer = nesterov ? new NAG(params, { lr, momentum: mu }) : new Momentum(params, { lr, momentum: mu });
  }

  #theta(): Float32Array {
    const o = this.optimizer;
    return o instanceof NAG ? o.theta(this.model.x) : this.model.x.data;
  }

  step(): number {
    // The gradient at the parameter: θ for classical momentum, the look-ahead point for NAG.
    this.optimizer.zeroGrad(true);
    this.model.forward().backward();
    this.optimizer.step();
    return evaluateAt(this.#p, this.#theta()).gap;
  }

  evaluate(): Record<string, number> {
    const { gap, z } = evaluateAt(this.#p, this.#theta());
    const out: Record<string, number> = { gap };
    z.forEach((v, i) => (out[`z${i}`] = v));
    return out;
  }

  extraState(): unknown {
    return null;
  }

  loadExtraState(): void {}
}

/** The formulas' effective momentum along a direction of curvature λ. */
export function formulaMomentum(optimizer: 'momentum' | 'nag', mu: number, lr: number, lambda: number): number {
  return optimizer === 'nag' ? mu * (1 - lr * lambda) : mu;
}

/**
 * The effective momentum along direction i measured from the iterates: the least-squares m in
 * v_{t+1} + ελ z_t = m v_t over the recorded updates (v_t = z_t − z_{t−1}), i.e.
 * m = Σ v_t (v_{t+1} + ελ z_t) / Σ v_t². Updates where |v_t| fell below 1e-4 of its largest value are
 * left out (their ratio is float32 rounding).
 */
export function effectiveMomentum(evals: readonly EvalPoint[], i: number, lr: number, lambda: number): number {
  const z = evals.map((e) => e[`z${i}`]);
  const v = z.map((x, t) => (t === 0 ? 0 : x - z[t - 1]));
  const vmax = Math.max(...v.map(Math.abs));
  let num = 0, den = 0;
  for (let t = 1; t + 1 < z.length; t++) {
    if (Math.abs(v[t]) < 1e-4 * vmax) continue;
    num += v[t] * (v[t + 1] + lr * lambda * z[t]);
    den += v[t] * v[t];
  }
  return num / den;
}

/** Run ids: quadratic/<momentum|nag>-lr<ε>/s<seed>. */
export function quadraticRuns(c: QuadraticConfig, seeds: readonly number[]): RunDef[] {
  const defs: RunDef[] = [];
  for (const lr of c.lrs) for (const o of ['momentum', 'nag'] as const) for (const seed of seeds) {
    const group = `${o === 'nag' ? 'NAG' : 'CM'} ε=${lr}`;
    defs.push({
      id: `quadratic/${o}-lr${lr}/s${seed}`,
      group,
      seed,
      label: `quadratic ${group} seed ${seed}`,
      updates: c.updates,
      evalEvery: 1,
      create: () => new QuadraticRun(quadraticProblem(c.eigenvalues, seed), o === 'nag', lr, c.mu),
    });
  }
  return defs;
}
