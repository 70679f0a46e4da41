// fg.nn: layers with an explicit forward/backward, and their functional forms.
export { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
export type { BatchNormOptions, BatchNorm2dOptions } from './batchnorm.js';
export * as functional from './functional.js';
export { RNN } from './rnn.js';
export type { RNNOptions } from './rnn.js';
