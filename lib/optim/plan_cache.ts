// A parameter group's optimizer plan (OptimKernels.plan), kept across steps while its arrays stay the same
// objects: a native step then reads no parameter, state or (repeated) gradient array through N-API, which
// costs ~1100 instructions per array per step (docs/bench.md "Optimizer steps: the fixed cost").
import type { OptimAlgo, OptimKernels, OptimPlan } from '../backend/spec/optim.js';

function same(a: readonly unknown[], b: readonly unknown[] | null): boolean {
  if (a === b) return true;
  if (b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class PlanCache {
  private K: OptimKernels | null = null;
  private plan: OptimPlan | null = null;
  private params: readonly Float32Array[] | null = null;
  private states: readonly (Float32Array | null)[] | null = null;
  /** The grads the plan holds (null: none). */
  private held: readonly Float32Array[] | null = null;
  /**
   * The previous step's grads. A plan holds grads only once the same arrays come twice (in-place
   * accumulation, zeroGrad() filling zeros): fresh gradients each step (zeroGrad(true)) are passed per
   * call and never kept alive by the plan.
   */
  private last: readonly Float32Array[] | null = null;

  /** K.step(algo, flags, h, params, grads, states) through a plan (same bits). */
  step(K: OptimKernels, algo: OptimAlgo, flags: Int32Array, h: Float32Array, params: readonly Float32Array[], grads: readonly Float32Array[], states: readonly (Float32Array | null)[]): void {
    const repeat = same(grads, this.last);
    this.last = grads;
    const stale = K !== this.K || !same(params, this.params) || !same(states, this.states);
    if (stale || (repeat ? !same(grads, this.held) : this.held !== null)) {
      const plan = K.plan(params, repeat ? grads : [], states);
      this.K = K;
      this.plan = plan;
      this.params = params;
      this.states = states;
      this.held = repeat ? grads : null;
    }
    // the plan now holds exactly these grads when they repeat, and none otherwise
    K.stepPlan(this.plan as OptimPlan, algo, flags, h, repeat ? [] : grads);
  }

  /** Drops the plan (and the references it holds). */
  clear(): void {
    this.K = this.plan = this.params = this.states = this.held = this.last = null;
  }
}
