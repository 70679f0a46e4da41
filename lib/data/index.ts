// fg.data: datasets, samplers and the DataLoader; synthetic and small real data sets; seeded mini-batches.
export { curves, CURVES_SIZE } from './curves.js';
export type { CurvesOptions } from './curves.js';
export { batches } from './batches.js';
export type { Batch, BatchOptions } from './batches.js';
export { mnist, mnistFrom, MNIST_PIXELS } from './mnist.js';
export type { MnistOptions, MnistSplit, MnistDigitSource } from './mnist.js';
export { Dataset, IterableDataset, TensorDataset, Subset, randomSplit } from './dataset.js';
export type { MapDataset, SampleContext, AnyIterable } from './dataset.js';
export { SequentialSampler, RandomSampler, BatchSampler } from './sampler.js';
export type { Sampler, BatchSamplerLike, RandomSamplerOptions } from './sampler.js';
export { defaultCollate } from './collate.js';
export type { Collate } from './collate.js';
export { DataLoader } from './loader.js';
export type { DataLoaderOptions, IterateOptions } from './loader.js';
export { getWorkerInfo, type WorkerInfo } from './module.js';
export type { WorkerDatasetSpec } from './module.js';
export { sampleContext } from './fetch.js';
