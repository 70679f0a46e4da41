// The TypeScript backend: one object per kernel family, same bits as the native addon.
import type { Kernels } from '../kernels.js';
import { jsElementwise } from './elementwise.js';
import { jsUnary } from './unary.js';

export const jsKernels: Kernels = {
  name: 'js',
  elementwise: jsElementwise,
  unary: jsUnary,
};
