// Add, Sub, Mul, RealDiv and AddN on fastgrad's elementwise kernels. tfjs broadcasts any pair of
// shapes; fastgrad's kernels take the same shape, one scalar, a row repeated over the leading axes or
// a column repeated over the trailing ones, which is what dense layers, biases, losses and gradients
// produce. Other broadcasts run on the CPU kernel.
import { Add, AddN, Multiply, RealDiv, Sub, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BinaryOp } from '../../backend/kernels.js';
import { add, div, mul, neg, sub } from '../../ops/index.js';
import type { Tensor } from '../../tensor.js';
import { alloc, f32, output, sizeOf, view, type FastgradKernel, type KernelArgs } from './util.js';

const OPS: Readonly<Record<BinaryOp, (a: Tensor, b: Tensor, opts?: { out?: Tensor }) => Tensor>> = { add, sub, mul, div };

type Plan = { mode: 'full' | 'scalar' | 'row' | 'col'; rows: number; cols: number };

/** How b (tfjs broadcasting) lays over a when the result has a's shape; null if not one of fastgrad's modes. */
export function planBroadcast(sa: readonly number[], sb: readonly number[]): Plan | null {
  const r = sa.length;
  if (sb.length > r) return null;
  const pb = [...new Array<number>(r - sb.length).fill(1), ...sb];
  for (let i = 0; i < r; i++) if (pb[i] !== 1 && pb[i] !== sa[i]) return null;
  const na = sizeOf(sa), nb = sizeOf(sb);
  if (nb === na) return { mode: 'full', rows: 1, cols: na };
  if (nb === 1) return { mode: 'scalar', rows: 1, cols: na };
  // Where b is 1 against a longer axis of a (b is repeated there).
  const rep = pb.map((d, i) => d !== sa[i]);
  const first = rep.indexOf(true), last = rep.lastIndexOf(true);
  // row: every axis up to the last repeated one is 1 in b (b is a block repeated over the leading axes).
  if (pb.slice(0, last + 1).every((d) => d === 1)) return { mode: 'row', rows: na / nb, cols: nb };
  // col: every axis from the first repeated one on is 1 in b (each element repeated over the trailing axes).
  if (pb.slice(first).every((d) => d === 1)) return { mode: 'col', rows: nb, cols: na / nb };
  return null;
}

/** out = A op B (B laid over A as planned); out has A's length. */
function run(op: BinaryOp, A: Float32Array, B: Float32Array, p: Plan, out: Float32Array): void {
  const f = OPS[op];
  const a = p.mode === 'full' || p.mode === 'scalar' ? view(A, [p.cols]) : view(A, [p.rows, p.cols]);
  const b = p.mode === 'full' ? view(B, [p.cols]) : p.mode === 'scalar' ? view(B, [1]) : p.mode === 'row' ? view(B, [p.cols]) : view(B, [p.rows, 1]);
  f(a, b, { out: view(out, a.shape) });
}

function binary(op: BinaryOp, args: KernelArgs): TensorInfo | null {
  const { backend } = args;
  const { a, b } = args.inputs;
  const A = f32(backend, a), B = f32(backend, b);
  if (!A || !B) return null;
  const p = planBroadcast(a.shape, b.shape);
  const q = p ? null : planBroadcast(b.shape, a.shape);
  // a is the broadcast operand: b op a for the commutative ops (IEEE add and mul are), and
  // s - b = (-b) + s exactly for a scalar s.
  const swapped = q !== null && (op === 'add' || op === 'mul');
  const negated = q !== null && op === 'sub' && q.mode === 'scalar';
  if (!p && !swapped && !negated) return null;
  const shape = p ? a.shape : b.shape, out = alloc(backend, p ? A.length : B.length);
  if (p) run(op, A, B, p, out);
  else if (swapped) run(op, B, A, q!, out);
  else {
    const t = view(out, [B.length]);
    neg(view(B, [B.length]), { out: t });
    add(t, view(A, [1]), { out: t });
  }
  return output(backend, shape, out);
}

const kernel = (kernelName: string, op: BinaryOp): FastgradKernel => ({ kernelName, impl: (args) => binary(op, args) });

export const addKernel = kernel(Add, 'add');
export const subKernel = kernel(Sub, 'sub');
export const mulKernel = kernel(Multiply, 'mul');
export const realDivKernel = kernel(RealDiv, 'div');

/** Sum of same-shape float32 tensors, left to right (the CPU kernel's order). */
export const addNKernel: FastgradKernel = {
  kernelName: AddN,
  impl: ({ inputs, backend }) => {
    const ts = Object.values(inputs) as TensorInfo[];
    const xs = ts.map((t) => f32(backend, t));
    if (ts.length < 2 || xs.some((x, i) => !x || x.length !== xs[0]!.length || ts[i].shape.join() !== ts[0].shape.join())) return null;
    const n = xs[0]!.length, out = alloc(backend, n);
    const acc = add(view(xs[0]!, [n]), view(xs[1]!, [n]), { out: view(out, [n]) });
    for (let i = 2; i < xs.length; i++) add(acc, view(xs[i]!, [n]), { out: acc });
    return output(backend, ts[0].shape, out);
  },
};
