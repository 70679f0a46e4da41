// Adam (L2 weight decay, amsgrad) and AdamW (decoupled weight decay): torch.optim 1.13. One kernel.
import { H, OF } from '../backend/optim_spec.js';
import type { BetasHyper, BetasOptions } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export interface AdamHyper extends BetasHyper {
  amsgrad: boolean;
}

export interface AdamOptions extends BetasOptions {
  amsgrad?: boolean;
}

const fr = Math.fround;

function adamDef(decoupled: boolean): AlgoDef<AdamHyper> {
  return {
    name: decoupled ? 'AdamW' : 'Adam',
    algo: 'adam',
    stepOnly: true,
    defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: decoupled ? 1e-2 : 0, amsgrad: false, maximize: false },
    slots: (o) => ['exp_avg', 'exp_avg_sq', o.amsgrad ? 'max_exp_avg_sq' : null],
    prepare(o, t, _prev, h, k) {
      const K = H.adam;
      const [b1, b2] = o.betas;
      const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
      h[k + K.B1] = fr(b1);
      h[k + K.OMB1] = fr(1 - b1);
      h[k + K.B2] = fr(b2);
      h[k + K.OMB2] = fr(1 - b2);
      h[k + K.WD] = fr(o.weightDecay);
      h[k + K.DECAY] = fr(1 - o.lr * o.weightDecay);
      h[k + K.SS] = fr(o.lr / bc1);
      h[k + K.BC2S] = fr(Math.sqrt(bc2));
      h[k + K.EPS] = fr(o.eps);
      const wd = o.weightDecay !== 0 ? (decoupled ? OF.DECOUPLED : OF.WD) : 0;
      return { flags: (o.maximize ? OF.MAXIMIZE : 0) | (o.amsgrad ? OF.AMSGRAD : 0) | wd };
    },
  };
}

/**
 * Adam. Per element, binary32, t = this parameter's step (1 for the first), bc_k = 1 - beta_k^t:
 *   g = maximize ? -g : g;  if weightDecay != 0: g = g + (weightDecay * p)
 *   m = (m * b1) + ((1 - b1) * g);  v = (v * b2) + (((1 - b2) * g) * g)
 *   amsgrad: vmax = (vmax > v ? vmax : v) and u = vmax (the max of the RAW second moment), else u = v
 *   den = (sqrt(u) / fr(sqrt(bc2))) + eps          (eps after the bias correction, as torch)
 *   p = p - (fr(lr / bc1) * (m / den))
 */
export const ADAM_DEF = adamDef(false);

/** AdamW: as Adam without the L2 term; first p = p * fr(1 - lr * weightDecay) (decoupled decay, torch order). */
export const ADAMW_DEF = adamDef(true);

export class Adam extends Optimizer<AdamHyper> {
  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(ADAM_DEF, params, options as Record<string, unknown>);
  }
}

export class AdamW extends Optimizer<AdamHyper> {
  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(ADAMW_DEF, params, options as Record<string, unknown>);
  }
}
