// Elementwise binary ops with N-D NumPy broadcasting (add sub mul div pow maximum minimum; the other
// operand a Tensor or a number), scale, addScalar, clamp; their tape nodes. A gradient flowing to a
// broadcast operand is summed back to its shape by sumToShape (reduce.ts: the canonical order of the
// reduction family). Broadcast patterns that the native elementwise family has (same shape, scalar,
// row, column) run there; the others run the TypeScript broadcast kernel (backend/js/broadcast.ts).
// Each output element is one binary32 operation, so every path gives the same bits.
import { broadcastBinary, type BroadcastOp } from '../backend/js/broadcast.js';
import type { BinaryOp, Broadcast } from '../backend/kernels.js';
import { BROADCAST_MAX_RANK } from '../backend/spec/elementwise.js';
import { recordOp as record } from '../autograd/engine.js';
import { checkTensor, formatShape, sameShape, Tensor } from '../tensor.js';
import { checkNumber, rangeError } from '../validate.js';
import { empty, fresh, kfor, needs1, needs2 } from './core.js';
import { outputFor, type OutOptions } from './util.js';
import { recycleF32 } from '../backend/buffers.js';
import { sumTemp, sumToShape } from './reduce.js';
import { unaryData } from './unary.js';

/** The broadcast shape of a and b (torch's rule: dims aligned from the right, each equal or 1). */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const r = Math.max(a.length, b.length), out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = i < r - a.length ? 1 : a[i - (r - a.length)], db = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `Expected b of ${op} to broadcast with a of shape ${formatShape(a)} (dims aligned from the right, each equal or 1) but received shape ${formatShape(b)}: ` +
          `the size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Per-dim element strides of t laid over `shape` (0 where t is broadcast or missing). */
export function broadcastStrides(tshape: readonly number[], shape: readonly number[]): number[] {
  const r = shape.length, k = tshape.length, s = new Array<number>(r).fill(0);
  for (let j = 0, acc = 1; j < k; j++) {
    const d = tshape[k - 1 - j];
    if (d !== 1) s[r - 1 - j] = acc;
    acc *= d;
  }
  return s;
}

const NATIVE_OPS: Readonly<Record<string, boolean>> = { add: true, sub: true, mul: true, div: true };

/** out = op(a, b) over the broadcast shape (out: shape's size, not overlapping b unless equal to it). */
export function binaryInto(op: BroadcastOp, a: Float32Array, ashape: readonly number[], b: Float32Array, bshape: readonly number[], out: Float32Array, shape: readonly number[]): void {
  const n = out.length;
  if (NATIVE_OPS[op] === true) {
    const bop = op as BinaryOp;
    if (a.length === n) {
      if (b.length === n) return kfor(n).elementwise.binary(bop, a, b, out, 1, n, 'full');
      if (b.length === 1) return kfor(n).elementwise.binary(bop, a, b, out, 1, n, 'scalar');
      // b a row (trailing dims of out) or a column (leading dims of out, ones after)
      const mode = rowOrCol(bshape, shape);
      if (mode !== null) return kfor(n).elementwise.binary(bop, a, b, out, mode.rows, mode.cols, mode.mode);
    }
  }
  // every other pattern: the N-D broadcast kernel (native when native), strides 0 on broadcast dims
  const r = shape.length, sa = broadcastStrides(ashape, shape), sb = broadcastStrides(bshape, shape);
  if (r > BROADCAST_MAX_RANK) return broadcastBinary(op, a, sa, b, sb, out, shape);
  const g = new Int32Array(1 + 3 * r);
  g[0] = r;
  for (let d = 0; d < r; d++) {
    g[1 + d] = shape[d];
    g[1 + r + d] = sa[d];
    g[1 + 2 * r + d] = sb[d];
  }
  kfor(n).elementwise.broadcast(op, a, b, out, g);
}

/** b as a row or a column of the (rows × cols) view of `shape`, or null. */
function rowOrCol(bshape: readonly number[], shape: readonly number[]): { mode: Broadcast; rows: number; cols: number } | null {
  const r = shape.length, k = bshape.length;
  // row: b's non-1 dims are exactly shape's trailing dims from some split point
  let split = r - k;
  while (split < r && bshape[split - (r - k)] === 1) split++;
  let ok = true;
  for (let i = split; i < r; i++) if (bshape[i - (r - k)] !== shape[i]) ok = false;
  if (ok) {
    let cols = 1;
    for (let i = split; i < r; i++) cols *= shape[i];
    const n = cols === 0 ? 0 : shape.reduce((x, y) => x * y, 1) / cols;
    return { mode: 'row', rows: n, cols };
  }
  // column: b (right-aligned) equals shape on a leading block and is 1 after it
  let end = r;
  while (end > r - k && bshape[end - 1 - (r - k)] === 1) end--;
  ok = end > 0;
  for (let i = 0; i < end && ok; i++) {
    const d = i < r - k ? 1 : bshape[i - (r - k)];
    if (d !== shape[i]) ok = false;
  }
  if (ok) {
    let rows = 1;
    for (let i = 0; i < end; i++) rows *= shape[i];
    const cols = rows === 0 ? 0 : shape.reduce((x, y) => x * y, 1) / rows;
    return { mode: 'col', rows, cols };
  }
  return null;
}

type Op = BroadcastOp | 'pow';

function binary(op: Op, a: Tensor, b: Tensor | number, opts: OutOptions | undefined): Tensor {
  checkTensor(a, 'a');
  if (typeof b === 'number') return scalarOp(op, a, b, opts);
  checkTensor(b, 'b');
  const shape = sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(a.shape, b.shape, op);
  const rec = needs2(a, b);
  let out: Tensor;
  if (opts !== undefined) {
    if (rec) throw new Error(`${op}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad`);
    out = outputFor(shape, opts, op, [a, b], true);
    if (!sameShape(shape, b.shape) && out.size > 0 && out.data.buffer === b.data.buffer &&
        out.data.byteOffset < b.data.byteOffset + b.data.byteLength && b.data.byteOffset < out.data.byteOffset + out.data.byteLength) {
      throw new RangeError(`Expected out of ${op} not to overlap the broadcast operand b`);
    }
    if (!sameShape(shape, a.shape) && out.data.buffer === a.data.buffer && out.size > 0 &&
        out.data.byteOffset < a.data.byteOffset + a.data.byteLength && a.data.byteOffset < out.data.byteOffset + out.data.byteLength) {
      throw new RangeError(`Expected out of ${op} not to overlap the broadcast operand a`);
    }
  } else {
    out = empty(shape);
  }
  if (op === 'pow') powInto(a.data, a.shape, b.data, b.shape, out.data, shape);
  else binaryInto(op, a.data, a.shape, b.data, b.shape, out.data, shape);
  if (rec) record(out, op, [a, b], binaryBackward(op, a, b, out), op === 'add' || op === 'sub' ? null : [a, b]);
  return out;
}

function binaryBackward(op: Op, a: Tensor, b: Tensor, out: Tensor): (g: Tensor) => (Tensor | null)[] {
  const as = a.shape, bs = b.shape, ra = a._req, rb = b._req;
  switch (op) {
    case 'add':
      return (g) => [ra ? sumToShape(g, as) : null, rb ? sumToShape(g, bs) : null];
    // Temporaries made here and read no more go back to the buffer cache (dead(), sumTemp).
    case 'sub':
      return (g) => [ra ? sumToShape(g, as) : null, rb ? sumTemp(negT(g), bs) : null];
    case 'mul':
      return (g) => [ra ? sumTemp(mulT(g, b), as) : null, rb ? sumTemp(mulT(g, a), bs) : null];
    case 'div':
      return (g) => {
        const ga = ra ? sumTemp(bin('div', g, b), as) : null;
        let gb: Tensor | null = null;
        if (rb) {
          // torch: -g * ((a / b) / b)
          const q = bin('div', a, b), q2 = dead(bin('div', q, b), q), p = dead(mulT(g, q2), q2);
          gb = sumTemp(dead(negT(p), p), bs);
        }
        return [ga, gb];
      };
    case 'pow':
      return (g) => {
        // d/da = b * a^(b - 1); d/db = a^b * log(a)
        let ga: Tensor | null = null, gb: Tensor | null = null;
        if (ra) {
          const e = scalarT('sub', b, 1), p = dead(bin('pow', a, e), e), q = dead(mulT(b, p), p);
          ga = sumTemp(dead(mulT(g, q), q), as);
        }
        if (rb) {
          const l = unaryT('log', a), q = dead(mulT(out, l), l);
          gb = sumTemp(dead(mulT(g, q), q), bs);
        }
        return [ga, gb];
      };
    case 'maximum':
    case 'minimum':
      return (g) => {
        // torch: the larger (smaller) takes g, a tie splits it in halves
        const shape = g.shape, n = g.size;
        const wa = fresh(shape), wb = fresh(shape), A = bcast(a, shape), B = bcast(b, shape);
        const gd = g.data;
        for (let i = 0; i < n; i++) {
          const x = A[i], y = B[i], gi = gd[i];
          if (x === y) {
            wa.data[i] = gi / 2;
            wb.data[i] = gi / 2;
          } else if ((op === 'maximum') === (x > y)) wa.data[i] = gi;
          else wb.data[i] = gi;
        }
        return [ra ? sumTemp(wa, as) : null, rb ? sumTemp(wb, bs) : null];
      };
  }
}

/** t's values laid over shape (a copy through the broadcast kernel's strides). */
function bcast(t: Tensor, shape: readonly number[]): Float32Array {
  if (sameShape(t.shape, shape)) return t.data;
  const out = new Float32Array(shape.reduce((x, y) => x * y, 1));
  const zero = new Float32Array(1);
  broadcastBinary('add', t.data, broadcastStrides(t.shape, shape), zero, shape.map(() => 0), out, shape);
  return out;
}

function scalarOp(op: Op, a: Tensor, s: number, opts: OutOptions | undefined): Tensor {
  checkNumber(s, 'b');
  const rec = needs1(a);
  let out: Tensor;
  if (opts !== undefined) {
    if (rec) throw new Error(`${op}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad`);
    out = outputFor(a.shape, opts, op, [a]);
  } else {
    out = empty(a.shape, a.size);
  }
  const n = a.size;
  if (op === 'pow') powScalarInto(a.data, s, out.data);
  else if (NATIVE_OPS[op] === true) kfor(n).elementwise.scalar(op as BinaryOp, a.data, s, out.data);
  else broadcastBinary(op as BroadcastOp, a.data, [1], Float32Array.of(s), [0], out.data, [n]);
  if (rec) {
    const sf = Math.fround(s);
    switch (op) {
      case 'add':
      case 'sub':
        record(out, op, [a], (g) => [g]);
        break;
      case 'mul':
        record(out, op, [a], (g) => [scalarT('mul', g, sf)]);
        break;
      case 'div':
        record(out, op, [a], (g) => [scalarT('div', g, sf)]);
        break;
      case 'pow':
        record(out, op, [a], (g) => {
          const p = powScalar(a, s - 1), q = dead(scalarT('mul', p, sf), p);
          return [dead(mulT(g, q), q)];
        }, [a]);
        break;
      default:
        record(out, op, [a], (g) => {
          const w = fresh(g.shape), ad = a.data, gd = g.data;
          for (let i = 0; i < n; i++) {
            const x = ad[i];
            if (x === sf) w.data[i] = gd[i] / 2;
            else if ((op === 'maximum') === (x > sf)) w.data[i] = gd[i];
          }
          return [w];
        }, [a]);
    }
  }
  return out;
}

// Untracked helpers for backward functions (the engine runs them with recording off).
/** Returns r after giving t's array back to the buffer cache: t is a temporary made here and read no more. */
function dead(r: Tensor, t: Tensor): Tensor {
  if (t._d !== r._d) recycleF32(t._d as Float32Array);
  return r;
}
function bin(op: Op, a: Tensor, b: Tensor): Tensor {
  return binary(op, a, b, undefined);
}
export function mulT(a: Tensor, b: Tensor): Tensor {
  return binary('mul', a, b, undefined);
}
export function negT(a: Tensor): Tensor {
  return unaryT('neg', a);
}
export function scalarT(op: BinaryOp, a: Tensor, s: number): Tensor {
  const out = empty(a.shape, a.size);
  kfor(a.size).elementwise.scalar(op, a.data, s, out.data);
  return out;
}
function unaryT(op: 'neg' | 'log', a: Tensor): Tensor {
  const out = empty(a.shape, a.size);
  unaryData(op, a.data, out.data);
  return out;
}
function powScalar(a: Tensor, e: number): Tensor {
  const out = empty(a.shape, a.size);
  powScalarInto(a.data, e, out.data);
  return out;
}

/**
 * a^e for a number e: e = 1 copies, 2 is a × a, 0.5 sqrt, -1 is 1 / a, 0 gives 1; otherwise
 * exp(e × log|a|) with the unary family's exp and log (e rounded to binary32), negated for a < 0 and
 * an odd integer e, NaN for a < 0 and a non-integer e.
 */
export function powScalarInto(a: Float32Array, e: number, out: Float32Array): void {
  const n = a.length, K = kfor(n);
  const ef = Math.fround(e);
  if (ef === 1) K.elementwise.copy(a, out);
  else if (ef === 2) K.unary.map('square', a, out);
  else if (ef === 0.5) K.unary.map('sqrt', a, out);
  else if (ef === 0) out.fill(1);
  else if (ef === -1) {
    for (let i = 0; i < n; i++) out[i] = 1 / a[i];
  } else {
    K.unary.map('abs', a, out);
    K.unary.map('log', out, out);
    K.elementwise.scalar('mul', out, ef, out);
    K.unary.map('exp', out, out);
    const isInt = Number.isInteger(ef), odd = isInt && Math.abs(ef % 2) === 1;
    for (let i = 0; i < n; i++) {
      if (a[i] < 0) out[i] = isInt ? (odd ? -out[i] : out[i]) : NaN;
    }
  }
}

/** a^b elementwise over the broadcast shape, by the rule of powScalarInto per element. */
function powInto(a: Float32Array, ashape: readonly number[], b: Float32Array, bshape: readonly number[], out: Float32Array, shape: readonly number[]): void {
  const n = out.length, K = kfor(n);
  const la = new Float32Array(a.length);
  K.unary.map('abs', a, la);
  K.unary.map('log', la, la);
  binaryInto('mul', la, ashape, b, bshape, out, shape);
  K.unary.map('exp', out, out);
  // sign and special cases need a and b per element
  const A = new Float32Array(n), B = new Float32Array(n), z = new Float32Array(1);
  broadcastBinary('add', a, broadcastStrides(ashape, shape), z, shape.map(() => 0), A, shape);
  broadcastBinary('add', b, broadcastStrides(bshape, shape), z, shape.map(() => 0), B, shape);
  for (let i = 0; i < n; i++) {
    const x = A[i], e = B[i];
    if (e === 0 || x === 1) out[i] = 1;
    else if (x < 0) out[i] = Number.isInteger(e) ? (Math.abs(e % 2) === 1 ? -out[i] : out[i]) : NaN;
  }
}

export const add = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('add', a, b, opts);
export const sub = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('sub', a, b, opts);
export const mul = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('mul', a, b, opts);
export const div = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('div', a, b, opts);
/** a^b (see powScalarInto for the exact rule); b a Tensor (broadcast) or a number. */
export const pow = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('pow', a, b, opts);
/** Elementwise larger of a and b (NaN if either is NaN); a tie sends half the gradient to each. */
export const maximum = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('maximum', a, b, opts);
/** Elementwise smaller of a and b (NaN if either is NaN). */
export const minimum = (a: Tensor, b: Tensor | number, opts?: OutOptions): Tensor => binary('minimum', a, b, opts);

/** a * s */
export function scale(a: Tensor, s: number, opts?: OutOptions): Tensor {
  checkTensor(a, 'a');
  checkNumber(s, 's');
  return binary('mul', a, s, opts);
}

/** a + s */
export function addScalar(a: Tensor, s: number, opts?: OutOptions): Tensor {
  checkTensor(a, 'a');
  checkNumber(s, 's');
  return binary('add', a, s, opts);
}

/** min(max(a, min), max), propagating NaN; min or max may be null/undefined (no bound). Gradient: g where min <= a <= max. */
export function clamp(a: Tensor, min?: number | null, max?: number | null, opts?: OutOptions): Tensor {
  checkTensor(a, 'a');
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  checkNumber(lo, 'min');
  checkNumber(hi, 'max');
  if (lo > hi) throw rangeError(`a number >= min (${lo})`, 'max', hi);
  const rec = needs1(a);
  if (rec && opts !== undefined) throw new Error("clamp(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad");
  const out = opts === undefined ? fresh(a.shape, a.size) : outputFor(a.shape, opts, 'clamp', [a]);
  kfor(a.size).elementwise.clamp(a.data, lo, hi, out.data);
  if (rec) {
    const l = Math.fround(lo), h = Math.fround(hi);
    record(out, 'clamp', [a], (g) => {
      const w = fresh(g.shape), ad = a.data, gd = g.data;
      for (let i = 0; i < ad.length; i++) if (ad[i] >= l && ad[i] <= h) w.data[i] = gd[i];
      return [w];
    }, [a]);
  }
  return out;
}
