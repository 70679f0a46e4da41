// The 'fastgrad' tfjs backend: tfjs-backend-cpu's MathBackendCPU (tensor data held as typed arrays,
// float32 as Float32Array) with every CPU kernel registered for it too, and fastgrad's kernels
// registered over the hot ones. tfjs's own backends are built the same way (a backend class, then a
// kernel registry entry per kernel).
import { getKernel, getKernelsForBackend, registerBackend, registerKernel, findBackendFactory, type BackendValues, type DataType, type KernelConfig } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { FASTGRAD_KERNELS } from './kernels/index.js';
import { registerFusedGradients } from './kernels/fused_grad.js';
import { registerMeanGradient } from './kernels/mean_grad.js';
import { withFallback } from './kernels/util.js';
import { releaseMaxima } from './kernels/pool.js';
import { StoragePool } from './storage.js';

export const BACKEND_NAME = 'fastgrad';
/** Above 'cpu' (1) and 'wasm' / 'webgl' (2): a program that names no backend gets this one. */
export const BACKEND_PRIORITY = 3;

type DataId = object;
type Values = MathBackendCPU['data'] extends { get(id: DataId): infer E } ? NonNullable<E> extends { values: infer V } ? V : never : never;

export class FastgradBackend extends MathBackendCPU {
  /** Output arrays of fastgrad's kernels, recycled when tfjs disposes their tensors (storage.ts). */
  private readonly pool = new StoragePool();

  constructor() {
    super();
    // MathBackendCPU prints a "install tfjs-node to speed things up" notice on its first write.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** An output array of n floats for a fastgrad kernel (contents unspecified: the kernel writes every element). */
  alloc(n: number): Float32Array {
    return this.pool.alloc(n);
  }

  /** Releases the arrays held for reuse (torch.cuda.empty_cache's role). */
  emptyCache(): void {
    this.pool.clear();
  }

  override write(values: Values, shape: number[], dtype: DataType): DataId {
    this.pool.stored(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: Values, shape: number[], dtype: DataType, refCount: number): void {
    this.pool.stored(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    this.pool.escaped(values);
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    // has() first: get() of an id this backend does not hold asks the engine to move the data here.
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const deleted = super.disposeData(dataId, force);
    if (deleted && values !== undefined) {
      this.pool.released(values);
      releaseMaxima(dataId);
    }
    return deleted;
  }

  /** tfjs's memory() of the CPU backend, plus the bytes held for reuse. */
  override memory(): ReturnType<MathBackendCPU['memory']> & { pooledBytes: number } {
    return { ...super.memory(), pooledBytes: this.pool.bytes };
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
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
  registerBackend(
    BACKEND_NAME,
    () => {
      registerFusedGradients(BACKEND_NAME);
      registerMeanGradient(BACKEND_NAME);
      return new FastgradBackend();
    },
    BACKEND_PRIORITY,
  );
}
