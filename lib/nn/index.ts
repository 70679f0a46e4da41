// fg.nn: layers with an explicit forward/backward, and their functional forms.
export { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
export type { BatchNormOptions, BatchNorm2dOptions } from './batchnorm.js';
export * as functional from './functional.js';
export { RNN } from './rnn.js';
export type { RNNOptions } from './rnn.js';
export { Module, accumulateGrad } from './module.js';
export type { StateDict, StateDictInput } from './module.js';
export { Sequential } from './sequential.js';
export { Dropout } from './dropout.js';
export type { DropoutOptions } from './dropout.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { ReLU, Sigmoid, Tanh, Softmax } from './activation.js';
export { MSELoss, BCEWithLogitsLoss, CrossEntropyLoss } from './loss.js';
export type { Reduction, LossOptions, ClassTarget, CrossEntropyLossOptions, BCEWithLogitsLossOptions } from './loss.js';
export { L1Loss, SmoothL1Loss, HuberLoss, NLLLoss } from './loss_extra.js';
export type { SmoothL1LossOptions, HuberLossOptions, NLLLossOptions } from './loss_extra.js';
export { layerwiseBackward } from './module.js';
