// NAdam (betas, eps, L2 weight decay, momentumDecay; maximize as an extension): torch.optim 1.13.
import { H, OF } from '../backend/optim_spec.js';
import type { BetasHyper, BetasOptions, Schedule } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export interface NAdamHyper extends BetasHyper {
  momentumDecay: number;
}

export interface NAdamOptions extends BetasOptions {
  momentumDecay?: number | Schedule;
}

const fr = Math.fround;

/**
 * Step-dependent scalars (TS, double, then rounded), t = this parameter's step:
 *   mu_t = b1 (1 - 0.5 * 0.96^(t * momentumDecay)),  mu_{t+1} likewise
 *   muProduct = fr(muProduct * fr(mu_t))   (binary32 state, as torch's float tensor; starts at 1)
 *   c1 = lr (1 - mu_t) / (1 - muProduct);  c2 = lr mu_{t+1} / (1 - muProduct * mu_t * mu_{t+1})
 *   (c2's denominator holds mu_t once more than the paper's prod_{i<=t+1} mu_i: that is what torch 1.13
 *   computes; the golden vectors match it to the bit, and miss the paper's form by 3x the tolerance)
 * Per element, binary32:
 *   g = maximize ? -g : g;  if weightDecay != 0: g = g + (weightDecay * p)
 *   m = (m * b1) + ((1 - b1) * g);  v = (v * b2) + (((1 - b2) * g) * g)
 *   den = sqrt(v / fr(1 - b2^t)) + eps;  p = p - (c1 * (g / den));  p = p - (c2 * (m / den))
 */
export const NADAM_DEF: AlgoDef<NAdamHyper> = {
  name: 'NAdam',
  algo: 'nadam',
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, maximize: false },
  slots: () => ['exp_avg', 'exp_avg_sq', null],
  prepare(o, t, prev, h, k) {
    const K = H.nadam;
    const [b1, b2] = o.betas;
    const mu = b1 * (1 - 0.5 * 0.96 ** (t * o.momentumDecay));
    const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * o.momentumDecay));
    const muProduct = fr((prev?.scalars.mu_product ?? 1) * fr(mu));
    h[k + K.B1] = fr(b1);
    h[k + K.OMB1] = fr(1 - b1);
    h[k + K.B2] = fr(b2);
    h[k + K.OMB2] = fr(1 - b2);
    h[k + K.BC2] = fr(1 - b2 ** t);
    h[k + K.EPS] = fr(o.eps);
    h[k + K.C1] = fr((o.lr * (1 - mu)) / (1 - muProduct));
    h[k + K.C2] = fr((o.lr * muNext) / (1 - muProduct * mu * muNext));
    h[k + K.WD] = fr(o.weightDecay);
    return { flags: (o.maximize ? OF.MAXIMIZE : 0) | (o.weightDecay !== 0 ? OF.WD : 0), scalars: { mu_product: muProduct } };
  },
};

export class NAdam extends Optimizer<NAdamHyper> {
  constructor(params: Params<NAdamOptions>, options: NAdamOptions = {}) {
    super(NADAM_DEF, params, options as Record<string, unknown>);
  }
}
