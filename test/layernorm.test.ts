// LayerNorm: forward against float64, float64 finite-difference gradients (x, γ, β) for 1-D and 2-D
// normalizedShape, without affine, odd sizes, rows longer than one canonical block; the same bits on
// both backends, every SIMD level and thread count; accumulation; errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertClose, assertRejects, randomF32, requireNative } from './support/harness.js';
import { checkGradients, f64, sameBitsEverywhere } from './support/layers.js';

const { LayerNorm } = fg.nn;

function layerNorm64(x: Float64Array, R: number, D: number, eps: number, g: Float64Array | null, b: Float64Array | null): Float64Array {
  const y = new Float64Array(R * D);
  for (let r = 0; r < R; r++) {
    let m = 0;
    for (let j = 0; j < D; j++) m += x[r * D + j];
    m /= D;
    let v = 0;
    for (let j = 0; j < D; j++) v += (x[r * D + j] - m) ** 2;
    v /= D;
    const rs = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < D; j++) y[r * D + j] = (x[r * D + j] - m) * rs * (g ? g[j] : 1) + (b ? b[j] : 0);
  }
  return y;
}

test('LayerNorm matches float64 and float64 finite differences (x, weight, bias)', () => {
  const cases: [number[], number | number[], Record<string, unknown>][] = [
    [[4, 7], 7, {}],
    [[2, 3, 5], 5, { eps: 1e-3 }],
    [[3, 2, 3], [2, 3], {}],
    [[5, 6], 6, { elementwiseAffine: false }],
    [[2, 1], 1, {}],
  ];
  for (const [shape, ns, opts] of cases) {
    const m = new LayerNorm(ns, opts);
    const D = (typeof ns === 'number' ? [ns] : ns).reduce((a, d) => a * d, 1), R = shape.reduce((a, d) => a * d, 1) / D;
    if (m.weight) {
      m.weight.data.set(randomF32(D, 2, { lo: 0.5, hi: 1.5 }));
      m.bias!.data.set(randomF32(D, 3));
    }
    const x = new fg.Tensor(randomF32(R * D, 1), shape);
    const y = m.forward(x);
    const eps = (opts.eps as number) ?? 1e-5;
    const ref = (v: Float64Array[]) => layerNorm64(v[0], R, D, eps, v[1] ?? null, v[2] ?? null);
    const inputs = [f64(x.data), ...(m.weight ? [f64(m.weight.data), f64(m.bias!.data)] : [])];
    assertClose(y.data, ref(inputs), `LayerNorm ${shape} ${ns}: y`, 1e-5, 1e-5);
    const r = randomF32(y.size, 4);
    const dx = m.backward(new fg.Tensor(r, y.shape));
    // D = 1: y = β exactly and dx = 0 (the variance is 0)
    checkGradients(`LayerNorm ${shape} ${ns}`, ref, inputs, f64(r), [dx.data, m.weight?.grad?.data ?? null, m.bias?.grad?.data ?? null], 5e-4, 5e-3);
  }
});

test('LayerNorm is accurate far from zero and on rows longer than one canonical block (D = 5000)', () => {
  const D = 5000, R = 3;
  const x = randomF32(R * D, 6, { lo: 999, hi: 1001 });
  const m = new LayerNorm(D, { elementwiseAffine: false });
  const y = m.forward(new fg.Tensor(x, [R, D]));
  assertClose(y.data, layerNorm64(f64(x), R, D, 1e-5, null, null), 'y far from zero', 2e-3, 2e-3);
});

test('LayerNorm gives the same bits on both backends, every SIMD level and thread count; grads accumulate', () => {
  const R = 4100, D = 24; // more rows than one canonical block for dγ / dβ
  const x = new fg.Tensor(randomF32(R * D, 7, { specials: 0.001 }), [R, D]);
  const m = new LayerNorm(D);
  m.weight!.data.set(randomF32(D, 8));
  m.bias!.data.set(randomF32(D, 9));
  const dy = new fg.Tensor(randomF32(R * D, 10), [R, D]);
  const outs = sameBitsEverywhere('layerNorm', () => {
    m.zeroGrad(true);
    const y = m.forward(x);
    const dx = m.backward(dy);
    return [y.data, dx.data, m.weight!.grad!.data, m.bias!.grad!.data];
  });
  m.zeroGrad(true);
  m.forward(x);
  m.backward(dy);
  m.backward(dy);
  assert.deepEqual(m.bias!.grad!.data, Float32Array.from(outs[3], (v) => Math.fround(v + v)));
});

test('LayerNorm errors name the layer, the argument and the shape rule', () => {
  assertRejects(() => new LayerNorm(0), RangeError, /normalizedShape\[0\] of LayerNorm/);
  assertRejects(() => new LayerNorm([]), TypeError, /Expected a positive integer or a non-empty array of them for normalizedShape of LayerNorm/);
  assertRejects(() => new LayerNorm(4, { eps: -1 }), RangeError, /eps of LayerNorm/);
  assertRejects(() => new LayerNorm(4, { bias: false } as never), TypeError, /Unknown option 'bias' for LayerNorm options/);
  const m = new LayerNorm([2, 3]);
  assertRejects(() => m.forward(fg.Tensor.zeros([4, 3, 2])), RangeError, /Expected x of shape \[\.\.\., 2, 3\] for LayerNorm\(\[2, 3\]\) \(the last dimensions = normalizedShape\) but received shape \[4, 3, 2\]/);
  assertRejects(() => m.forward(fg.Tensor.zeros([3])), RangeError, /LayerNorm\(\[2, 3\]\)/);
  m.forward(fg.Tensor.zeros([1, 2, 3]));
  assertRejects(() => m.backward(fg.Tensor.zeros([2, 3])), RangeError, /Expected dy of shape \[1, 2, 3\] \(the last output of LayerNorm\)/);
  assert.equal(m.weight!.grad, null);
  assert.deepEqual(Object.keys(m.stateDict()), ['weight', 'bias']);
});

test('layer-norm bindings reject bad lengths, half-given affine arrays and overlap without crashing', () => {
  requireNative();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require('../lib/backend/select.js').nativeAddon() as Record<string, (...a: unknown[]) => unknown>;
  const x = new Float32Array(6), y = new Float32Array(6), m = new Float32Array(2), r = new Float32Array(2), g = new Float32Array(3);
  addon.layerNormForward(x, 2, 3, 1e-5, g, g.slice(), y, m, r);
  assertRejects(() => addon.layerNormForward(x, 2, 3, 1e-5, g, null, y, m, r), RangeError, /gamma and beta both given or both null/, [y]);
  assertRejects(() => addon.layerNormForward(x, 3, 3, 1e-5, null, null, y, m, r), RangeError, /length 9 for x/, [y]);
  assertRejects(() => addon.layerNormForward(x, 2, 0, 1e-5, null, null, y, m, r), RangeError, /at least 1 for D/, [y]);
  assertRejects(() => addon.layerNormForward(x, 2, 3, 1e-5, new Float32Array(2), g, y, m, r), RangeError, /length 3 for gamma/, [y]);
  assertRejects(() => addon.layerNormForward(x, 2, 3, 1e-5, null, null, y, m, m), RangeError, /rstd/, [y]);
  assertRejects(() => addon.layerNormBackward(y, x, 2, 3, m, r, null, y, null, null), RangeError, /dx/, [x]);
  assertRejects(() => addon.layerNormBackward(y, x, 2, 3, m, r, null, new Float32Array(6), g, null), RangeError, /dgamma and dbeta both given or both null/, [x]);
  assertRejects(() => addon.layerNormBackward(y, x, 2, 3, m, r, null, new Float32Array(6), x.subarray(0, 3), new Float32Array(3)), RangeError, /dgamma/, []);
});

test("LayerNorm's dβ follows the documented order: sums of 64-row groups in row order, then the canonical column sum", () => {
  requireNative();
  const R = 200, D = 3; // groups of 64, 64, 64 and 8 rows
  const dy = randomF32(R * D, 21);
  for (let i = 0; i < R * D; i += 7) dy[i] = Math.fround(dy[i] * 4096); // large terms make the order show in the bits
  const groups = Math.ceil(R / 64);
  const gs = new Float32Array(groups * D);
  for (let r = 0; r < R; r++) for (let j = 0; j < D; j++) gs[Math.floor(r / 64) * D + j] += dy[r * D + j];
  const P = new Float32Array(16);
  const canonicalColumn = (a: Float32Array, rows: number, j: number) => {
    P.fill(0);
    for (let r = 0; r < rows; r++) P[r & 15] += a[r * D + j];
    for (let s = 8; s >= 1; s >>= 1) for (let k = 0; k < s; k++) P[k] += P[k + s];
    return P[0];
  };
  const expected = Float32Array.from({ length: D }, (_, j) => canonicalColumn(gs, groups, j));
  const plainCanonical = Float32Array.from({ length: D }, (_, j) => canonicalColumn(dy, R, j));
  assert.notDeepEqual(expected, plainCanonical, 'the data must tell the two orders apart');
  const before = fg.getBackend();
  try {
    for (const backend of ['js', 'native'] as const) {
      fg.setBackend(backend);
      const m = new LayerNorm(D);
      m.forward(new fg.Tensor(randomF32(R * D, 22), [R, D]));
      m.backward(new fg.Tensor(dy, [R, D]));
      assert.deepEqual(m.bias!.grad!.data, expected, backend);
    }
  } finally {
    fg.setBackend(before);
  }
});
