// The papers' formulation of momentum (Sutskever, Martens, Dahl & Hinton 2013):
//   classical momentum  v <- mu v - lr g(theta),            theta <- theta + v
//   Nesterov (NAG)      v <- mu_t v - lr g(theta + mu_t v),  theta <- theta + v
// exact, step by step, also when mu changes every step (mu may follow a Schedule).
//
// NAG's look-ahead convention: the parameter holds the LOOK-AHEAD point phi_t = theta_t + mu_t v_t,
// so the gradient the model computes from the parameter is g(theta_t + mu_t v_t), as the formula
// wants; the optimizer keeps theta in its state ('theta') and after each step writes
// phi_{t+1} = theta_{t+1} + mu_{t+1} v_{t+1} into the parameter. mu_{t+1} is the momentum
// schedule at t + 1 (or the group's momentum when it is a number). theta(p) reads theta; useTheta()
// puts theta into the parameters (to evaluate or save the model) and returns a function that puts the
// look-ahead points back. At the start v = 0, so the initial parameters are theta_0 = phi_0.
import { H, OF } from '../backend/optim_spec.js';
import type { Tensor } from '../tensor.js';
import { checkUnitMomentum, type Schedule } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export interface MomentumHyper {
  [k: string]: number | boolean | readonly [number, number];
  lr: number;
  momentum: number;
  weightDecay: number;
}

export interface MomentumOptions {
  lr: number | Schedule;
  /** mu in [0, 1], a number or a Schedule (sutskever(), nesterov83(), finalPhase(...)). Default 0.9. */
  momentum?: number | Schedule;
  weightDecay?: number | Schedule;
  skipNonFinite?: boolean;
}

const fr = Math.fround;

function momentumDef(nesterov: boolean): AlgoDef<MomentumHyper> {
  return {
    name: nesterov ? 'NAG' : 'Momentum',
    algo: 'momentum',
    stepOnly: !nesterov,
    defaults: { momentum: 0.9, weightDecay: 0 } as MomentumHyper,
    required: ['lr'],
    checks: { momentum: checkUnitMomentum },
    slots: () => (nesterov ? ['velocity', 'theta', null] : ['velocity', null, null]),
    init: (name) => (name === 'theta' ? 'param' : 0),
    prepare(o, _t, prev, h, k, ctx) {
      const K = H.momentum;
      // NAG: mu_t is the value the current look-ahead point was placed with (so the gradient and the
      // update agree even if the group's momentum was changed by hand since); at the first step v = 0.
      const mu = nesterov && prev?.scalars.mu_next !== undefined ? prev.scalars.mu_next : o.momentum;
      const muNext = nesterov ? (ctx.next('momentum') as number) : 0;
      h[k + K.MU] = fr(mu);
      h[k + K.LR] = fr(o.lr);
      h[k + K.MUNEXT] = fr(muNext);
      h[k + K.WD] = fr(o.weightDecay);
      const flags = (o.weightDecay !== 0 ? OF.WD : 0) | (nesterov ? OF.LOOKAHEAD : 0);
      return nesterov ? { flags, scalars: { mu_next: muNext } } : { flags };
    },
  };
}

/**
 * Classical momentum, per element in binary32: g = g + (weightDecay * p) if weightDecay != 0;
 * v = (mu * v) - (lr * g); p = p + v.
 */
export const MOMENTUM_DEF = momentumDef(false);

/**
 * Nesterov's accelerated gradient, per element in binary32 (p holds the look-ahead point):
 * v = (mu_t * v) - (lr * g); theta = theta + v; p = theta + (mu_{t+1} * v).
 */
export const NAG_DEF = momentumDef(true);

export class Momentum extends Optimizer<MomentumHyper> {
  constructor(params: Params<MomentumOptions>, options: MomentumOptions) {
    super(MOMENTUM_DEF, params, options as unknown as Record<string, unknown>);
  }
}

export class NAG extends Optimizer<MomentumHyper> {
  constructor(params: Params<MomentumOptions>, options: MomentumOptions) {
    super(NAG_DEF, params, options as unknown as Record<string, unknown>);
  }

  /** theta (the point the formula's iterates are), as opposed to the look-ahead point the parameter holds. */
  theta(p: Tensor): Float32Array {
    const s = this.state.get(p);
    return s ? s.buffers.theta : p.data;
  }

  /** Writes theta into every parameter; the returned function restores the look-ahead points. */
  useTheta(): () => void {
    const saved: [Tensor, Float32Array][] = [];
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        const s = this.state.get(p);
        if (!s) continue;
        saved.push([p, p.data.slice()]);
        p.data.set(s.buffers.theta);
      }
    }
    return () => {
      for (const [p, d] of saved) p.data.set(d);
    };
  }
}
