// fg.train: the fit loop, its callbacks and metrics.
export { fit, evaluate } from './fit.js';
export type { FitOptions, FitLoader, History, Scheduler } from './fit.js';
export { EarlyStopping, ReduceLROnPlateau } from './callbacks.js';
export type { Callback, FitContext, EarlyStoppingOptions, ReduceLROnPlateauOptions } from './callbacks.js';
export { accuracy } from './metrics.js';
export type { MetricFn, MetricSpec } from './metrics.js';
export type { LossFunction } from './backward.js';
