// fastgrad: the public surface.
export { Tensor, Parameter } from './tensor.js';
export type { Shape } from './tensor.js';
export * as ops from './ops/index.js';
export * as nn from './nn/index.js';
export {
  setBackend,
  getBackend,
  backendInfo,
  setNumThreads,
  getNumThreads,
  simdLevel,
  setSimdLevel,
} from './backend/select.js';
export type { BackendInfo, BackendName } from './backend/select.js';
export { Generator, manualSeed, defaultGenerator } from './random.js';
export type { GeneratorState } from './random.js';
export * as init from './init/index.js';
export * as data from './data/index.js';
export { save, load, read as readCheckpoint } from './checkpoint.js';
export type { SaveContent, Checkpoint, LoadInto } from './checkpoint.js';
export * as optim from './optim/index.js';
export * as distributed from './distributed/index.js';
