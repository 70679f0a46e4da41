// Adadelta (rho, eps, L2 weight decay, maximize): torch.optim 1.13.
import { H, OF } from '../backend/optim_spec.js';
import type { Schedule } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export interface AdadeltaHyper {
  [k: string]: number | boolean | readonly [number, number];
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export interface AdadeltaOptions {
  lr?: number | Schedule;
  rho?: number | Schedule;
  eps?: number | Schedule;
  weightDecay?: number | Schedule;
  maximize?: boolean;
  skipNonFinite?: boolean;
}

const fr = Math.fround;

/**
 * Per element, binary32:
 *   g = maximize ? -g : g;  if weightDecay != 0: g = g + (weightDecay * p)
 *   sq = (sq * rho) + (((1 - rho) * g) * g);  std = sqrt(sq + eps)      (eps inside both roots)
 *   d = (sqrt(acc + eps) / std) * g;  acc = (acc * rho) + (((1 - rho) * d) * d);  p = p - (lr * d)
 */
export const ADADELTA_DEF: AlgoDef<AdadeltaHyper> = {
  name: 'Adadelta',
  algo: 'adadelta',
  stepOnly: true,
  defaults: { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false },
  slots: () => ['square_avg', 'acc_delta', null],
  prepare(o, _t, _prev, h, k) {
    const K = H.adadelta;
    h[k + K.RHO] = fr(o.rho);
    h[k + K.OMR] = fr(1 - o.rho);
    h[k + K.EPS] = fr(o.eps);
    h[k + K.LR] = fr(o.lr);
    h[k + K.WD] = fr(o.weightDecay);
    return { flags: (o.maximize ? OF.MAXIMIZE : 0) | (o.weightDecay !== 0 ? OF.WD : 0) };
  },
};

export class Adadelta extends Optimizer<AdadeltaHyper> {
  constructor(params: Params<AdadeltaOptions>, options: AdadeltaOptions = {}) {
    super(ADADELTA_DEF, params, options as Record<string, unknown>);
  }
}
