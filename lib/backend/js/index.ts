// The TypeScript backend: one object per kernel family, same bits as the native addon.
import type { Kernels } from '../kernels.js';
import { jsElementwise } from './elementwise.js';
import { jsReduce } from './reduce.js';
import { jsBatchnorm } from './batchnorm.js';
import { jsRng } from './rng.js';
import { jsOptim } from './optim.js';
import { jsUnary } from './unary.js';
import { jsGemm } from './gemm.js';
import { jsAsync } from './async.js';
import { jsConv } from './conv.js';
import { jsLayerNorm } from './layernorm.js';

export const jsKernels: Kernels = {
  name: 'js',
  elementwise: jsElementwise,
  reduce: jsReduce,
  batchnorm: jsBatchnorm,
  rng: jsRng,
  optim: jsOptim,
  unary: jsUnary,
  gemm: jsGemm,
  async: jsAsync,
  conv: jsConv,
  layernorm: jsLayerNorm,
};
