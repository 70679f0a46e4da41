// TypeScript twin of native/kernels/elementwise.h. Every store into a Float32Array rounds the double
// result to binary32, which for one + − × ÷ is exactly the binary32 operation (DESIGN §2).
import type { BinaryOp, Broadcast, ElementwiseKernels } from '../kernels.js';
import { broadcastBinary, stridedCopy } from './broadcast.js';

function vv(op: BinaryOp, a: Float32Array, b: Float32Array, y: Float32Array, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) y[i] = a[i] + b[i]; break;
    case 'sub': for (let i = 0; i < n; i++) y[i] = a[i] - b[i]; break;
    case 'mul': for (let i = 0; i < n; i++) y[i] = a[i] * b[i]; break;
    case 'div': for (let i = 0; i < n; i++) y[i] = a[i] / b[i]; break;
  }
}

function vs(op: BinaryOp, a: Float32Array, s: number, y: Float32Array, off: number, n: number): void {
  const end = off + n;
  switch (op) {
    case 'add': for (let i = off; i < end; i++) y[i] = a[i] + s; break;
    case 'sub': for (let i = off; i < end; i++) y[i] = a[i] - s; break;
    case 'mul': for (let i = off; i < end; i++) y[i] = a[i] * s; break;
    case 'div': for (let i = off; i < end; i++) y[i] = a[i] / s; break;
  }
}

function row(op: BinaryOp, a: Float32Array, b: Float32Array, y: Float32Array, rows: number, cols: number): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    switch (op) {
      case 'add': for (let c = 0; c < cols; c++) y[o + c] = a[o + c] + b[c]; break;
      case 'sub': for (let c = 0; c < cols; c++) y[o + c] = a[o + c] - b[c]; break;
      case 'mul': for (let c = 0; c < cols; c++) y[o + c] = a[o + c] * b[c]; break;
      case 'div': for (let c = 0; c < cols; c++) y[o + c] = a[o + c] / b[c]; break;
    }
  }
}

export const jsElementwise: ElementwiseKernels = {
  binary(op: BinaryOp, a, b, out, rows, cols, mode: Broadcast) {
    const n = rows * cols;
    if (mode === 'full') vv(op, a, b, out, n);
    else if (mode === 'scalar') vs(op, a, b[0], out, 0, n);
    else if (mode === 'row') row(op, a, b, out, rows, cols);
    else for (let r = 0; r < rows; r++) vs(op, a, b[r], out, r * cols, cols);
  },
  scalar(op, a, s, out) {
    vs(op, a, Math.fround(s), out, 0, a.length);
  },
  axpy(alpha, x, y) {
    const al = Math.fround(alpha);
    for (let i = 0, n = x.length; i < n; i++) y[i] = y[i] + Math.fround(al * x[i]);
  },
  fill(value, out) {
    out.fill(Math.fround(value));
  },
  copy(x, out) {
    if (x !== out) out.set(x);
  },
  clamp(x, lo, hi, out) {
    const l = Math.fround(lo), h = Math.fround(hi);
    for (let i = 0, n = x.length; i < n; i++) {
      const v = x[i];
      const t = v < l ? l : v;
      out[i] = t > h ? h : t;
    }
  },
  broadcast(op, a, b, out, g) {
    const r = g[0], shape = Array.from(g.subarray(1, 1 + r));
    broadcastBinary(op, a, Array.from(g.subarray(1 + r, 1 + 2 * r)), b, Array.from(g.subarray(1 + 2 * r, 1 + 3 * r)), out, shape);
  },
  stridedCopy(x, out, g) {
    const r = g[0];
    stridedCopy(x, Array.from(g.subarray(2 + r, 2 + 2 * r)), out, Array.from(g.subarray(2, 2 + r)), g[1]);
  },
};
