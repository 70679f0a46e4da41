// The seam between the library and its two backends, as one import: the Kernels type (built from the
// family registry, lib/backend/families.ts) and each family's interface, codes and constants (declared
// once, in lib/backend/spec/<family>.ts, the contract the native side is generated from or checked against).
export type { Kernels, AsyncKernels } from './families.js';
export type { Asyncified } from './contract.js';
export { BINARY_OP_CODE, BROADCAST_CODE, type BinaryOp, type Broadcast, type ElementwiseKernels } from './spec/elementwise.js';
export { REDUCE_OP_CODE, type ReduceOp, type ReduceKernels } from './spec/reduce.js';
export type { BatchNormLayout, BatchNormKernels } from './spec/batchnorm.js';
export type { RngKernels } from './spec/rng.js';
export type { OptimKernels } from './spec/optim.js';
export { UNARY_OP_CODE, ACT_BACKWARD_CODE, type UnaryOp, type ActivationBackward, type UnaryKernels } from './spec/unary.js';
export { GEMM_ACTIVATION_CODE, GEMM_KC, gemmAccumulatesExactly, type GemmActivation, type GemmKernels } from './spec/gemm.js';
export type { ConvGeometry, ConvKernels } from './spec/conv.js';
export type { LayerNormKernels } from './spec/layernorm.js';
export type { RnnKernels } from './spec/rnn.js';
export type { EmbeddingKernels } from './spec/embedding.js';
export type { SpecialKernels } from './spec/special.js';
