// Shared pieces of the fastgrad kernels for tfjs: reading a tensor's Float32Array in place (the kernels
// run fastgrad's kernel functions on the arrays themselves), and handing a result back to tfjs (no copy).
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { copyStrided, stridesOf } from '../../ops/core.js';

/** A kernel's arguments as tfjs passes them (the backend is always a FastgradBackend, a MathBackendCPU). */
export interface KernelArgs {
  /** Optional inputs (a fused bias) are absent from the map. */
  inputs: { readonly [name: string]: TensorInfo };
  backend: MathBackendCPU;
  attrs?: NamedAttrMap;
}

/**
 * A fastgrad implementation of one tfjs kernel: returns the result, or null when it does not handle
 * these inputs (a dtype other than float32, an empty tensor, a broadcast or an attribute it has no
 * kernel for); the backend then runs the CPU backend's kernel on the same arguments.
 */
export interface FastgradKernel {
  readonly kernelName: string;
  readonly impl: (args: KernelArgs) => TensorInfo | TensorInfo[] | null;
}

/** The tensor's values, in place, when it is a non-empty float32 tensor held as a Float32Array; else null. */
export function f32(backend: MathBackendCPU, t: TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array && v.length > 0 ? v : null;
}

/**
 * An output array of n floats from the backend's pool (storage.ts): recycled from a disposed tensor
 * when one of that length is free, so its contents are stale and the kernel must write every element.
 */
export function alloc(backend: MathBackendCPU, n: number): Float32Array {
  const pooled = backend as MathBackendCPU & { alloc?: (n: number) => Float32Array };
  return pooled.alloc ? pooled.alloc(n) : new Float32Array(n);
}

/** Hands an array to tfjs as a new tensor (float32 unless told; no copy: tfjs keeps this array). */
export function output(backend: MathBackendCPU, shape: readonly number[], data: Float32Array | Int32Array, dtype: 'float32' | 'int32' = 'float32'): TensorInfo {
  return backend.makeTensorInfo(shape.slice(), dtype, data);
}

/** out = x (contiguous, of shape `from`) with its axes in the order `perm`: lib/ops' strided copy (native when the last axis is strided). */
export function permuteInto(x: Float32Array, from: readonly number[], perm: readonly number[], out: Float32Array): Float32Array {
  const st = stridesOf(from);
  copyStrided(x, perm.map((p) => st[p]), out, perm.map((p) => from[p]));
  return out;
}

/** tfjs's channels-last images [N, H, W, C] to fastgrad's channels first [N, C, H, W], and back. */
export const NHWC_TO_NCHW: readonly number[] = [0, 3, 1, 2], NCHW_TO_NHWC: readonly number[] = [0, 2, 3, 1];

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Calls per kernel since the last reset: how many ran fastgrad's implementation and how many the CPU kernel. */
const counts = new Map<string, { fastgrad: number; cpu: number }>();

export function kernelCounts(): Record<string, { fastgrad: number; cpu: number }> {
  return Object.fromEntries([...counts].filter(([, v]) => v.fastgrad + v.cpu > 0).map(([k, v]) => [k, { ...v }]));
}

export function resetKernelCounts(): void {
  for (const c of counts.values()) c.fastgrad = c.cpu = 0;
}

/** The kernel function tfjs calls: the fastgrad implementation, else the CPU kernel. */
export function withFallback(k: FastgradKernel, cpu: KernelFunc): KernelFunc {
  let c = counts.get(k.kernelName);
  if (!c) counts.set(k.kernelName, (c = { fastgrad: 0, cpu: 0 }));
  const n = c, impl = k.impl;
  return (args) => {
    const r = impl(args as unknown as KernelArgs);
    if (r !== null) {
      n.fastgrad++;
      return r;
    }
    n.cpu++;
    return cpu(args);
  };
}
