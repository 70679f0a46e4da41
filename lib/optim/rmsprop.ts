// RMSprop (alpha, eps, centered, momentum, L2 weight decay, maximize): torch.optim 1.13.
import { H, OF } from '../backend/optim_spec.js';
import type { Schedule } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export interface RMSpropHyper {
  [k: string]: number | boolean | readonly [number, number];
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropOptions {
  lr?: number | Schedule;
  alpha?: number | Schedule;
  eps?: number | Schedule;
  weightDecay?: number | Schedule;
  momentum?: number | Schedule;
  centered?: boolean;
  maximize?: boolean;
  skipNonFinite?: boolean;
}

const fr = Math.fround;

/**
 * Per element, binary32:
 *   g = maximize ? -g : g;  if weightDecay != 0: g = g + (weightDecay * p)
 *   sq = (sq * alpha) + (((1 - alpha) * g) * g)
 *   centered: ga = (ga * alpha) + ((1 - alpha) * g); avg = sqrt(sq - (ga * ga))   else avg = sqrt(sq)
 *   avg = avg + eps                                          (eps outside the square root, as torch)
 *   momentum > 0: b = (b * momentum) + (g / avg); p = p - (lr * b)   else p = p - (lr * (g / avg))
 */
export const RMSPROP_DEF: AlgoDef<RMSpropHyper> = {
  name: 'RMSprop',
  algo: 'rmsprop',
  stepOnly: true,
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
  slots: (o) => ['square_avg', o.centered ? 'grad_avg' : null, o.momentum > 0 ? 'momentum_buffer' : null],
  prepare(o, _t, _prev, h, k) {
    const K = H.rmsprop;
    h[k + K.ALPHA] = fr(o.alpha);
    h[k + K.OMA] = fr(1 - o.alpha);
    h[k + K.EPS] = fr(o.eps);
    h[k + K.MOM] = fr(o.momentum);
    h[k + K.LR] = fr(o.lr);
    h[k + K.WD] = fr(o.weightDecay);
    const flags = (o.maximize ? OF.MAXIMIZE : 0) | (o.weightDecay !== 0 ? OF.WD : 0) | (o.centered ? OF.CENTERED : 0) | (o.momentum > 0 ? OF.MOMENTUM : 0);
    return { flags };
  },
};

export class RMSprop extends Optimizer<RMSpropHyper> {
  constructor(params: Params<RMSpropOptions>, options: RMSpropOptions = {}) {
    super(RMSPROP_DEF, params, options as Record<string, unknown>);
  }
}
