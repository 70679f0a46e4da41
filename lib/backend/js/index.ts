// The TypeScript backend: one object per kernel family, same bits as the native addon.
import type { Kernels } from '../kernels.js';
import { jsElementwise } from './elementwise.js';
import { jsGemm } from './gemm.js';

export const jsKernels: Kernels = {
  name: 'js',
  elementwise: jsElementwise,
  gemm: jsGemm,
};
