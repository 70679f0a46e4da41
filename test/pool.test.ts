// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten: forward against float64 references, float64
// finite-difference gradients over stride, padding, dilation, countIncludePad, odd sizes and unbatched
// input; torch's NaN rule for max; the same bits on both backends, every SIMD level and thread count;
// errors naming the layer, the argument and the shape rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertClose, assertRejects, eachBackend, randomF32, requireNative } from './support/harness.js';
import { checkGradients, f64, sameBitsEverywhere } from './support/layers.js';
import { poolOutSize } from '../lib/nn/pool.js';

const { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten } = fg.nn;

interface P { k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; ceil?: boolean }

function pool64(x: Float64Array, planes: number, H: number, W: number, g: P, kind: 'max' | 'avg', countIncludePad = true): Float64Array {
  const OH = poolOutSize(H, g.k[0], g.s[0], g.p[0], g.d[0], g.ceil ?? false), OW = poolOutSize(W, g.k[1], g.s[1], g.p[1], g.d[1], g.ceil ?? false);
  const y = new Float64Array(planes * OH * OW);
  for (let q = 0; q < planes; q++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let m = -Infinity, s = 0, n = 0;
    for (let i = 0; i < g.k[0]; i++) for (let j = 0; j < g.k[1]; j++) {
      const h = oh * g.s[0] - g.p[0] + i * g.d[0], w = ow * g.s[1] - g.p[1] + j * g.d[1];
      if (h < 0 || h >= H || w < 0 || w >= W) continue;
      const v = x[(q * H + h) * W + w];
      m = Math.max(m, v);
      s += v;
      n++;
    }
    y[(q * OH + oh) * OW + ow] = kind === 'max' ? m : s / (countIncludePad ? g.k[0] * g.k[1] : n);
  }
  return y;
}

function adaptive64(x: Float64Array, planes: number, H: number, W: number, OH: number, OW: number): Float64Array {
  const y = new Float64Array(planes * OH * OW);
  for (let q = 0; q < planes; q++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const h0 = Math.floor((oh * H) / OH), h1 = Math.ceil(((oh + 1) * H) / OH), w0 = Math.floor((ow * W) / OW), w1 = Math.ceil(((ow + 1) * W) / OW);
    let s = 0;
    for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x[(q * H + h) * W + w];
    y[(q * OH + oh) * OW + ow] = s / ((h1 - h0) * (w1 - w0));
  }
  return y;
}

const WINDOW_CASES: { name: string; shape: number[]; k: number | number[]; opts: Record<string, unknown>; g: P }[] = [
  { name: 'kernel 2 (stride = kernel)', shape: [2, 3, 6, 8], k: 2, opts: {}, g: { k: [2, 2], s: [2, 2], p: [0, 0], d: [1, 1] } },
  { name: 'kernel 3 stride 2 padding 1, odd sizes', shape: [1, 2, 7, 5], k: 3, opts: { stride: 2, padding: 1 }, g: { k: [3, 3], s: [2, 2], p: [1, 1], d: [1, 1] } },
  { name: 'kernel [3, 2] stride [1, 2] padding [1, 0] (overlapping windows)', shape: [2, 1, 5, 6], k: [3, 2], opts: { stride: [1, 2], padding: [1, 0] }, g: { k: [3, 2], s: [1, 2], p: [1, 0], d: [1, 1] } },
  { name: 'unbatched (C, H, W), kernel 3 stride 1', shape: [2, 5, 4], k: 3, opts: { stride: 1 }, g: { k: [3, 3], s: [1, 1], p: [0, 0], d: [1, 1] } },
];

test('MaxPool2d and AvgPool2d match float64 references and float64 finite differences', () => {
  const cases = [
    ...WINDOW_CASES,
    { name: 'max: dilation 2, padding 1', shape: [1, 2, 7, 7], k: 3, opts: { dilation: 2, padding: 1, stride: 2 }, g: { k: [3, 3], s: [2, 2], p: [1, 1], d: [2, 2] } as P, maxOnly: true },
    { name: 'max: ceilMode, kernel 2 on odd sizes (last windows hang over)', shape: [2, 2, 5, 7], k: 2, opts: { ceilMode: true }, g: { k: [2, 2], s: [2, 2], p: [0, 0], d: [1, 1], ceil: true } as P, maxOnly: true },
    { name: 'max: ceilMode, kernel 3 stride 2 padding 1', shape: [1, 2, 6, 9], k: 3, opts: { ceilMode: true, stride: 2, padding: 1 }, g: { k: [3, 3], s: [2, 2], p: [1, 1], d: [1, 1], ceil: true } as P, maxOnly: true },
  ];
  for (const c of cases) {
    const planes = c.shape.slice(0, -2).reduce((a, d) => a * d, 1), H = c.shape[c.shape.length - 2], W = c.shape[c.shape.length - 1];
    const x = new fg.Tensor(randomF32(planes * H * W, 3), c.shape);
    const layers: [string, fg.nn.Module, 'max' | 'avg', boolean][] = [['max', new MaxPool2d(c.k, c.opts), 'max', true]];
    if (!('maxOnly' in c)) {
      layers.push(['avg', new AvgPool2d(c.k, c.opts), 'avg', true]);
      layers.push(['avg countIncludePad false', new AvgPool2d(c.k, { ...c.opts, countIncludePad: false }), 'avg', false]);
    }
    for (const [what, m, kind, cip] of layers) {
      const name = `${c.name} (${what})`;
      const y = m.forward(x);
      const want = pool64(f64(x.data), planes, H, W, c.g, kind, cip);
      assertClose(y.data, want, `${name}: y`, 1e-6, 1e-6);
      if (kind === 'max') assert.deepEqual(y.data, Float32Array.from(want), `${name}: max is exact`);
      const r = randomF32(y.size, 9);
      const dx = fg.nn.layerwiseBackward(m, new fg.Tensor(r, y.shape));
      assert.deepEqual(dx.shape, x.shape);
      checkGradients(name, (v) => pool64(v[0], planes, H, W, c.g, kind, cip), [f64(x.data)], f64(r), [dx.data]);
    }
  }
});

test("poolOutSize is torch's (floor, and ceil without a window that starts past the input and its left padding)", () => {
  // torch 1.13: max_pool2d(x, k, s, p, d, ceil_mode=True / False).shape[-1] for an L × L input
  const cases: [number, number, number, number, number, number, number][] = [
    [5, 2, 2, 0, 1, 3, 2], [6, 3, 2, 1, 1, 4, 3], [7, 3, 3, 0, 1, 3, 2], [4, 2, 3, 1, 1, 2, 2], [9, 3, 2, 1, 2, 4, 4], [8, 2, 2, 0, 1, 4, 4], [1, 2, 2, 1, 1, 1, 1],
  ];
  for (const [L, k, s, p, d, ceil, floor] of cases) {
    assert.equal(poolOutSize(L, k, s, p, d, true), ceil, `ceil ${[L, k, s, p, d]}`);
    assert.equal(poolOutSize(L, k, s, p, d, false), floor, `floor ${[L, k, s, p, d]}`);
    const y = new MaxPool2d(k, { stride: s, padding: p, dilation: d, ceilMode: true }).forward(fg.Tensor.zeros([1, L, L]));
    assert.deepEqual(y.shape, [1, ceil, ceil]);
  }
  assert.equal(new MaxPool2d(2, { ceilMode: true }).ceilMode, true);
  assert.equal(new MaxPool2d(2).ceilMode, false);
});

test('AdaptiveAvgPool2d matches float64 references and finite differences (divisible, non-divisible, growing, null)', () => {
  const cases: [number[], number | (number | null)[], number, number][] = [
    [[2, 3, 6, 8], 2, 2, 2],
    [[1, 2, 7, 5], [3, 2], 3, 2],
    [[1, 1, 3, 4], [5, 6], 5, 6],
    [[2, 4, 5], [1, null], 1, 5],
    [[1, 2, 4, 4], 1, 1, 1],
  ];
  for (const [shape, out, OH, OW] of cases) {
    const planes = shape.slice(0, -2).reduce((a, d) => a * d, 1), H = shape[shape.length - 2], W = shape[shape.length - 1];
    const m = new AdaptiveAvgPool2d(out);
    const x = new fg.Tensor(randomF32(planes * H * W, 4), shape);
    const y = m.forward(x);
    assert.deepEqual(y.shape, [...shape.slice(0, -2), OH, OW]);
    assertClose(y.data, adaptive64(f64(x.data), planes, H, W, OH, OW), `adaptive ${shape} -> ${out}: y`, 1e-6, 1e-6);
    const r = randomF32(y.size, 5);
    const dx = fg.nn.layerwiseBackward(m, new fg.Tensor(r, y.shape));
    checkGradients(`adaptive ${shape} -> ${out}`, (v) => adaptive64(v[0], planes, H, W, OH, OW), [f64(x.data)], f64(r), [dx.data]);
  }
});

test("MaxPool2d follows torch's rule for NaN (a NaN wins) and for ties (the first maximum gets the gradient), on both backends", () => {
  eachBackend(() => {
    const m = new MaxPool2d(2);
  const x = fg.Tensor.from([1, NaN, 3, 3, -Infinity, -Infinity, 3, 2], [1, 1, 2, 4]);
  const y = m.forward(x);
  assert.ok(Number.isNaN(y.data[0]));
  assert.equal(y.data[1], 3);
  const dx = m.backward(fg.Tensor.from([1, 1], [1, 1, 1, 2]));
  assert.deepEqual(Array.from(dx.data), [0, 1, 1, 0, 0, 0, 0, 0]);
  const all = new MaxPool2d(2).forward(fg.Tensor.from([-Infinity, -Infinity, -Infinity, -Infinity], [1, 1, 2, 2]));
  assert.equal(all.data[0], -Infinity);
  });
});

test('pools give the same bits on both backends, every SIMD level and thread count', () => {
  const x = new fg.Tensor(randomF32(2 * 3 * 17 * 19, 8, { specials: 0.01 }), [2, 3, 17, 19]);
  const layers: fg.nn.Module[] = [new MaxPool2d(3, { stride: 2, padding: 1 }), new MaxPool2d(2, { ceilMode: true }), new MaxPool2d([2, 3], { stride: [1, 2], dilation: [2, 1], padding: [1, 0] }), new AvgPool2d([3, 2], { stride: 1, padding: [1, 1] }), new AvgPool2d(3, { countIncludePad: false, padding: 1 }), new AdaptiveAvgPool2d([5, 7])];
  // planes enough for the native pools to be cut between threads
  const big = new fg.Tensor(randomF32(4 * 8 * 40 * 40, 9, { specials: 0.01 }), [4, 8, 40, 40]);
  const bigLayers: fg.nn.Module[] = [new MaxPool2d(3, { stride: 2, padding: 1 }), new MaxPool2d(2), new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), new AdaptiveAvgPool2d(7)];
  for (const [m, input] of [...layers.map((l) => [l, x] as const), ...bigLayers.map((l) => [l, big] as const)]) {
    sameBitsEverywhere(m.constructor.name, () => {
      const y = m.forward(input);
      const dx = fg.nn.layerwiseBackward(m, new fg.Tensor(randomF32(y.size, 12), y.shape));
      return [y.data, dx.data];
    });
  }
});

test('native pool bindings reject bad lengths and indices outside their plane, writing nothing', () => {
  const K = requireNative();
  const g = { C: 2, H: 3, W: 3, kh: 2, kw: 2, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, OH: 2, OW: 2 };
  const dx = new Float32Array(18).fill(7);
  const dy = new Float32Array(8).fill(1);
  assertRejects(() => K.conv.maxPoolBackward(dy, Int32Array.of(0, 1, 2, 3, 4, 5, 6, 9), g, dx), RangeError, /idx values in \[0, H·W\) = \[0, 9\) but received 9/, [dx]);
  assertRejects(() => K.conv.maxPoolBackward(dy, Int32Array.of(0, -1, 2, 3, 4, 5, 6, 7), g, dx), RangeError, /received -1/, [dx]);
  assertRejects(() => K.conv.maxPoolBackward(dy, new Int32Array(7), g, dx), RangeError, /idx of length 8/, [dx]);
  assertRejects(() => K.conv.maxPoolForward(new Float32Array(17), g, new Float32Array(8), new Int32Array(8)), RangeError, /x/);
  assertRejects(() => K.conv.avgPoolForward(new Float32Array(18), g, true, new Float32Array(7)), RangeError, /y/);
  assertRejects(() => K.conv.adaptiveAvgPoolBackward(dy, 2, 3, 3, 2, 2, dx.subarray(1)), RangeError, /dx/, [dx]);
  const shared = new Float32Array(25);
  assertRejects(() => K.conv.avgPoolForward(shared.subarray(0, 18), g, true, shared.subarray(17)), RangeError, /overlap/);
});

test('Flatten merges startDim … endDim (torch defaults 1, -1) and its backward restores the shape', () => {
  const x = new fg.Tensor(randomF32(2 * 3 * 4 * 5, 1), [2, 3, 4, 5]);
  assert.deepEqual(new Flatten().forward(x).shape, [2, 60]);
  assert.deepEqual(new Flatten({ startDim: 0 }).forward(x).shape, [120]);
  assert.deepEqual(new Flatten({ startDim: 1, endDim: 2 }).forward(x).shape, [2, 12, 5]);
  assert.deepEqual(new Flatten({ startDim: -2 }).forward(x).shape, [2, 3, 20]);
  const f = new Flatten();
  const y = f.forward(x);
  assert.deepEqual(y.data, x.data);
  const dx = f.backward(new fg.Tensor(randomF32(120, 2), [2, 60]));
  assert.deepEqual(dx.shape, [2, 3, 4, 5]);
  assertRejects(() => f.backward(fg.Tensor.zeros([60, 2])), RangeError, /Expected dy of shape \[2, 60\] \(the last output of Flatten\)/);
  assertRejects(() => new Flatten({ startDim: 3, endDim: 1 }).forward(x), RangeError, /Expected 0 ≤ startDim ≤ endDim < ndim .* Flatten\(\{ startDim: 3, endDim: 1 \}\) but received x of shape \[2, 3, 4, 5\]/);
});

test('bad pool arguments and shapes name the layer, the argument and the rule', () => {
  assertRejects(() => new MaxPool2d(2, { padding: 2 }), RangeError, /Expected padding at most half the kernel size for MaxPool2d\(2\) \(padding\[0\] ≤ kernelSize\[0\] \/ 2 = 1\) but received padding \[2, 2\]/);
  assertRejects(() => new MaxPool2d(0), RangeError, /Expected integers ≥ 1 for kernelSize\[0\] of MaxPool2d\(0\)/);
  assertRejects(() => new MaxPool2d(2, { ceilMode: 1 as never }), TypeError, /ceilMode of MaxPool2d\(2\)/);
  assertRejects(() => new AvgPool2d(2, { ceilMode: true }), RangeError, /Expected false \(fastgrad implements only torch's default\) for ceilMode of AvgPool2d\(2\) but received true/);
  assertRejects(() => new AvgPool2d(2, { divisorOverride: 3 }), RangeError, /divisorOverride of AvgPool2d\(2\)/);
  assertRejects(() => new AvgPool2d(2, { countIncludePad: 1 as never }), TypeError, /countIncludePad of AvgPool2d\(2\)/);
  assertRejects(() => new AvgPool2d([2, 2, 2]), TypeError, /Expected an integer or an array of 2 integers for kernelSize of AvgPool2d\(\[2, 2, 2\]\)/);
  assertRejects(() => new MaxPool2d(3).forward(fg.Tensor.zeros([1, 1, 2, 5])), RangeError, /Expected an input at least as large as the kernel for MaxPool2d\(kernelSize=\[3, 3\]\): output size floor\(\(L \+ 2·padding − dilation·\(kernel − 1\) − 1\) \/ stride\) \+ 1 is 0 × 1 for x shape \[1, 1, 2, 5\]/);
  assertRejects(() => new AvgPool2d(2).forward(fg.Tensor.zeros([4, 4])), RangeError, /Expected x of shape \[N, C, H, W\] or \[C, H, W\] for AvgPool2d\(kernelSize=\[2, 2\]\) but received shape \[4, 4\]/);
  assertRejects(() => new AdaptiveAvgPool2d(0), RangeError, /outputSize\[0\] of AdaptiveAvgPool2d/);
  assertRejects(() => new AdaptiveAvgPool2d([1, 2, 3] as never), TypeError, /outputSize of AdaptiveAvgPool2d/);
    const m = new MaxPool2d(2);
  m.forward(fg.Tensor.zeros([1, 1, 4, 4]));
  assertRejects(() => m.backward(fg.Tensor.zeros([1, 1, 3, 3])), RangeError, /Expected dy of shape \[1, 1, 2, 2\] \(the last output of MaxPool2d\)/);
  assertRejects(() => new AvgPool2d(2).backward(fg.Tensor.zeros([1])), Error, /AvgPool2d.backward\(\) needs a forward\(\) first/);
});
