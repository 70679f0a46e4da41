// The 'fastgrad' tfjs backend: tfjs-backend-cpu's MathBackendCPU (tensor data held as typed arrays,
// float32 as Float32Array) with every CPU kernel registered for it too, and fastgrad's kernels
// registered over the hot ones. tfjs's own backends are built the same way (a backend class, then a
// kernel registry entry per kernel).
import { getKernel, getKernelsForBackend, registerBackend, registerKernel, findBackendFactory, type KernelConfig } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { FASTGRAD_KERNELS } from './kernels/index.js';
import { withFallback } from './kernels/util.js';

export const BACKEND_NAME = 'fastgrad';
/** Above 'cpu' (1) and 'wasm' / 'webgl' (2): a program that names no backend gets this one. */
export const BACKEND_PRIORITY = 3;

export class FastgradBackend extends MathBackendCPU {
  constructor() {
    super();
    // MathBackendCPU prints a "install tfjs-node to speed things up" notice on its first write.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}

/** Kernel names that have a fastgrad implementation (the others are the CPU backend's kernels). */
export const nativeKernelNames: readonly string[] = FASTGRAD_KERNELS.map((k) => k.kernelName);

/** Registers the backend and its kernels once (importing this module twice registers nothing twice). */
export function registerFastgradBackend(): void {
  if (findBackendFactory(BACKEND_NAME)) return;
  const cpu = getKernelsForBackend('cpu');
  if (cpu.length === 0) throw new Error('fastgrad/tfjs: @tensorflow/tfjs-backend-cpu registered no kernels (is it installed, version 4.x?)');
  const own = new Set(nativeKernelNames);
  for (const config of cpu) {
    if (!own.has(config.kernelName)) registerKernel({ ...config, backendName: BACKEND_NAME } as KernelConfig);
  }
  for (const k of FASTGRAD_KERNELS) {
    const fallback = getKernel(k.kernelName, 'cpu');
    if (!fallback) throw new Error(`fastgrad/tfjs: the CPU backend has no '${k.kernelName}' kernel`);
    registerKernel({ kernelName: k.kernelName, backendName: BACKEND_NAME, kernelFunc: withFallback(k, fallback.kernelFunc) });
  }
  registerBackend(BACKEND_NAME, () => new FastgradBackend(), BACKEND_PRIORITY);
}
