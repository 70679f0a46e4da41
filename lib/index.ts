// fastgrad: the public surface.
export { Tensor, Parameter } from './tensor.js';
export type { Shape, DType, TensorData } from './tensor.js';
export * as ops from './ops/index.js';
export { tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint, randperm, zerosLike, onesLike, fullLike, randLike, randnLike, cat, stack } from './ops/index.js';
export type { TensorOptions, CreationOptions, RandomOptions, ValuesIndices } from './ops/index.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad_mode.js';
export { Node } from './autograd/node.js';
export * as autograd from './autograd/api.js';
export { RemovableHandle } from './autograd/hooks.js';
export type { TensorHook, PostAccumulateGradHook } from './autograd/hooks.js';
export type { BackwardOptions } from './autograd/engine.js';
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
export { emptyCache } from './backend/buffers.js';
export type { CacheInfo } from './backend/buffers.js';
export { Generator, manualSeed, defaultGenerator } from './random.js';
export type { GeneratorState } from './random.js';
export * as init from './init/index.js';
export * as data from './data/index.js';
export { save, load, read as readCheckpoint } from './checkpoint.js';
export type { SaveContent, Checkpoint, LoadInto } from './checkpoint.js';
export { loadSafetensors, saveSafetensors, IntTensor } from './io/safetensors.js';
export type { SafetensorsContent, SafetensorsDtype } from './io/safetensors.js';
export * as optim from './optim/index.js';
export * as train from './train/index.js';
export * as distributed from './distributed/index.js';
