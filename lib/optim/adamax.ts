// Adamax (betas, eps, L2 weight decay, maximize): torch.optim 1.13.
import { H, OF } from '../backend/optim_spec.js';
import type { BetasHyper, BetasOptions } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export type AdamaxHyper = BetasHyper;

export type AdamaxOptions = BetasOptions;

const fr = Math.fround;

/**
 * Per element, binary32; t = this parameter's step:
 *   g = maximize ? -g : g;  if weightDecay != 0: g = g + (weightDecay * p)
 *   m = (m * b1) + ((1 - b1) * g);  a = u * b2;  c = |g| + eps;  u = (a > c ? a : c)
 *   p = p - (fr(lr / (1 - b1^t)) * (m / u))
 */
export const ADAMAX_DEF: AlgoDef<AdamaxHyper> = {
  name: 'Adamax',
  algo: 'adamax',
  stepOnly: true,
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false },
  slots: () => ['exp_avg', 'exp_inf', null],
  prepare(o, t, _prev, h, k) {
    const K = H.adamax;
    const [b1, b2] = o.betas;
    h[k + K.B1] = fr(b1);
    h[k + K.OMB1] = fr(1 - b1);
    h[k + K.B2] = fr(b2);
    h[k + K.EPS] = fr(o.eps);
    h[k + K.CLR] = fr(o.lr / (1 - b1 ** t));
    h[k + K.WD] = fr(o.weightDecay);
    return { flags: (o.maximize ? OF.MAXIMIZE : 0) | (o.weightDecay !== 0 ? OF.WD : 0) };
  },
};

export class Adamax extends Optimizer<AdamaxHyper> {
  constructor(params: Params<AdamaxOptions>, options: AdamaxOptions = {}) {
    super(ADAMAX_DEF, params, options as Record<string, unknown>);
  }
}
