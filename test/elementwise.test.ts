// Elementwise family: native (every SIMD level, 1/2/3 threads) vs TypeScript, bit for bit; ops API; bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import type { BinaryOp } from '../lib/backend/kernels.js';
import { assertRejects, conform, randomF32, requireNative } from './support/harness.js';

const OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div'];
const SPECIAL_RATE = 0.05;

test('conformance: binary ops, full shape, with specials', () => {
  requireNative();
  for (const op of OPS) {
    conform(`elementwise.${op}.full`, (n, s) => ({ a: randomF32(n, s, { specials: SPECIAL_RATE }), b: randomF32(n, s + 100, { specials: SPECIAL_RATE }) }),
      (K, { a, b }) => { const y = new Float32Array(a.length); K.elementwise.binary(op, a, b, y, 1, a.length, 'full'); return y; });
  }
});

test('conformance: binary ops in place (out is a)', () => {
  requireNative();
  for (const op of OPS) {
    conform(`elementwise.${op}.inplace`, (n, s) => ({ a: randomF32(n, s), b: randomF32(n, s + 7) }),
      (K, { a, b }) => { K.elementwise.binary(op, a, b, a, 1, a.length, 'full'); return a; }, { sizes: [0, 17, 4097] });
  }
});

test('conformance: scalar, row and column broadcasting over odd 2-D shapes', () => {
  requireNative();
  const shapes: [number, number][] = [[1, 1], [3, 7], [17, 65], [64, 16], [129, 257], [1, 100003]];
  for (const op of OPS) {
    for (const [r, c] of shapes) {
      const sizes = [r * c];
      conform(`elementwise.${op}.scalar[${r}x${c}]`, (n, s) => ({ a: randomF32(n, s, { specials: SPECIAL_RATE }), b: randomF32(1, s + 1) }),
        (K, { a, b }) => { const y = new Float32Array(a.length); K.elementwise.binary(op, a, b, y, r, c, 'scalar'); return y; }, { sizes });
      conform(`elementwise.${op}.row[${r}x${c}]`, (n, s) => ({ a: randomF32(n, s, { specials: SPECIAL_RATE }), b: randomF32(c, s + 1, { specials: SPECIAL_RATE }) }),
        (K, { a, b }) => { const y = new Float32Array(a.length); K.elementwise.binary(op, a, b, y, r, c, 'row'); return y; }, { sizes });
      conform(`elementwise.${op}.col[${r}x${c}]`, (n, s) => ({ a: randomF32(n, s, { specials: SPECIAL_RATE }), b: randomF32(r, s + 1, { specials: SPECIAL_RATE }) }),
        (K, { a, b }) => { const y = new Float32Array(a.length); K.elementwise.binary(op, a, b, y, r, c, 'col'); return y; }, { sizes });
    }
  }
});

test('conformance: scalar ops, axpy, fill, copy, clamp', () => {
  requireNative();
  for (const op of OPS) {
    conform(`elementwise.${op}.vs`, (n, s) => randomF32(n, s, { specials: SPECIAL_RATE }),
      (K, a) => { const y = new Float32Array(a.length); K.elementwise.scalar(op, a, 0.1, y); return y; });
  }
  conform('elementwise.axpy', (n, s) => ({ x: randomF32(n, s, { specials: SPECIAL_RATE }), y: randomF32(n, s + 3) }),
    (K, { x, y }) => { K.elementwise.axpy(-0.3, x, y); return y; });
  conform('elementwise.fill', (n) => new Float32Array(n), (K, y) => { K.elementwise.fill(Math.PI, y); return y; });
  conform('elementwise.copy', (n, s) => randomF32(n, s, { specials: SPECIAL_RATE }), (K, x) => { const y = new Float32Array(x.length); K.elementwise.copy(x, y); return y; });
  conform('elementwise.clamp', (n, s) => randomF32(n, s, { specials: 0.2 }),
    (K, x) => { const y = new Float32Array(x.length); K.elementwise.clamp(x, -0.5, 0.75, y); return y; });
});

test('elementwise math matches float64 rounded to float32', () => {
  const a = randomF32(1000, 5), b = randomF32(1000, 6, { lo: 0.5, hi: 3 });
  for (const backend of ['js', 'native'] as const) {
    if (backend === 'native') requireNative();
    fg.setBackend(backend);
    const A = new fg.Tensor(a, [10, 100]), B = new fg.Tensor(b, [10, 100]);
    const sum = fg.ops.add(A, B).data, q = fg.ops.div(A, B).data;
    for (let i = 0; i < 1000; i++) {
      assert.equal(sum[i], Math.fround(a[i] + b[i]));
      assert.equal(q[i], Math.fround(a[i] / b[i]));
    }
  }
});

test('ops: broadcasting shapes, scalars, out, in place', () => {
  for (const backend of ['js', 'native'] as const) {
    if (backend === 'native') requireNative();
    fg.setBackend(backend);
    const a = fg.Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.deepEqual(fg.ops.add(a, fg.Tensor.from([10, 20, 30], [3])).toArray(), [11, 22, 33, 14, 25, 36]);
    assert.deepEqual(fg.ops.sub(a, fg.Tensor.from([1, 2], [2, 1])).toArray(), [0, 1, 2, 2, 3, 4]);
    assert.deepEqual(fg.ops.mul(a, 2).toArray(), [2, 4, 6, 8, 10, 12]);
    assert.deepEqual(fg.ops.div(a, fg.Tensor.from([2], [])).toArray(), [0.5, 1, 1.5, 2, 2.5, 3]);
    assert.deepEqual(fg.ops.scale(a, -1).toArray(), [-1, -2, -3, -4, -5, -6]);
    assert.deepEqual(fg.ops.addScalar(a, 0.5).toArray(), [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
    assert.deepEqual(fg.ops.clamp(a, 2, 4).toArray(), [2, 2, 3, 4, 4, 4]);
    const out = fg.Tensor.zeros([2, 3]);
    assert.equal(fg.ops.add(a, a, { out }), out);
    assert.deepEqual(out.toArray(), [2, 4, 6, 8, 10, 12]);
    fg.ops.mul(out, out, { out });
    assert.deepEqual(out.toArray(), [4, 16, 36, 64, 100, 144]);
    assert.ok(Number.isNaN(fg.ops.clamp(fg.Tensor.from([NaN]), 0, 1).data[0]), 'clamp propagates NaN');
    assert.equal(fg.ops.add(fg.Tensor.zeros([0]), fg.Tensor.zeros([0])).size, 0);
  }
  fg.setBackend('native');
});

test('bad input: clear errors naming the argument, nothing written', () => {
  const a = fg.Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const out = fg.Tensor.zeros([2, 3]);
  assertRejects(() => fg.ops.add(a, fg.Tensor.from([1, 2], [2])), RangeError, /Expected b of add .* but received shape \[2\]/, [out.data]);
  assertRejects(() => fg.ops.add(a, 'x' as never), TypeError, /Expected a Tensor for b but received string "x"/);
  assertRejects(() => fg.ops.add(undefined as never, a), TypeError, /Expected a Tensor for a but received undefined/);
  assertRejects(() => fg.ops.add(a, a, { out: fg.Tensor.zeros([3, 2]) }), RangeError, /Expected out of shape \[2, 3\] for add but received shape \[3, 2\]/);
  assertRejects(() => fg.ops.add(a, a, { bogus: 1 } as never), TypeError, /Unknown option 'bogus'/);
  const buf = new Float32Array(8);
  const part = new fg.Tensor(buf.subarray(1, 7), [2, 3]);
  const x = new fg.Tensor(buf.subarray(0, 6), [2, 3]);
  assertRejects(() => fg.ops.add(x, a, { out: part }), RangeError, /partly overlaps/, [buf]);
  assertRejects(() => fg.ops.clamp(a, 1, 0), RangeError, /Expected a number >= min \(1\) for max but received number 0/);
  assertRejects(() => new fg.Tensor(new Float64Array(4) as never, [4]), TypeError, /Expected a Float32Array for data but received Float64Array/);
  assertRejects(() => new fg.Tensor([1, 2] as never, [2]), TypeError, /Expected a Float32Array for data but received an Array of length 2/);
  assertRejects(() => new fg.Tensor(new Float32Array(4), [2, 3]), RangeError, /Expected data of length 6 for shape \[2, 3\] but received length 4/);
  assertRejects(() => new fg.Tensor(new Float32Array(4), [-4]), RangeError, /Expected a non-negative integer for shape\[0\] but received number -4/);
  assertRejects(() => new fg.Tensor(new Float32Array(4), [1.5, 2]), RangeError, /shape\[0\] but received number 1.5/);
  const detached = new Float32Array(4);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assertRejects(() => new fg.Tensor(detached, [0]), TypeError, /detached/);
});

test('binding second line of checks: wrong types, lengths, overlap, detached never crash', () => {
  requireNative();
  const addon = fg.backendInfo().nativeAvailable ? (require('../lib/backend/select.js').nativeAddon() as Record<string, (...a: unknown[]) => unknown>) : null;
  assert.ok(addon);
  const a = new Float32Array(8), y = new Float32Array(8);
  assertRejects(() => addon.ewBinary(0, a, new Float64Array(8), y, 1, 8, 0), TypeError, /Expected Float32Array for b but received Float64Array/, [y]);
  assertRejects(() => addon.ewBinary(0, a, a, y, 1, 9, 0), RangeError, /length 9 for a/, [y]);
  assertRejects(() => addon.ewBinary(9, a, a, y, 1, 8, 0), RangeError, /op/, [y]);
  assertRejects(() => addon.ewBinary(0, a, a, y, -1, 8, 0), RangeError, /rows/, [y]);
  assertRejects(() => addon.ewBinary(0, a, a, y, 1.5, 8, 0), RangeError, /rows/, [y]);
  assertRejects(() => addon.ewBinary(0, a.subarray(0, 4), a.subarray(4, 8), a.subarray(1, 5), 1, 4, 0), RangeError, /overlap/);
  assertRejects(() => addon.ewCopy(a, 'nope'), TypeError, /Expected Float32Array for out but received a string/);
  assertRejects(() => addon.ewFill(), TypeError, /Expected a number for value but received undefined/);
  const d = new Float32Array(4);
  structuredClone(d.buffer, { transfer: [d.buffer] });
  assertRejects(() => addon.ewCopy(d, d), TypeError, /detached/);
});

/** The geometry of the N-D broadcast kernel: [rank, shape, a's strides, b's strides] (0 where broadcast). */
function geometry(shape: number[], ashape: number[], bshape: number[]): Int32Array {
  const r = shape.length;
  const strides = (s: number[]) => {
    const st = new Array<number>(r).fill(0);
    let acc = 1;
    for (let i = s.length - 1, d = r - 1; i >= 0; i--, d--) {
      st[d] = s[i] === 1 && shape[d] !== 1 ? 0 : acc;
      acc *= s[i];
    }
    return st;
  };
  return Int32Array.from([r, ...shape, ...strides(ashape), ...strides(bshape)]);
}

test('conformance: the N-D broadcast kernel, every op and pattern, with specials', () => {
  requireNative();
  const OPS6 = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
  // [out shape, a shape, b shape]: general patterns (middle dims, both operands broadcast, contiguous
  // rows with a broadcast b row, size-1 dims, scalars, rank 0) and large enough to split across threads
  const CASES: [number[], number[], number[]][] = [
    [[2, 3, 4], [2, 3, 4], [3, 1]], [[2, 3, 4], [2, 1, 4], [3, 1]], [[3, 4], [1, 4], [3, 1]], [[4, 2, 3, 5], [4, 1, 3, 1], [2, 1, 5]],
    [[2, 3, 4], [4], [2, 3, 4]], [[5, 1, 7], [5, 1, 7], [1]], [[], [], []], [[0, 3], [0, 3], [3]],
    [[64, 33, 17], [64, 1, 17], [33, 1]], [[40, 50, 60], [40, 50, 60], [40, 1, 60]], [[30, 1000], [30, 1], [1000]],
  ];
  for (const op of OPS6) {
    for (const [shape, as, bs] of CASES) {
      const g = geometry(shape, as, bs), size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      conform(`elementwise.broadcast.${op}${JSON.stringify([shape, as, bs])}`, (_n, s) => ({ a: randomF32(size(as), s, { specials: SPECIAL_RATE }), b: randomF32(size(bs), s + 1, { specials: SPECIAL_RATE }) }),
        (K, { a, b }) => { const y = new Float32Array(size(shape)); K.elementwise.broadcast(op, a, b, y, g); return y; }, { sizes: [0] });
    }
  }
});

test('the N-D broadcast kernel: ops give the same bits as the TypeScript kernel on both backends', () => {
  requireNative();
  const a = fg.tensor(randomF32(40 * 50 * 60, 3), { shape: [40, 50, 60] }), b = fg.tensor(randomF32(40 * 60, 4), { shape: [40, 1, 60] });
  const run = () => [a.add(b), a.sub(b), a.mul(b), a.div(b), a.maximum(b), b.minimum(a)].map((t) => t.data);
  const native = run();
  fg.setBackend('js');
  try {
    const js = run();
    native.forEach((n, i) => assert.deepEqual(new Uint32Array(n.buffer, n.byteOffset, n.length), new Uint32Array(js[i].buffer, js[i].byteOffset, js[i].length)));
  } finally {
    fg.setBackend('native');
  }
});

test('ewBroadcast checks its geometry, lengths and overlap, and writes nothing on bad input', () => {
  requireNative();
  const addon = require('../lib/backend/select.js').nativeAddon() as Record<string, (...a: unknown[]) => unknown>;
  const a = new Float32Array(6), b = new Float32Array(3), y = new Float32Array(6).fill(7);
  const g = Int32Array.from([2, 2, 3, 3, 1, 0, 1]); // out [2, 3], a [2, 3], b [3]
  addon.ewBroadcast(0, a, b, y, g);
  assert.ok(y.every((v) => v === 0));
  y.fill(7);
  assertRejects(() => addon.ewBroadcast(0, a, b, y, [2, 2, 3]), TypeError, /Expected Int32Array for geometry/, [y]);
  assertRejects(() => addon.ewBroadcast(0, a, b, y, Int32Array.from([2, 2, 3])), RangeError, /geometry/, [y]);
  assertRejects(() => addon.ewBroadcast(0, a, b, y, Int32Array.from([17])), RangeError, /rank/, [y]);
  assertRejects(() => addon.ewBroadcast(0, a, b, y, Int32Array.from([2, 2, -3, 3, 1, 0, 1])), RangeError, /negative/, [y]);
  assertRejects(() => addon.ewBroadcast(0, a, b, y, Int32Array.from([2, 2, 3, 3, 1, 0, 2])), RangeError, /Expected b to hold every element .* \(5\) but received length 3/, [y]);
  assertRejects(() => addon.ewBroadcast(0, a, b, y, Int32Array.from([2, 2, 3, 4, 1, 0, 1])), RangeError, /Expected a to hold/, [y]);
  assertRejects(() => addon.ewBroadcast(0, a, b, new Float32Array(5), g), RangeError, /out/);
  assertRejects(() => addon.ewBroadcast(6, a, b, y, g), RangeError, /op/, [y]);
  // b broadcast over out must not overlap it; a laid out as out may be out itself
  const buf = new Float32Array(9);
  assertRejects(() => addon.ewBroadcast(0, buf.subarray(0, 6), buf.subarray(3, 6), buf.subarray(0, 6), g), RangeError, /overlap/);
  const io = Float32Array.from([1, 2, 3, 4, 5, 6]);
  addon.ewBroadcast(0, io, Float32Array.from([10, 20, 30]), io, g);
  assert.deepEqual(Array.from(io), [11, 22, 33, 14, 25, 36]);
});

test('conformance: the strided copy (permute, expand, narrow, cat), with specials', () => {
  requireNative();
  // [x length, x0, shape, strides]: a permutation, a broadcast (0 strides), a narrow (offset), a transpose
  // big enough to split across threads, rank 0, an empty shape
  const CASES: [number, number, number[], number[]][] = [
    [24, 0, [4, 3, 2], [1, 4, 12]], [12, 0, [5, 3, 4], [0, 4, 1]], [60, 7, [3, 4], [20, 1]], [300 * 200, 0, [200, 300], [1, 200]],
    [40 * 50 * 60, 60, [40, 49, 60], [3000, 60, 1]], [5, 3, [], []], [5, 0, [0, 4], [4, 1]], [7, 0, [64, 7, 33], [0, 1, 0]],
  ];
  for (const [len, x0, shape, st] of CASES) {
    const g = Int32Array.from([shape.length, x0, ...shape, ...st]), n = shape.reduce((a, b) => a * b, 1);
    conform(`elementwise.stridedCopy${JSON.stringify([len, x0, shape, st])}`, (_n, s) => randomF32(len, s, { specials: 0.1 }),
      (K, x) => { const y = new Float32Array(n); K.elementwise.stridedCopy(x, y, g); return y; }, { sizes: [0] });
  }
});

test('ewStridedCopy checks its geometry, reach and overlap, and writes nothing on bad input', () => {
  requireNative();
  const addon = require('../lib/backend/select.js').nativeAddon() as Record<string, (...a: unknown[]) => unknown>;
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]), y = new Float32Array(6).fill(7);
  addon.ewStridedCopy(x, y, Int32Array.from([2, 0, 3, 2, 1, 3])); // the transpose of a [2, 3]
  assert.deepEqual(Array.from(y), [1, 4, 2, 5, 3, 6]);
  y.fill(7);
  assertRejects(() => addon.ewStridedCopy(x, y, [2, 0, 3, 2, 1, 3]), TypeError, /Expected Int32Array for geometry/, [y]);
  assertRejects(() => addon.ewStridedCopy(x, y, new Float32Array(6)), TypeError, /Expected Int32Array for geometry/, [y]);
  const gone = Int32Array.from([2, 0, 3, 2, 1, 3]);
  structuredClone(gone.buffer, { transfer: [gone.buffer] }); // detaches gone's buffer
  assertRejects(() => addon.ewStridedCopy(x, y, gone), TypeError, /Expected an Int32Array with a live buffer for geometry but received one whose ArrayBuffer is detached/, [y]);
  assertRejects(() => addon.ewStridedCopy(x, y, Int32Array.from([2, 0, 3])), RangeError, /geometry/, [y]);
  assertRejects(() => addon.ewStridedCopy(x, y, Int32Array.from([2, -1, 3, 2, 1, 3])), RangeError, /offset/, [y]);
  assertRejects(() => addon.ewStridedCopy(x, y, Int32Array.from([2, 1, 3, 2, 1, 3])), RangeError, /Expected x to hold every element .* \(7\) but received length 6/, [y]);
  assertRejects(() => addon.ewStridedCopy(x, new Float32Array(5), Int32Array.from([2, 0, 3, 2, 1, 3])), RangeError, /out/);
  const buf = new Float32Array(8);
  assertRejects(() => addon.ewStridedCopy(buf.subarray(0, 6), buf.subarray(2, 8), Int32Array.from([2, 0, 3, 2, 1, 3])), RangeError, /overlap/);
});
