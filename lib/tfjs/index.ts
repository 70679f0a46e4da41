// fastgrad/tfjs: `import 'fastgrad/tfjs'` registers the 'fastgrad' TensorFlow.js backend (priority
// above 'cpu' and 'wasm', so an unchanged tfjs program runs on it) and gives fgtf.train.*, fused
// optimizers for tfjs models. Needs @tensorflow/tfjs-core and @tensorflow/tfjs-backend-cpu 4.x
// (optional peer dependencies: the main 'fastgrad' entry never loads them).
import { registerFastgradBackend } from './backend.js';

registerFastgradBackend();

export { FastgradBackend, BACKEND_NAME, BACKEND_PRIORITY, nativeKernelNames } from './backend.js';
export { FastgradOptimizer } from './train.js';
/** Which overridden kernels ran fastgrad's code and which fell back to the CPU kernel (diagnostics). */
export { kernelCounts, resetKernelCounts } from './kernels/util.js';
export * as train from './train.js';
