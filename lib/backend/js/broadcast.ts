// N-D broadcasting, TypeScript: binary ops over operands laid out by per-dim strides (0 where an
// operand is broadcast), and the strided copy behind permute/expand/cat. Each output element is one
// binary32 operation on its two operands (or a copy), so the result is the same bits whichever
// backend, SIMD level or thread count computed it; ops route the patterns the native elementwise
// family has (same shape, scalar, row, column) there and the rest here.

export type BroadcastOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';

/** maximum/minimum as torch: NaN if either is NaN; otherwise the larger (smaller); a tie keeps x. */
function mx(x: number, y: number): number {
  return x !== x || y !== y ? NaN : y > x ? y : x;
}
function mn(x: number, y: number): number {
  return x !== x || y !== y ? NaN : y < x ? y : x;
}

function inner(op: BroadcastOp, a: Float32Array, ia: number, sa: number, b: Float32Array, ib: number, sb: number, out: Float32Array, io: number, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++, ia += sa, ib += sb) out[io + i] = a[ia] + b[ib]; break;
    case 'sub': for (let i = 0; i < n; i++, ia += sa, ib += sb) out[io + i] = a[ia] - b[ib]; break;
    case 'mul': for (let i = 0; i < n; i++, ia += sa, ib += sb) out[io + i] = a[ia] * b[ib]; break;
    case 'div': for (let i = 0; i < n; i++, ia += sa, ib += sb) out[io + i] = a[ia] / b[ib]; break;
    case 'maximum': for (let i = 0; i < n; i++, ia += sa, ib += sb) out[io + i] = mx(a[ia], b[ib]); break;
    case 'minimum': for (let i = 0; i < n; i++, ia += sa, ib += sb) out[io + i] = mn(a[ia], b[ib]); break;
  }
}

/**
 * out[i] = op(a[ia(i)], b[ib(i)]) over the row-major `shape` of out, where ia/ib follow the per-dim
 * strides sa/sb (element strides of a and b, 0 on broadcast dims). out must not overlap b unless equal.
 */
export function broadcastBinary(op: BroadcastOp, a: Float32Array, sa: readonly number[], b: Float32Array, sb: readonly number[], out: Float32Array, shape: readonly number[]): void {
  const r = shape.length;
  if (r === 0) {
    inner(op, a, 0, 0, b, 0, 0, out, 0, 1);
    return;
  }
  const n = out.length;
  if (n === 0) return;
  const last = shape[r - 1], la = sa[r - 1], lb = sb[r - 1];
  const idx = new Array<number>(r).fill(0);
  let ia = 0, ib = 0;
  for (let io = 0; io < n; io += last) {
    inner(op, a, ia, la, b, ib, lb, out, io, last);
    for (let d = r - 2; d >= 0; d--) {
      ia += sa[d];
      ib += sb[d];
      if (++idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** out (row-major over `shape`) = x read with per-dim element strides sx (any order, 0 for repeats). */
export function stridedCopy(x: Float32Array | Int32Array, sx: readonly number[], out: Float32Array | Int32Array, shape: readonly number[], x0 = 0): void {
  const r = shape.length, n = out.length;
  if (n === 0) return;
  if (r === 0) {
    out[0] = x[x0];
    return;
  }
  const last = shape[r - 1], ls = sx[r - 1];
  const idx = new Array<number>(r).fill(0);
  let ix = x0;
  for (let io = 0; io < n; io += last) {
    if (ls === 1) out.set(x.subarray(ix, ix + last), io);
    else for (let i = 0, j = ix; i < last; i++, j += ls) out[io + i] = x[j];
    for (let d = r - 2; d >= 0; d--) {
      ix += sx[d];
      if (++idx[d] < shape[d]) break;
      ix -= sx[d] * shape[d];
      idx[d] = 0;
    }
  }
}
