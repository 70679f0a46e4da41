// fg.data: synthetic and small real data sets, and seeded mini-batches.
export { curves, CURVES_SIZE } from './curves.js';
export type { CurvesOptions } from './curves.js';
export { batches } from './batches.js';
export type { Batch, BatchOptions } from './batches.js';
export { mnist, mnistFrom, MNIST_PIXELS } from './mnist.js';
export type { MnistOptions, MnistSplit, MnistDigitSource } from './mnist.js';
