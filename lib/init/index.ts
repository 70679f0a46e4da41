// fg.init: in-place initializers (torch.nn.init names, camelCased), each returning its tensor.
export { uniform, normal, constant, zeros, ones, xavierUniform, xavierNormal, kaimingUniform, kaimingNormal } from './basic.js';
export type { KaimingOptions } from './basic.js';
export { calculateGain, fans } from './common.js';
export type { FanMode, Nonlinearity, GeneratorOptions } from './common.js';
export { orthogonal } from './orthogonal.js';
export { sparse, echoState, spectralRadius } from './sparse.js';
export type { SparseOptions, EchoStateOptions } from './sparse.js';
export { eigenvalues } from './eigen.js';
