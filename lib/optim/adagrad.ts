// Adagrad (lrDecay, initialAccumulatorValue, eps, L2 weight decay, maximize): torch.optim 1.13.
import { H, OF } from '../backend/optim_spec.js';
import type { Schedule } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export interface AdagradHyper {
  [k: string]: number | boolean | readonly [number, number];
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export interface AdagradOptions {
  lr?: number | Schedule;
  lrDecay?: number | Schedule;
  weightDecay?: number | Schedule;
  initialAccumulatorValue?: number;
  eps?: number | Schedule;
  maximize?: boolean;
  skipNonFinite?: boolean;
}

const fr = Math.fround;

/**
 * Per element, binary32; sum starts at initialAccumulatorValue; t = this parameter's step:
 *   g = maximize ? -g : g;  if weightDecay != 0: g = g + (weightDecay * p)
 *   sum = sum + (g * g);  std = sqrt(sum) + eps;  p = p - (fr(lr / (1 + (t - 1) * lrDecay)) * (g / std))
 */
export const ADAGRAD_DEF: AlgoDef<AdagradHyper> = {
  name: 'Adagrad',
  algo: 'adagrad',
  stepOnly: true,
  defaults: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false },
  slots: () => ['sum', null, null],
  init: (_name, o) => o.initialAccumulatorValue,
  prepare(o, t, _prev, h, k) {
    const K = H.adagrad;
    h[k + K.WD] = fr(o.weightDecay);
    h[k + K.CLR] = fr(o.lr / (1 + (t - 1) * o.lrDecay));
    h[k + K.EPS] = fr(o.eps);
    return { flags: (o.maximize ? OF.MAXIMIZE : 0) | (o.weightDecay !== 0 ? OF.WD : 0) };
  },
};

export class Adagrad extends Optimizer<AdagradHyper> {
  constructor(params: Params<AdagradOptions>, options: AdagradOptions = {}) {
    super(ADAGRAD_DEF, params, options as Record<string, unknown>);
  }
}
