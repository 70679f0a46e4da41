// SGD with momentum, dampening, Nesterov, L2 weight decay and maximize (torch.optim.SGD 1.13).
import { H, OF } from '../backend/optim_spec.js';
import { rangeError } from '../validate.js';
import type { Schedule } from './options.js';
import { Optimizer, type AlgoDef, type Params } from './optimizer.js';

export interface SGDHyper {
  [k: string]: number | boolean | readonly [number, number];
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export interface SGDOptions {
  lr: number | Schedule;
  momentum?: number | Schedule;
  dampening?: number | Schedule;
  weightDecay?: number | Schedule;
  nesterov?: boolean;
  maximize?: boolean;
  skipNonFinite?: boolean;
}

const fr = Math.fround;

/**
 * Per element, binary32 (h = [lr, momentum, 1 - dampening, weightDecay], computed once in TS):
 *   g = maximize ? -g : g;  if weightDecay != 0: g = g + (weightDecay * p)
 *   if momentum != 0: b = (first step of this parameter) ? g : (b * momentum) + ((1 - dampening) * g)
 *                     d = nesterov ? g + (momentum * b) : b          (the first step copies g, no dampening)
 *   else d = g
 *   p = p - (lr * d)
 */
export const SGD_DEF: AlgoDef<SGDHyper> = {
  name: 'SGD',
  algo: 'sgd',
  sameOnceStateful: true,
  defaults: { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false } as SGDHyper,
  required: ['lr'],
  crossCheck(o, at) {
    if (o.nesterov && !(o.momentum > 0)) throw rangeError('a momentum > 0 (nesterov is true)', at('momentum'), o.momentum);
    if (o.nesterov && o.dampening !== 0) throw rangeError('dampening 0 (nesterov is true)', at('dampening'), o.dampening);
  },
  slots: (o) => (o.momentum !== 0 ? ['momentum_buffer', null, null] : [null, null, null]),
  prepare(o, _step, prev, h, k) {
    const K = H.sgd;
    h[k + K.LR] = fr(o.lr);
    h[k + K.MOM] = fr(o.momentum);
    h[k + K.DAMP1] = fr(1 - o.dampening);
    h[k + K.WD] = fr(o.weightDecay);
    let flags = (o.maximize ? OF.MAXIMIZE : 0) | (o.weightDecay !== 0 ? OF.WD : 0);
    if (o.momentum !== 0) {
      flags |= OF.MOMENTUM | (o.nesterov ? OF.NESTEROV : 0);
      if (!prev?.buffers.momentum_buffer) flags |= OF.FIRST;
    }
    return { flags };
  },
};

export class SGD extends Optimizer<SGDHyper> {
  constructor(params: Params<SGDOptions>, options: SGDOptions) {
    super(SGD_DEF, params, options as unknown as Record<string, unknown>);
  }
}
