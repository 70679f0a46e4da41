// RAdam (betas, eps, L2 weight decay; maximize as an extension): torch.optim 1.13.
import { H, OF } from '../backend/optim_spec.js';
import type { BetasHyper, BetasOptions } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export type RAdamHyper = BetasHyper;

export type RAdamOptions = BetasOptions;

const fr = Math.fround;

/**
 * Step-dependent scalars (TS, double), t = this parameter's step, bc_k = 1 - b_k^t:
 *   rhoInf = 2 / (1 - b2) - 1;  rho_t = rhoInf - 2 t b2^t / bc2
 *   rect = sqrt((rho_t - 4)(rho_t - 2) rhoInf / ((rhoInf - 4)(rhoInf - 2) rho_t)), used only when rho_t > 5
 * Per element, binary32:
 *   g = maximize ? -g : g;  if weightDecay != 0: g = g + (weightDecay * p)
 *   m = (m * b1) + ((1 - b1) * g);  v = (v * b2) + (((1 - b2) * g) * g);  mh = m / fr(bc1)
 *   rho_t > 5: a = fr(sqrt(bc2)) / (sqrt(v) + eps)   (eps BEFORE the bias correction, unlike Adam)
 *              u = ((mh * lr) * a) * fr(rect)
 *   else       u = mh * lr
 *   p = p - u
 */
export const RADAM_DEF: AlgoDef<RAdamHyper> = {
  name: 'RAdam',
  algo: 'radam',
  stepOnly: true,
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false },
  slots: () => ['exp_avg', 'exp_avg_sq', null],
  prepare(o, t, _prev, h, k) {
    const K = H.radam;
    const [b1, b2] = o.betas;
    const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
    const rhoInf = 2 / (1 - b2) - 1;
    const rhoT = rhoInf - (2 * t * b2 ** t) / bc2;
    const rectify = rhoT > 5;
    h[k + K.B1] = fr(b1);
    h[k + K.OMB1] = fr(1 - b1);
    h[k + K.B2] = fr(b2);
    h[k + K.OMB2] = fr(1 - b2);
    h[k + K.BC1] = fr(bc1);
    h[k + K.LR] = fr(o.lr);
    h[k + K.BC2S] = fr(Math.sqrt(bc2));
    h[k + K.EPS] = fr(o.eps);
    h[k + K.RECT] = rectify ? fr(Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT))) : 0;
    h[k + K.WD] = fr(o.weightDecay);
    return { flags: (o.maximize ? OF.MAXIMIZE : 0) | (o.weightDecay !== 0 ? OF.WD : 0) | (rectify ? OF.RECTIFY : 0) };
  },
};

export class RAdam extends Optimizer<RAdamHyper> {
  constructor(params: Params<RAdamOptions>, options: RAdamOptions = {}) {
    super(RADAM_DEF, params, options as Record<string, unknown>);
  }
}
