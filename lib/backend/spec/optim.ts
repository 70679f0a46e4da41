// Optimizer family: one fused step per algorithm over many tensors. Spec of every algorithm:
// native/kernels/optim_api.h; twin: lib/backend/js/optim.ts; the scalars h[] are computed by each
// optimizer class (lib/optim/<name>.ts, method `scalars`).
import { arg, codes, constant, defineFamily, flags, slots, stateUse } from '../contract.js';

export const OPTIM_ALGO = codes(
  'Optimizer algorithms (one fused kernel each).',
  'OptimAlgo',
  {
    sgd: 'OPT_SGD', adam: 'OPT_ADAM', adagrad: 'OPT_ADAGRAD', rmsprop: 'OPT_RMSPROP', rprop: 'OPT_RPROP',
    adadelta: 'OPT_ADADELTA', adamax: 'OPT_ADAMAX', nadam: 'OPT_NADAM', radam: 'OPT_RADAM', momentum: 'OPT_MOMENTUM',
  },
  'OPT_COUNT',
);
export type OptimAlgo = (typeof OPTIM_ALGO.names)[number];
export const OPTIM_ALGO_CODE = OPTIM_ALGO.code;

export const OPTIM_FLAG = flags(
  'Flags of one tensor\'s step (one bit each, meaning as in native/kernels/optim_api.h).',
  'OptimFlag',
  {
    MAXIMIZE: 'OF_MAXIMIZE', WD: 'OF_WD', MOMENTUM: 'OF_MOMENTUM', NESTEROV: 'OF_NESTEROV', FIRST: 'OF_FIRST',
    AMSGRAD: 'OF_AMSGRAD', DECOUPLED: 'OF_DECOUPLED', CENTERED: 'OF_CENTERED', RECTIFY: 'OF_RECTIFY', LOOKAHEAD: 'OF_LOOKAHEAD',
  },
  'OF_ALL',
);
/** Flag bits. */
export const OF = OPTIM_FLAG.bit;

export const OPTIM_SCALARS = constant('Scalars per tensor: h[t*OPT_H .. t*OPT_H + OPT_H).', 'OPT_H', 'int', 10);
/** Scalars per tensor. */
export const OPTIM_H = OPTIM_SCALARS.value;

/** The Adam family's moment scalars, first in Adam's, NAdam's and RAdam's blocks (one moment update serves all three). */
const ADAM_MOMENT_SLOTS = ['B1', 'OMB1', 'B2', 'OMB2'] as const;

/** Each algorithm's scalar slots in a tensor's h[OPTIM_H] block. */
export const OPTIM_SLOTS = {
  sgd: slots('SGD: lr, momentum, 1 - dampening, weight decay.', 'SGD', ['LR', 'MOM', 'DAMP1', 'WD']),
  adam: slots('Adam/AdamW: b1, 1 - b1, b2, 1 - b2, wd, decay, lr / bc1, sqrt(bc2), eps.', 'ADAM', [...ADAM_MOMENT_SLOTS, 'WD', 'DECAY', 'SS', 'BC2S', 'EPS']),
  adagrad: slots('Adagrad: wd, clr, eps.', 'ADAGRAD', ['WD', 'CLR', 'EPS']),
  rmsprop: slots('RMSprop: alpha, 1 - alpha, eps, momentum, lr, wd.', 'RMS', ['ALPHA', 'OMA', 'EPS', 'MOM', 'LR', 'WD']),
  rprop: slots('Rprop: etaMinus, etaPlus, stepMin, stepMax.', 'RPROP', ['ETAM', 'ETAP', 'MIN', 'MAX']),
  adadelta: slots('Adadelta: rho, 1 - rho, eps, lr, wd.', 'ADADELTA', ['RHO', 'OMR', 'EPS', 'LR', 'WD']),
  adamax: slots('Adamax: b1, 1 - b1, b2, eps, lr / bc1, wd.', 'ADAMAX', ['B1', 'OMB1', 'B2', 'EPS', 'CLR', 'WD']),
  nadam: slots('NAdam: b1, 1 - b1, b2, 1 - b2, bc2, eps, c1, c2, wd.', 'NADAM', [...ADAM_MOMENT_SLOTS, 'BC2', 'EPS', 'C1', 'C2', 'WD']),
  radam: slots('RAdam: b1, 1 - b1, b2, 1 - b2, bc1, lr, sqrt(bc2), eps, rect, wd.', 'RADAM', [...ADAM_MOMENT_SLOTS, 'BC1', 'LR', 'BC2S', 'EPS', 'RECT', 'WD']),
  momentum: slots('Momentum / Nesterov: mu, lr, muNext, wd.', 'MOM', ['MU', 'LR', 'MUNEXT', 'WD']),
} as const satisfies Record<OptimAlgo, unknown>;

/** Scalar slots per algorithm: H.adam.B1 is the position of b1 in Adam's block. */
export const H = Object.fromEntries(Object.entries(OPTIM_SLOTS).map(([k, s]) => [k, s.slot])) as {
  readonly [A in keyof typeof OPTIM_SLOTS]: (typeof OPTIM_SLOTS)[A]['slot'];
};

/** Which state buffers (bit k = states[k]) each algorithm uses: always, plus a bit per flag set. */
export const OPTIM_STATE_USE = stateUse('optim_state_mask', OPTIM_ALGO, OPTIM_FLAG, {
  sgd: [0, { MOMENTUM: 1 }],
  adam: [3, { AMSGRAD: 4 }],
  adagrad: [1, {}],
  rmsprop: [1, { CENTERED: 2, MOMENTUM: 4 }],
  rprop: [3, {}],
  adadelta: [3, {}],
  adamax: [3, {}],
  nadam: [3, {}],
  radam: [3, {}],
  momentum: [1, { LOOKAHEAD: 2 }],
});

/** Which state buffers (bit k = states[k]) an algorithm uses under these flags. */
export function optimStateMask(algo: OptimAlgo, flagBits: number): number {
  return OPTIM_STATE_USE.mask(algo, flagBits);
}

declare const optimPlanBrand: unique symbol;
/**
 * A plan (OptimKernels.plan): the params, grads and state buffers of T tensors, held by the backend that
 * made it so that a step need not read them again (native: their pointers and references to their
 * ArrayBuffers, re-checked per step). Opaque; only the backend that made it takes it.
 */
export type OptimPlan = { readonly [optimPlanBrand]: true };

/**
 * Optimizer steps. One call steps T tensors: tensor t uses flags[t], the scalars
 * h[t*OPTIM_H .. t*OPTIM_H + OPTIM_H), params[t], grads[t] and states[3t .. 3t+2] (null where the
 * algorithm does not use that slot). Every buffer must be disjoint from every other.
 */
export interface OptimKernels {
  step(
    algo: OptimAlgo,
    flags: Int32Array,
    h: Float32Array,
    params: readonly Float32Array[],
    grads: readonly Float32Array[],
    states: readonly (Float32Array | null)[],
  ): void;
  /**
   * A plan over T tensors for stepPlan: params[t], grads[t] (or `grads` empty: none held) and
   * states[3t .. 3t+2] as in step(); the params and states must be disjoint and a grad must not overlap
   * them. The plan references its arrays until it is collected; they must not be detached or shrunk (a
   * later stepPlan throws a RangeError).
   */
  plan(params: readonly Float32Array[], grads: readonly Float32Array[], states: readonly (Float32Array | null)[]): OptimPlan;
  /**
   * step() on the plan's params and states (same bits): with `grads` (T arrays) or, if `grads` is empty,
   * the plan's own. Native: reads only the grads given through N-API (~1100 instructions per array).
   */
  stepPlan(plan: OptimPlan, algo: OptimAlgo, flags: Int32Array, h: Float32Array, grads: readonly Float32Array[]): void;
}

export const optim = defineFamily<OptimKernels>()({
  name: 'optim',
  doc: 'fused optimizer steps (SGD, Adam/AdamW, Adagrad, RMSprop, Rprop, Adadelta, Adamax, NAdam, RAdam, Momentum) over many tensors',
  table: true,
  declarations: [OPTIM_ALGO, OPTIM_FLAG, OPTIM_SCALARS, ...Object.values(OPTIM_SLOTS), OPTIM_STATE_USE],
  entries: {
    optimStep: {
      args: [arg.code('algo', OPTIM_ALGO), arg.i32('flags'), arg.f32('h'), arg.f32List('params'), arg.f32List('grads'), arg.f32OrNullList('states')],
      async: true,
    },
    optimPlan: {
      args: [arg.f32List('params'), arg.f32List('grads'), arg.f32OrNullList('states')],
      returns: 'object',
    },
    optimPlanStep: {
      args: [arg.external('plan', 'optimPlan'), arg.code('algo', OPTIM_ALGO), arg.i32('flags'), arg.f32('h'), arg.f32List('grads')],
    },
  },
  adapt: (a) => ({
    step: (algo, flagBits, h, params, grads, states) => a.optimStep(OPTIM_ALGO_CODE[algo], flagBits, h, params, grads, states),
    plan: (params, grads, states) => a.optimPlan(params, grads, states) as unknown as OptimPlan,
    stepPlan: (plan, algo, flagBits, h, grads) => a.optimPlanStep(plan, OPTIM_ALGO_CODE[algo], flagBits, h, grads),
  }),
  asyncMethods: ['step'],
});
