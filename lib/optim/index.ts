// fg.optim: torch.optim's optimizers (fused kernels, both backends), the papers' Momentum and NAG,
// schedules, LR schedulers, gradient clipping and a functional API.
export { Optimizer } from './optimizer.js';
export type { ParamGroup, ParamState, StateDict, StepResult, Params } from './optimizer.js';
export type { Schedule, Pair } from './options.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions } from './adam.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions } from './adagrad.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions } from './rmsprop.js';
export { Rprop } from './rprop.js';
export type { RpropOptions } from './rprop.js';
export { Adadelta } from './adadelta.js';
export type { AdadeltaOptions } from './adadelta.js';
export { Adamax } from './adamax.js';
export type { AdamaxOptions } from './adamax.js';
export { NAdam } from './nadam.js';
export type { NAdamOptions } from './nadam.js';
export { RAdam } from './radam.js';
export type { RAdamOptions } from './radam.js';
export { Momentum, NAG } from './momentum.js';
export type { MomentumOptions } from './momentum.js';
export { constant, sutskever, nesterov83, finalPhase } from './schedules.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  LambdaLR,
  OneCycleLR,
  SequentialLR,
  ReduceLROnPlateau,
} from './lr_scheduler.js';
export type { LRSchedulerStateDict, OneCycleOptions, PlateauOptions, PlateauStateDict, SequentialLRStateDict } from './lr_scheduler.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export * as functional from './functional.js';
export type { FunctionalState } from './functional.js';
