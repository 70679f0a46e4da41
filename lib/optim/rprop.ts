// Rprop (etas, stepSizes, maximize): torch.optim 1.13.
import { H, OF } from '../backend/optim_spec.js';
import type { Pair, Schedule } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export interface RpropHyper {
  [k: string]: number | boolean | Pair;
  lr: number;
  etas: Pair;
  stepSizes: Pair;
  maximize: boolean;
}

export interface RpropOptions {
  lr?: number;
  etas?: Pair | Schedule<Pair>;
  stepSizes?: Pair | Schedule<Pair>;
  maximize?: boolean;
  skipNonFinite?: boolean;
}

const fr = Math.fround;

/**
 * Per element, binary32; prev starts at 0 and step at fr(lr) (lr is only read when a parameter's
 * state is created, as in torch):
 *   g = maximize ? -g : g;  q = g * prev
 *   f = q > 0 ? etaPlus : (q < 0 ? etaMinus : 1);  step = clamp(step * f, stepMin, stepMax)
 *   where the sign flipped (q < 0): g = 0, so no update and prev = 0
 *   p = p - (sign(g) * step);  prev = g                       (sign(0) = sign(NaN) = 0)
 */
export const RPROP_DEF: AlgoDef<RpropHyper> = {
  name: 'Rprop',
  algo: 'rprop',
  stepOnly: true,
  defaults: { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false },
  slots: () => ['prev', 'step_size', null],
  init: (name, o) => (name === 'step_size' ? o.lr : 0),
  prepare(o, _t, _prev, h, k) {
    const K = H.rprop;
    h[k + K.ETAM] = fr(o.etas[0]);
    h[k + K.ETAP] = fr(o.etas[1]);
    h[k + K.MIN] = fr(o.stepSizes[0]);
    h[k + K.MAX] = fr(o.stepSizes[1]);
    return { flags: o.maximize ? OF.MAXIMIZE : 0 };
  },
};

export class Rprop extends Optimizer<RpropHyper> {
  constructor(params: Params<RpropOptions>, options: RpropOptions = {}) {
    super(RPROP_DEF, params, options as Record<string, unknown>);
  }
}
