// The TypeScript backend: one object per kernel family, same bits as the native addon.
import type { Kernels } from '../kernels.js';
import { jsElementwise } from './elementwise.js';
import { jsOptim } from './optim.js';

export const jsKernels: Kernels = {
  name: 'js',
  elementwise: jsElementwise,
  optim: jsOptim,
};
