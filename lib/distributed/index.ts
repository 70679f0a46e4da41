// fg.distributed: data-parallel training across processes and machines on Gloo (docs/distributed.md).
export {
  initProcessGroup,
  destroyProcessGroup,
  isAvailable,
  isInitialized,
  getRank,
  getWorldSize,
  allReduce,
  broadcast,
  allGather,
  barrier,
  REDUCE_OPS,
} from './process_group.js';
export type { InitProcessGroupOptions, ReduceOp } from './process_group.js';
export { DistributedSampler } from './sampler.js';
export type { DistributedSamplerOptions } from './sampler.js';
export { DistributedDataParallel } from './ddp.js';
export type { DistributedDataParallelOptions } from './ddp.js';
