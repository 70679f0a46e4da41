// BatchMatMul and _FusedMatMul on fastgrad's GEMM: transposes through the GEMM's flags (no transposed
// copy), a bias row and relu/sigmoid through its fused epilogue, one GEMM call per batch matrix (one
// for the whole batch when b is shared and a is not transposed).
import { BatchMatMul, _FusedMatMul, type TensorInfo } from '@tensorflow/tfjs-core';
import type { GemmActivation } from '../../backend/kernels.js';
import { kernels } from '../../backend/select.js';
import { alloc, f32, output, sizeOf, type FastgradKernel, type KernelArgs } from './util.js';

/** tfjs fused activations that the GEMM epilogue has; the others run on the CPU kernel. */
const ACTIVATION: Readonly<Record<string, GemmActivation>> = { linear: 'none', relu: 'relu', sigmoid: 'sigmoid' };

function matmul(args: KernelArgs, activation: GemmActivation, biasInfo: TensorInfo | undefined): TensorInfo | null {
  const { backend } = args;
  const { a, b } = args.inputs;
  const transA = !!args.attrs?.transposeA, transB = !!args.attrs?.transposeB;
  const A = f32(backend, a), B = f32(backend, b);
  if (!A || !B || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length, rb = b.shape.length;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2], k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2], n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb || m === 0 || n === 0 || k === 0) return null;
  // Batch dims: the CPU kernel's rule (equal, or one side 1 after right-alignment).
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length), batchShape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = ba[i - (rank - ba.length)] ?? 1, db = bb[i - (rank - bb.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    batchShape.push(Math.max(da, db));
  }
  const batchA = sizeOf(ba), batchB = sizeOf(bb), batch = sizeOf(batchShape);
  if (batchA !== batch && batchA !== 1) return null;
  if (batchB !== batch && batchB !== 1) return null;
  let bias: Float32Array | null = null;
  if (biasInfo) {
    bias = f32(backend, biasInfo);
    const s = biasInfo.shape;
    const isRow = bias !== null && bias.length === n && s.length >= 1 && s[s.length - 1] === n && s.length <= batchShape.length + 2;
    if (!isRow) return null;
  }
  // The GEMM kernel itself (what fg.ops.gemm calls once its arguments are checked: here tfjs checked
  // the shapes, and the output is a fresh array no input shares).
  const C = alloc(backend, batch * m * n), K = kernels().gemm;
  if (batchB === 1 && !transA && batchA === batch) {
    // b shared by every batch matrix and a stored row-major: one (batch·m × k)·op(b) product.
    K.gemm(A, B, C, batch * m, n, k, false, transB, 1, 0, bias, activation);
  } else {
    const sa = m * k, sb = k * n, sc = m * n;
    for (let i = 0; i < batch; i++) {
      const ia = batchA === 1 ? 0 : i, ib = batchB === 1 ? 0 : i;
      const a1 = batch === 1 ? A : A.subarray(ia * sa, (ia + 1) * sa), b1 = batch === 1 ? B : B.subarray(ib * sb, (ib + 1) * sb);
      K.gemm(a1, b1, batch === 1 ? C : C.subarray(i * sc, (i + 1) * sc), m, n, k, transA, transB, 1, 0, bias, activation);
    }
  }
  return output(backend, [...batchShape, m, n], C);
}

export const batchMatMulKernel: FastgradKernel = {
  kernelName: BatchMatMul,
  impl: (args) => matmul(args, 'none', undefined),
};

export const fusedMatMulKernel: FastgradKernel = {
  kernelName: _FusedMatMul,
  impl: (args) => {
    const name = (args.attrs?.activation as string | undefined) ?? 'linear';
    const act = ACTIVATION[name];
    if (act === undefined || args.inputs.preluActivationWeights) return null;
    return matmul(args, act, args.inputs.bias);
  },
};
