// Every tfjs kernel with a fastgrad implementation, one line per family.
import { batchMatMulKernel, fusedMatMulKernel } from './matmul.js';
import { addKernel, addNKernel, mulKernel, realDivKernel, subKernel } from './binary.js';
import { loopKernels, softmaxKernel, unaryKernels } from './unary.js';
import { reduceKernels } from './reduce.js';
import { fusedBatchNormKernel } from './batchnorm.js';
import { conv2DBackpropFilterKernel, conv2DBackpropInputKernel, conv2DKernel } from './conv.js';
import { avgPoolGradKernel, avgPoolKernel, maxPoolGradKernel, maxPoolKernel } from './pool.js';
import { gatherV2Kernel } from './gather.js';
import type { FastgradKernel } from './util.js';

export const FASTGRAD_KERNELS: readonly FastgradKernel[] = [
  batchMatMulKernel,
  fusedMatMulKernel,
  addKernel,
  subKernel,
  mulKernel,
  realDivKernel,
  addNKernel,
  ...unaryKernels,
  ...loopKernels,
  softmaxKernel,
  ...reduceKernels,
  fusedBatchNormKernel,
  conv2DKernel,
  conv2DBackpropInputKernel,
  conv2DBackpropFilterKernel,
  maxPoolKernel,
  avgPoolKernel,
  avgPoolGradKernel,
  maxPoolGradKernel,
  gatherV2Kernel,
];
