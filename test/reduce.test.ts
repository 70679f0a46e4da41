// Reduction family: native (every SIMD level, 1/2/3 threads) vs TypeScript bit for bit, on every size,
// with specials and ties; axis reductions on odd shapes; accuracy against float64; ops API; bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import type { Kernels, ReduceOp } from '../lib/backend/kernels.js';
import { nativeAddon } from '../lib/backend/select.js';
import { assertRejects, conform, randomF32, requireNative, rng, SIZES, SPECIALS } from './support/harness.js';

const OPS: ReduceOp[] = ['sum', 'mean', 'sumSquares', 'norm', 'variance', 'max', 'argmax'];
const needsNonEmpty = (op: ReduceOp) => op === 'max' || op === 'argmax';
const FINITE_SPECIALS = SPECIALS.filter(Number.isFinite);

/** Input families: plain random, with every special (NaN, ±Inf, ±0, subnormals, huge), finite specials only, and many ties. */
const DATA: Record<string, (n: number, seed: number) => Float32Array> = {
  random: (n, s) => randomF32(n, s),
  specials: (n, s) => randomF32(n, s, { specials: 0.002 }),
  finiteSpecials: (n, s) => {
    const r = rng(s + 77), a = randomF32(n, s);
    for (let i = 0; i < n; i++) if (r() < 0.05) a[i] = FINITE_SPECIALS[Math.floor(r() * FINITE_SPECIALS.length)];
    return a;
  },
  ties: (n, s) => {
    const r = rng(s + 5), a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = r() < 0.5 ? (r() < 0.5 ? -0 : 0) : Math.floor(r() * 3) - 2;
    return a;
  },
};

const divisorOf = (n: number, correction = 1) => Math.fround(Math.max(0, n - correction));

test('conformance: full reductions on every size, with specials and ties', () => {
  requireNative();
  for (const op of OPS) {
    const sizes = needsNonEmpty(op) ? SIZES.filter((n) => n > 0) : SIZES;
    for (const [name, make] of Object.entries(DATA)) {
      conform(`reduce.${op}.${name}`, make, (K, x) => Float32Array.of(K.reduce.all(op, x, divisorOf(x.length))), { sizes });
    }
  }
});

test('conformance: a vector made only of specials, each special at every position class', () => {
  requireNative();
  for (const op of OPS) {
    conform(`reduce.${op}.onlySpecials`, (n, s) => {
      const r = rng(s), a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = SPECIALS[Math.floor(r() * SPECIALS.length)];
      return a;
    }, (K, x) => Float32Array.of(K.reduce.all(op, x, divisorOf(x.length))), { sizes: [1, 16, 17, 4097] });
  }
});

const SHAPES: [number, number][] = [[1, 1], [7, 13], [4097, 3], [3, 4097], [100003, 1], [1, 100003], [65, 257], [300, 600], [8200, 20], [2, 9000]];

function axisRun(op: ReduceOp, r: number, c: number, axis: 0 | 1) {
  return (K: Kernels, x: Float32Array) => {
    const out = new Float32Array(axis === 0 ? c : r);
    K.reduce.axis(op, x, r, c, axis, divisorOf(axis === 0 ? r : c), out);
    return out;
  };
}

test('conformance: axis 0 and axis 1 on odd shapes', () => {
  requireNative();
  for (const op of OPS) {
    for (const [r, c] of SHAPES) {
      for (const axis of [0, 1] as const) {
        for (const name of ['random', 'specials', 'ties']) {
          conform(`reduce.${op}.axis${axis}[${r}x${c}].${name}`, DATA[name], axisRun(op, r, c, axis), { sizes: [r * c], seeds: [3] });
        }
      }
    }
  }
});

test('conformance: axis reductions of empty matrices (sums only)', () => {
  requireNative();
  for (const op of OPS.filter((o) => !needsNonEmpty(o))) {
    for (const [r, c] of [[0, 5], [5, 0], [0, 0]] as [number, number][]) {
      for (const axis of [0, 1] as const) conform(`reduce.${op}.axis${axis}[${r}x${c}]`, DATA.random, axisRun(op, r, c, axis), { sizes: [0], seeds: [1] });
    }
  }
});

test('conformance: normL2List over lists with empty, tiny and multi-block arrays', () => {
  requireNative();
  const lists: number[][] = [[], [0], [1, 0, 7], [4097, 17, 0, 100003], Array.from({ length: 300 }, (_, i) => (i * 37) % 129)];
  for (const sizes of lists) {
    conform(`reduce.normL2List[${sizes.length}]`, (_n, s) => sizes.map((m, i) => randomF32(m, s * 1000 + i, { specials: i === 2 ? 0.05 : 0 })),
      (K, xs) => Float32Array.of(K.reduce.normL2List(xs)), { sizes: [0] });
  }
});

/** Exact-enough float64 sum (error ~1e-16 relative, far below the float32 bounds checked). */
const sum64 = (x: Float32Array) => x.reduce((a, v) => a + v, 0);
const U = 2 ** -24;
const gamma = (k: number) => (k * U) / (1 - k * U);
/** Depth of the canonical order for n terms: 4096/16 adds into a partial, 4 tree levels, then the block chain. */
const depth = (n: number) => 4096 / 16 + 4 + Math.ceil(n / 4096);

function eachBackend(fn: (backend: 'js' | 'native') => void): void {
  for (const backend of ['js', 'native'] as const) {
    if (backend === 'native') requireNative();
    fg.setBackend(backend);
    fn(backend);
  }
  fg.setBackend('native');
}

test('accuracy: canonical sum, mean and variance within their error bounds against float64', () => {
  eachBackend((backend) => {
    for (const [n, lo, hi] of [[100003, -2, 2], [1 << 20, 0, 1], [300000, 2.5, 3.5]] as const) {
      const x = randomF32(n, n, { lo, hi });
      const t = new fg.Tensor(x, [n]);
      const exact = sum64(x), abs = x.reduce((a, v) => a + Math.abs(v), 0);
      const bound = gamma(depth(n)) * abs;
      const s = fg.ops.sum(t).data[0];
      assert.ok(Math.abs(s - exact) <= bound, `${backend} sum n=${n}: error ${Math.abs(s - exact)} > bound ${bound}`);
      const mu = exact / n, m = fg.ops.mean(t).data[0];
      assert.ok(Math.abs(m - mu) <= bound / n + 2 * U * Math.abs(mu), `${backend} mean n=${n}: error ${Math.abs(m - mu)}`);
      const v64 = x.reduce((a, v) => a + (v - mu) ** 2, 0) / (n - 1);
      const v = fg.ops.variance(t).data[0];
      // Two-pass: the computed mean's error e adds n*e^2/(n-1); the squared deviations carry ~3 roundings each.
      const vbound = gamma(depth(n) + 3) * v64 + (n * (m - mu) ** 2) / (n - 1) + U * v64;
      assert.ok(Math.abs(v - v64) <= vbound, `${backend} variance n=${n}: error ${Math.abs(v - v64)} > ${vbound}`);
      const ss = fg.ops.sumSquares(t).data[0], ss64 = x.reduce((a, v) => a + v * v, 0);
      assert.ok(Math.abs(ss - ss64) <= gamma(depth(n) + 1) * ss64, `${backend} sumSquares n=${n}`);
    }
  });
});

test('accuracy: the canonical sum beats a naive sequential float32 sum on a long ill-conditioned input', () => {
  const n = 1 << 22;
  const r = rng(9);
  const x = new Float32Array(n);
  // All positive terms, then all negative ones: the running sum climbs to ~n/4 and falls back to
  // ~sqrt(n), so sum|x| / |sum x| is in the thousands and a naive float32 loop loses many digits.
  for (let i = 0; i < n; i++) x[i] = (i < n / 2 ? 1 : -1) * r();
  const exact = sum64(x);
  let naive = 0;
  for (let i = 0; i < n; i++) naive = Math.fround(naive + x[i]);
  const naiveErr = Math.abs(naive - exact);
  eachBackend((backend) => {
    const s = fg.ops.sum(new fg.Tensor(x, [n])).data[0];
    const err = Math.abs(s - exact);
    assert.ok(err * 20 < naiveErr, `${backend}: canonical error ${err} not 20x below naive error ${naiveErr} (exact ${exact})`);
  });
});

test('ops: known values, shapes, keepdim, negative axes, out', () => {
  eachBackend((backend) => {
    const a = fg.Tensor.from([1, 5, 3, -2, 5, 0], [2, 3]);
    const val = (t: fg.Tensor<fg.DType>) => Array.from(t.data);
    assert.deepEqual(fg.ops.sum(a).shape, []);
    assert.deepEqual(val(fg.ops.sum(a)), [12]);
    assert.deepEqual(val(fg.ops.mean(a)), [2]);
    assert.deepEqual(val(fg.ops.sumSquares(a)), [64]);
    assert.deepEqual(val(fg.ops.norm(a, {})), [8]);
    assert.deepEqual(val(fg.ops.max(a)), [5]);
    assert.deepEqual(val(fg.ops.argmax(a)), [1], `${backend}: first index of a tie`);
    assert.deepEqual(val(fg.ops.sum(a, { axis: 0 })), [-1, 10, 3]);
    assert.deepEqual(val(fg.ops.sum(a, { axis: -2 })), [-1, 10, 3]);
    assert.deepEqual(val(fg.ops.sum(a, { axis: 1 })), [9, 3]);
    assert.deepEqual(val(fg.ops.max(a, { axis: 1 })), [5, 5]);
    assert.deepEqual(val(fg.ops.argmax(a, { axis: 0 })), [0, 0, 0]);
    assert.deepEqual(val(fg.ops.argmax(a, { axis: -1 })), [1, 1]);
    assert.deepEqual(val(fg.ops.mean(a, { axis: 1 })), [3, 1]);
    assert.deepEqual(val(fg.ops.variance(a, { axis: 1 })), [4, 13]);
    assert.deepEqual(val(fg.ops.variance(a, { axis: 1, correction: 0 })), [Math.fround(8 / 3), Math.fround(26 / 3)]);
    assert.deepEqual(fg.ops.sum(a, { axis: 0, keepdim: true }).shape, [1, 3]);
    assert.deepEqual(fg.ops.sum(a, { axis: 1, keepdim: true }).shape, [2, 1]);
    assert.deepEqual(fg.ops.sum(a, { keepdim: true }).shape, [1, 1]);
    const v = fg.Tensor.from([3, 1, 2]);
    assert.deepEqual(val(fg.ops.sum(v, { axis: 0 })), [6]);
    assert.deepEqual(fg.ops.sum(v, { axis: -1, keepdim: true }).shape, [1]);
    const out = fg.Tensor.zeros([3]);
    assert.equal(fg.ops.max(a, { axis: 0, out }), out);
    assert.deepEqual(val(out), [1, 5, 3]);
    const o0 = fg.Tensor.zeros([]);
    assert.equal(fg.ops.sum(a, { out: o0 }), o0);
    assert.deepEqual(val(o0), [12]);
    // Empty and degenerate cases follow torch: sum 0, mean NaN, variance of one element NaN.
    assert.deepEqual(val(fg.ops.sum(fg.Tensor.zeros([0]))), [0]);
    assert.ok(Number.isNaN(fg.ops.mean(fg.Tensor.zeros([0])).data[0]));
    assert.ok(Number.isNaN(fg.ops.variance(fg.Tensor.from([4])).data[0]));
    assert.deepEqual(val(fg.ops.variance(fg.Tensor.from([4]), { correction: 0 })), [0]);
    assert.deepEqual(val(fg.ops.sum(fg.Tensor.zeros([0, 3]), { axis: 0 })), [0, 0, 0]);
    assert.deepEqual(fg.ops.max(fg.Tensor.zeros([0, 3]), { axis: 1 }).shape, [0]);
    // NaN: max is NaN, argmax is the first NaN; -Inf-only input.
    const nan = fg.Tensor.from([1, NaN, 7, NaN]);
    assert.ok(Number.isNaN(fg.ops.max(nan).data[0]));
    assert.deepEqual(val(fg.ops.argmax(nan)), [1]);
    assert.deepEqual(val(fg.ops.argmax(fg.Tensor.from([-Infinity, -Infinity]))), [0]);
    assert.deepEqual(val(fg.ops.max(fg.Tensor.from([-Infinity, -Infinity]))), [-Infinity]);
    assert.deepEqual(val(fg.ops.argmax(fg.Tensor.from([-0, 0, 0]))), [0]);
    // normL2List: the global norm of [3, 4] and [12] is 13; of nothing, 0.
    assert.deepEqual(val(fg.ops.normL2List([fg.Tensor.from([3, 4]), fg.Tensor.from([12]), fg.Tensor.zeros([0])])), [13]);
    assert.deepEqual(val(fg.ops.normL2List([])), [0]);
  });
});

test('ops: argmax finds the first maximum and the first NaN at every position class of a long vector', () => {
  eachBackend((backend) => {
    const n = 3 * 4096 + 35;
    for (const pos of [0, 15, 16, 17, 4095, 4096, 4111, 8200, n - 1]) {
      const x = randomF32(n, pos, { lo: -1, hi: 1 });
      const later = Math.min(n - 1, pos + 4096 + 3);
      x[pos] = 2;
      x[later] = 2; // a tie after pos (the same element when pos is last)
      const t = new fg.Tensor(x, [n]);
      assert.equal(fg.ops.argmax(t).data[0], pos, `${backend} first maximum at ${pos}`);
      assert.equal(fg.ops.max(t).data[0], 2);
      x[pos] = NaN;
      x[n - 1] = NaN;
      assert.equal(fg.ops.argmax(t).data[0], pos, `${backend} first NaN at ${pos}`);
      assert.ok(Number.isNaN(fg.ops.max(t).data[0]));
    }
  });
});

test('bad input: clear errors naming the argument, nothing written', () => {
  const a = fg.Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const out = fg.Tensor.zeros([3]);
  assertRejects(() => fg.ops.sum(a, { axis: 2 }), RangeError, /Expected an integer in \[-2, 1\] for axis but received number 2/);
  assertRejects(() => fg.ops.sum(a, { axis: 0.5 }), RangeError, /for axis but received number 0.5/);
  assertRejects(() => fg.ops.sum(a, { axis: '0' as never }), TypeError, /Expected an integer for axis but received string "0"/);
  assertRejects(() => fg.ops.sum(fg.Tensor.zeros([2, 2, 2]), { axis: 0 }), RangeError, /Expected a 1-D or 2-D tensor for x of sum with an axis but received shape \[2, 2, 2\]/);
  assertRejects(() => fg.ops.mean(fg.Tensor.zeros([]), { axis: 0 }), RangeError, /shape \[\]/);
  assertRejects(() => fg.ops.sum(fg.Tensor.zeros([4]), { axis: 1 }), RangeError, /Expected an integer in \[-1, 0\] for axis/);
  assertRejects(() => fg.ops.max(fg.Tensor.zeros([0])), RangeError, /Expected a non-empty tensor for x of max but received shape \[0\]/);
  assertRejects(() => fg.ops.argmax(fg.Tensor.zeros([3, 0]), { axis: 1 }), RangeError, /Expected a non-empty dimension 1 for x of argmax but received shape \[3, 0\]/);
  assertRejects(() => fg.ops.sum(a, { keepdim: 1 as never }), TypeError, /Expected a boolean for keepdim but received number 1/);
  assertRejects(() => fg.ops.sum(a, { axis: 0, out: fg.Tensor.zeros([2]) }), RangeError, /Expected out of shape \[3\] for sum but received shape \[2\]/);
  assertRejects(() => fg.ops.sum(a, { out: fg.Tensor.zeros([1]) }), RangeError, /Expected out of shape \[\] for sum but received shape \[1\]/);
  const buf = new Float32Array(9);
  const x = new fg.Tensor(buf.subarray(0, 6), [2, 3]), o = new fg.Tensor(buf.subarray(5, 8), [3]);
  buf.set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assertRejects(() => fg.ops.max(x, { axis: 0, out: o }), RangeError, /Expected out of max not to overlap x/, [buf]);
  assertRejects(() => fg.ops.variance(a, { correction: -1 }), RangeError, /Expected a finite number >= 0 for correction but received number -1/);
  assertRejects(() => fg.ops.variance(a, { correction: NaN }), RangeError, /for correction but received number NaN/);
  assertRejects(() => fg.ops.sum(a, { correction: 0 } as never), TypeError, /Unknown option 'correction' for sum options/);
  assertRejects(() => fg.ops.sum([1, 2] as never), TypeError, /Expected a Tensor for x but received an Array of length 2/);
  assertRejects(() => fg.ops.normL2List(a as never), TypeError, /Expected an Array of Tensors for xs but received a Tensor/);
  assertRejects(() => fg.ops.normL2List([a, new Float32Array(2) as never]), TypeError, /Expected a Tensor for xs\[1\] but received Float32Array of length 2/);
  const o1 = fg.Tensor.zeros([1]);
  assertRejects(() => fg.ops.normL2List([a], { out: o1 }), RangeError, /Expected out of shape \[\] for normL2List but received shape \[1\]/, [o1.data]);
  assertRejects(() => fg.ops.sum(a, { axis: 0, out: 'x' as never }), TypeError, /Expected a Tensor for out/, [out.data]);
});

test('binding second line of checks: wrong types, lengths, overlap, empty, detached never crash', () => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const x = new Float32Array(12), y = new Float32Array(4);
  y.fill(7);
  assertRejects(() => addon.reduceAll(7, x, 1), RangeError, /Expected an integer in \[0, 6\] for op/);
  assertRejects(() => addon.reduceAll(0, new Float64Array(3), 1), TypeError, /Expected Float32Array for x but received Float64Array/);
  assertRejects(() => addon.reduceAll(0, x, 'a'), TypeError, /Expected a number for divisor but received a string/);
  assertRejects(() => addon.reduceAll(4, new Float32Array(0), 0), RangeError, /Expected a non-empty Float32Array for x of max but received length 0/);
  assertRejects(() => addon.reduceAxis(0, x, 3, 5, 0, 1, y), RangeError, /length 15 for x but received length 12/, [y]);
  assertRejects(() => addon.reduceAxis(0, x, 3, 4, 1, 1, y), RangeError, /length 3 for out but received length 4/, [y]);
  assertRejects(() => addon.reduceAxis(0, x, 3, 4, 2, 1, y), RangeError, /for axis/, [y]);
  assertRejects(() => addon.reduceAxis(0, x, -3, 4, 0, 1, y), RangeError, /rows/, [y]);
  assertRejects(() => addon.reduceAxis(0, x, 2 ** 40, 2 ** 40, 0, 1, y), RangeError, /fit in memory/, [y]);
  assertRejects(() => addon.reduceAxis(0, x, 3, 4, 0, 1, x.subarray(8, 12)), RangeError, /Expected out not to overlap x/);
  assertRejects(() => addon.reduceAxis(5, new Float32Array(0), 0, 4, 0, 1, y), RangeError, /non-empty dimension 0 for x of argmax/, [y]);
  assertRejects(() => addon.reduceNormList(x), TypeError, /Expected an Array of Float32Arrays for xs but received Float32Array/);
  assertRejects(() => addon.reduceNormList([x, [1]]), TypeError, /Expected Float32Array for xs\[1\] but received an Array/);
  const d = new Float32Array(4);
  structuredClone(d.buffer, { transfer: [d.buffer] });
  assertRejects(() => addon.reduceAll(0, d, 1), TypeError, /detached/);
  assertRejects(() => addon.reduceNormList([x, d]), TypeError, /live buffer for xs\[1\]/);
  // A getter that detaches an earlier element is read before any pointer is taken.
  const victim = new Float32Array(8);
  const list = [victim, null];
  Object.defineProperty(list, 1, { get: () => { structuredClone(victim.buffer, { transfer: [victim.buffer] }); return x; } });
  assertRejects(() => addon.reduceNormList(list), TypeError, /live buffer for xs\[0\]/);
});

test('binding: a huge sparse list fails fast on its first hole', () => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const sparse: unknown[] = [];
  sparse.length = 2 ** 32 - 1;
  sparse[0] = new Float32Array(3);
  assertRejects(() => addon.reduceNormList(sparse), TypeError, /Expected Float32Array for xs\[1\] but received undefined/);
});
