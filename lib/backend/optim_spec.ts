// Codes shared by the optimizer kernels of both backends (mirror of native/kernels/optim_api.h):
// algorithm codes, flag bits, and the slot of each scalar in a tensor's h[OPTIM_H] block.

export type OptimAlgo = 'sgd' | 'adam' | 'adagrad' | 'rmsprop' | 'rprop' | 'adadelta' | 'adamax' | 'nadam' | 'radam' | 'momentum';

export const OPTIM_ALGO_CODE: Readonly<Record<OptimAlgo, number>> = {
  sgd: 0, adam: 1, adagrad: 2, rmsprop: 3, rprop: 4, adadelta: 5, adamax: 6, nadam: 7, radam: 8, momentum: 9,
};

/** Flag bits (optim_api.h OptimFlag). */
export const OF = {
  MAXIMIZE: 1, WD: 2, MOMENTUM: 4, NESTEROV: 8, FIRST: 16, AMSGRAD: 32, DECOUPLED: 64, CENTERED: 128, RECTIFY: 256, LOOKAHEAD: 512,
} as const;

/** Scalars per tensor. */
export const OPTIM_H = 10;

/** Scalar slots per algorithm (optim_api.h). */
export const H = {
  sgd: { LR: 0, MOM: 1, DAMP1: 2, WD: 3 },
  adam: { B1: 0, OMB1: 1, B2: 2, OMB2: 3, WD: 4, DECAY: 5, SS: 6, BC2S: 7, EPS: 8 },
  adagrad: { WD: 0, CLR: 1, EPS: 2 },
  rmsprop: { ALPHA: 0, OMA: 1, EPS: 2, MOM: 3, LR: 4, WD: 5 },
  rprop: { ETAM: 0, ETAP: 1, MIN: 2, MAX: 3 },
  adadelta: { RHO: 0, OMR: 1, EPS: 2, LR: 3, WD: 4 },
  adamax: { B1: 0, OMB1: 1, B2: 2, EPS: 3, CLR: 4, WD: 5 },
  nadam: { B1: 0, OMB1: 1, B2: 2, OMB2: 3, BC2: 4, EPS: 5, C1: 6, C2: 7, WD: 8 },
  radam: { B1: 0, OMB1: 1, B2: 2, OMB2: 3, BC1: 4, LR: 5, BC2S: 6, EPS: 7, RECT: 8, WD: 9 },
  momentum: { MU: 0, LR: 1, MUNEXT: 2, WD: 3 },
} as const;

/** Which state buffers (bit k = states[k]) an algorithm uses under these flags. */
export function optimStateMask(algo: OptimAlgo, flags: number): number {
  switch (algo) {
    case 'sgd': return flags & OF.MOMENTUM ? 1 : 0;
    case 'adam': return flags & OF.AMSGRAD ? 7 : 3;
    case 'adagrad': return 1;
    case 'rmsprop': return 1 | (flags & OF.CENTERED ? 2 : 0) | (flags & OF.MOMENTUM ? 4 : 0);
    case 'momentum': return flags & OF.LOOKAHEAD ? 3 : 1;
    default: return 3;
  }
}
