// fg.ops: tensor ops that return new Tensors (or write into opts.out), each also a Tensor method
// (methods.ts). The public names only, one line per family: the helpers the families share
// (dimsOf, reduceData, binaryInto, ...) stay internal to lib/.
export { add, sub, mul, div, pow, maximum, minimum, clamp, scale, addScalar, broadcastShapes } from './elementwise.js';
export { sum, mean, max, min, var, variance, std, argmax, argmin, sumSquares, normL2List } from './reduce.js';
export type { ValuesIndices, ReduceOptions, ReduceDimOptions, VarOptions, VarianceOptions, DimArg } from './reduce.js';
export { neg, exp, log, sqrt, abs, square, relu, sigmoid, tanh, softmax, logSoftmax, reluBackward, sigmoidBackward, tanhBackward } from './unary.js';
export type { SoftmaxOptions } from './unary.js';
export { matmul, mm, gemm, matmulAsync, gemmAsync } from './matmul.js';
export type { GemmOptions, MatmulOptions } from './matmul.js';
export { reshape, viewAs as view, flatten, unsqueeze, squeeze, transpose, t, permute, expand, expandAs, narrow, select, unbind, cat, stack, split, chunk, indexSelect, gather, oneHot } from './shape.js';
export { tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint, randperm, zerosLike, onesLike, fullLike, randLike, randnLike } from './creation.js';
export type { TensorOptions, CreationOptions, RandomOptions, RandintOptions } from './creation.js';
export { eq, ne, gt, ge, lt, le, where, maskedFill, isnan, isinf, isfinite, any, all } from './compare.js';
export type { CompareOp } from './compare.js';
export { norm } from './norm.js';
export { sort, argsort, topk, cumsum, cumprod } from './sort.js';
export { clone, repeat, flip, reciprocal, rsqrt, logsumexp, prod, outer, dot } from './composite.js';
export { scatter, scatterAdd, maskedSelect, nonzero, tril, triu, diag, roll } from './indexing.js';
export { sign, floor, ceil, round, trunc, sin, cos, log1p, expm1 } from './pointwise.js';
import './methods.js';
