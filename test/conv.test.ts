// Conv2d / Conv1d: forward against a float64 direct convolution, float64 finite-difference gradients for
// input, weight and bias over every option (stride, padding incl. 'same' / 'valid', dilation, groups,
// 1×1, no bias, odd sizes, unbatched input), the same bits on both backends at every SIMD level and
// thread count, gradient accumulation, torch's initialization bounds, and errors that name the layer,
// the argument and the shape rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { conv2d, conv2dBackward } from '../lib/nn/conv.js';
import type { ConvGeometry } from '../lib/backend/kernels.js';
import { assertClose, assertRejects, assertSameBits, forEachNativeConfig, jsKernels, randomF32, requireNative } from './support/harness.js';
import { checkGradients, f64, sameBitsEverywhere } from './support/layers.js';

const { Conv2d, Conv1d } = fg.nn;

interface Geo { N: number; C: number; H: number; W: number; O: number; G: number; kh: number; kw: number; sh: number; sw: number; pt: number; pb: number; pl: number; pr: number; dh: number; dw: number }

const outSize = (L: number, k: number, s: number, a: number, b: number, d: number) => Math.floor((L + a + b - d * (k - 1) - 1) / s) + 1;

/** Direct float64 convolution: the definition, no im2col. */
function conv64(x: Float64Array, w: Float64Array, b: Float64Array | null, g: Geo): Float64Array {
  const OH = outSize(g.H, g.kh, g.sh, g.pt, g.pb, g.dh), OW = outSize(g.W, g.kw, g.sw, g.pl, g.pr, g.dw);
  const Cg = g.C / g.G, Og = g.O / g.G;
  const y = new Float64Array(g.N * g.O * OH * OW);
  for (let n = 0; n < g.N; n++) for (let o = 0; o < g.O; o++) {
    const grp = Math.floor(o / Og);
    for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      let s = b ? b[o] : 0;
      for (let c = 0; c < Cg; c++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
        const h = oh * g.sh - g.pt + i * g.dh, ww = ow * g.sw - g.pl + j * g.dw;
        if (h < 0 || h >= g.H || ww < 0 || ww >= g.W) continue;
        s += x[((n * g.C + grp * Cg + c) * g.H + h) * g.W + ww] * w[((o * Cg + c) * g.kh + i) * g.kw + j];
      }
      y[((n * g.O + o) * OH + oh) * OW + ow] = s;
    }
  }
  return y;
}

interface Case {
  name: string;
  N: number; C: number; H: number; W: number; O: number;
  k: number | number[];
  opts: Record<string, unknown>;
  /** Padding [top, bottom, left, right] the options mean. */
  pads: [number, number, number, number];
  oneD?: boolean;
  unbatched?: boolean;
}

const CASES: Case[] = [
  { name: 'basic 3x3 pad 1', N: 2, C: 3, H: 5, W: 6, O: 4, k: 3, opts: { padding: 1 }, pads: [1, 1, 1, 1] },
  { name: 'stride 2, padding [1, 0], odd sizes', N: 2, C: 2, H: 7, W: 5, O: 3, k: 3, opts: { stride: 2, padding: [1, 0] }, pads: [1, 1, 0, 0] },
  { name: 'stride [2, 1], kernel [3, 2], dilation [2, 1]', N: 1, C: 2, H: 9, W: 6, O: 3, k: [3, 2], opts: { stride: [2, 1], dilation: [2, 1], padding: [2, 1] }, pads: [2, 2, 1, 1] },
  { name: 'dilation 2', N: 2, C: 2, H: 7, W: 7, O: 2, k: 3, opts: { dilation: 2, padding: 1 }, pads: [1, 1, 1, 1] },
  { name: 'groups 2', N: 2, C: 4, H: 5, W: 5, O: 6, k: 3, opts: { groups: 2, padding: 1 }, pads: [1, 1, 1, 1] },
  { name: 'depthwise (groups = channels), stride 2', N: 1, C: 3, H: 6, W: 7, O: 3, k: 3, opts: { groups: 3, stride: 2 }, pads: [0, 0, 0, 0] },
  { name: '1x1 (x is the column matrix)', N: 2, C: 3, H: 4, W: 5, O: 5, k: 1, opts: {}, pads: [0, 0, 0, 0] },
  { name: '1x1 stride 2', N: 2, C: 3, H: 5, W: 5, O: 2, k: 1, opts: { stride: 2 }, pads: [0, 0, 0, 0] },
  { name: "padding 'same', even kernel (asymmetric)", N: 1, C: 2, H: 5, W: 6, O: 3, k: [4, 2], opts: { padding: 'same' }, pads: [1, 2, 0, 1] },
  { name: "padding 'same' with dilation 2", N: 1, C: 2, H: 6, W: 5, O: 2, k: 3, opts: { padding: 'same', dilation: 2 }, pads: [2, 2, 2, 2] },
  { name: "padding 'valid', no bias", N: 2, C: 2, H: 5, W: 4, O: 3, k: 2, opts: { padding: 'valid', bias: false }, pads: [0, 0, 0, 0] },
  { name: 'unbatched (C, H, W)', N: 1, C: 2, H: 4, W: 4, O: 2, k: 3, opts: { padding: 1 }, pads: [1, 1, 1, 1], unbatched: true },
  { name: 'Conv1d stride 2, padding 1, dilation 2', N: 2, C: 3, H: 1, W: 11, O: 4, k: 3, opts: { stride: 2, padding: 1, dilation: 2 }, pads: [0, 0, 1, 1], oneD: true },
  { name: "Conv1d padding 'same', groups 2, no bias", N: 2, C: 4, H: 1, W: 7, O: 2, k: 4, opts: { padding: 'same', groups: 2, bias: false }, pads: [0, 0, 1, 2], oneD: true },
  { name: 'Conv1d unbatched', N: 1, C: 2, H: 1, W: 6, O: 3, k: 2, opts: {}, pads: [0, 0, 0, 0], oneD: true, unbatched: true },
];

function build(c: Case, seed: number) {
  const gen = new fg.Generator(seed);
  const m = c.oneD ? new Conv1d(c.C, c.O, c.k as number, { ...c.opts, generator: gen }) : new Conv2d(c.C, c.O, c.k, { ...c.opts, generator: gen });
  const shape = c.oneD ? (c.unbatched ? [c.C, c.W] : [c.N, c.C, c.W]) : c.unbatched ? [c.C, c.H, c.W] : [c.N, c.C, c.H, c.W];
  const x = new fg.Tensor(randomF32(c.N * c.C * c.H * c.W, seed + 1), shape);
  return { m, x };
}

function geoOf(c: Case): Geo {
  const [kh, kw] = c.oneD ? [1, c.k as number] : typeof c.k === 'number' ? [c.k, c.k] : c.k;
  const pick = (v: unknown, i: number) => (v === undefined ? 1 : typeof v === 'number' ? v : (v as number[])[c.oneD ? 0 : i]);
  const sh = c.oneD ? 1 : pick(c.opts.stride, 0), sw = pick(c.opts.stride, 1);
  const dh = c.oneD ? 1 : pick(c.opts.dilation, 0), dw = pick(c.opts.dilation, 1);
  const [pt, pb, pl, pr] = c.pads;
  return { N: c.N, C: c.C, H: c.H, W: c.W, O: c.O, G: (c.opts.groups as number) ?? 1, kh, kw, sh, sw, pt, pb, pl, pr, dh, dw };
}

test('Conv2d / Conv1d forward matches a float64 direct convolution and gradients match float64 finite differences', () => {
  for (const c of CASES) {
    const { m, x } = build(c, 7);
    const g = geoOf(c);
    const y = m.forward(x);
    const bias = m.bias ? f64(m.bias.data) : null;
    const want = conv64(f64(x.data), f64(m.weight.data), bias, g);
    assert.equal(y.size, want.length, c.name);
    assertClose(y.data, want, `${c.name}: y`, 1e-5, 1e-5);
    const OH = outSize(g.H, g.kh, g.sh, g.pt, g.pb, g.dh), OW = outSize(g.W, g.kw, g.sw, g.pl, g.pr, g.dw);
    const expectShape = c.oneD ? [c.N, c.O, OW] : [c.N, c.O, OH, OW];
    assert.deepEqual(y.shape, c.unbatched ? expectShape.slice(1) : expectShape, `${c.name}: output shape`);
    const r = randomF32(y.size, 99);
    const dx = m.backward(new fg.Tensor(r, y.shape));
    assert.deepEqual(dx.shape, x.shape, `${c.name}: dx shape`);
    const inputs = [f64(x.data), f64(m.weight.data), ...(bias ? [bias] : [])];
    checkGradients(c.name, (v) => conv64(v[0], v[1], v[2] ?? null, g), inputs, f64(r), [dx.data, m.weight.grad!.data, m.bias?.grad?.data ?? null]);
  }
});

test('conv2d gives the same bits on both backends, every SIMD level and thread count (forward, dx, dW, db)', () => {
  const configs: [string, number[], number, number | number[], Record<string, unknown>][] = [
    ['3x3 pad 1, P > 256 (several GEMM k blocks per sample)', [3, 8, 20, 21], 16, 3, { padding: 1 }],
    ['groups 2, stride 2, dilation 2', [2, 6, 13, 11], 4, 3, { groups: 2, stride: 2, dilation: 2, padding: 2 }],
    ['1x1', [2, 16, 9, 9], 24, 1, {}],
    ['5x3 same', [1, 3, 10, 12], 5, [5, 3], { padding: 'same' }],
    ['3x3 pad 1, batch of 5', [5, 8, 19, 19], 2, 3, { padding: 1 }],
  ];
  for (const [name, xs, O, k, opts] of configs) {
    const x = new fg.Tensor(randomF32(xs.reduce((a, d) => a * d), 5, { specials: 0.01 }), xs);
    const conv = new Conv2d(xs[1], O, k, { ...opts, generator: new fg.Generator(3) });
    const w = conv.weight.clone(), b = conv.bias!.clone();
    const { groups, padding, stride, dilation } = opts as never;
    const fnOpts = { groups, padding, stride, dilation };
    const outs = sameBitsEverywhere(`conv2d ${name}`, () => {
      const y = conv2d(x, w, b, fnOpts);
      const dy = new fg.Tensor(randomF32(y.size, 11), y.shape);
      const gr = conv2dBackward(dy, x, w, fnOpts);
      return [y.data, gr.dx!.data, gr.dweight.data, gr.dbias!.data];
    });
    assert.ok(outs[0].some((v) => v !== 0) && outs[2].some((v) => v !== 0), `${name}: nontrivial output`);
  }
});

test('a batch is its samples: y and dx are the per-sample bits, dW the per-sample GEMMs folded in sample order', () => {
  const cases: [number[], number, number, Record<string, unknown>][] = [
    [[5, 8, 19, 19], 2, 3, { padding: 1 }],
    [[4, 4, 9, 7], 6, 3, { groups: 2, stride: 2 }],
    [[3, 6, 5, 5], 4, 1, {}],
  ];
  for (const [xs, O, k, opts] of cases) {
    const x = new fg.Tensor(randomF32(xs.reduce((a, d) => a * d), 21), xs);
    const conv = new Conv2d(xs[1], O, k, { ...opts, generator: new fg.Generator(4) });
    const w = conv.weight, b = conv.bias!;
    const y = conv2d(x, w, b, opts);
    const dy = new fg.Tensor(randomF32(y.size, 22), y.shape);
    const gr = conv2dBackward(dy, x, w, opts);
    const per = y.size / xs[0], perX = x.size / xs[0];
    let dwRef = new Float64Array(w.size);
    for (let n = 0; n < xs[0]; n++) {
      const xn = new fg.Tensor(x.data.slice(n * perX, (n + 1) * perX), [1, ...xs.slice(1)]);
      const yn = conv2d(xn, w, b, opts);
      assertSameBits(y.data.subarray(n * per, (n + 1) * per), yn.data, { kernel: 'conv2d y per sample', size: per });
      const dyn = new fg.Tensor(dy.data.slice(n * per, (n + 1) * per), yn.shape);
      const gn = conv2dBackward(dyn, xn, w, opts);
      assertSameBits(gr.dx!.data.subarray(n * perX, (n + 1) * perX), gn.dx!.data, { kernel: 'conv2d dx per sample', size: perX });
      dwRef = dwRef.map((v, i) => v + gn.dweight.data[i]);
    }
    assertClose(gr.dweight.data, dwRef, `dW ${xs.join('x')}`, 1e-4, 1e-4);
  }
});

test('Conv2d accumulates gradients (grad = grad + new) and backwardParameters gives the same parameter gradients', () => {
  const { m, x } = build(CASES[0], 3);
  const dy = new fg.Tensor(randomF32(2 * 4 * 5 * 6, 4), [2, 4, 5, 6]);
  m.forward(x);
  m.backward(dy);
  const g1 = m.weight.grad!.data.slice(), b1 = m.bias!.grad!.data.slice();
  m.backward(dy);
  const twice = Float32Array.from(g1, (v) => Math.fround(v + v));
  assert.deepEqual(m.weight.grad!.data, twice);
  assert.deepEqual(m.bias!.grad!.data, Float32Array.from(b1, (v) => Math.fround(v + v)));
  m.zeroGrad(true);
  m.backwardParameters(dy);
  assert.deepEqual(m.weight.grad!.data, g1);
});

test('Conv2d initialization is torch\'s (kaiming-uniform a = √5: bound 1/√fanIn for weight and bias), seeded', () => {
  const a = new Conv2d(6, 8, [3, 2], { groups: 2, generator: new fg.Generator(1) });
  const b = new Conv2d(6, 8, [3, 2], { groups: 2, generator: new fg.Generator(1) });
  assert.deepEqual(a.weight.shape, [8, 3, 3, 2]);
  assert.deepEqual(a.weight.data, b.weight.data);
  const bound = 1 / Math.sqrt(3 * 3 * 2);
  for (const v of [...a.weight.data, ...a.bias!.data]) assert.ok(Math.abs(v) <= bound + 1e-7, `${v} within ±${bound}`);
  assert.ok(Math.max(...a.weight.data.map(Math.abs)) > 0.8 * bound);
  assert.deepEqual(Object.keys(a.stateDict()), ['weight', 'bias']);
  assert.deepEqual(Object.keys(new Conv1d(2, 3, 3, { bias: false }).stateDict()), ['weight']);
  assert.deepEqual(new Conv1d(2, 3, 3).weight.shape, [3, 2, 3]);
});

test('bad arguments and shapes name the layer, the argument and the rule; nothing changes', () => {
  assertRejects(() => new Conv2d(3, 4, 3, { groups: 2 }), RangeError, /Expected inChannels divisible by groups for Conv2d\(3, 4, 3\) but received inChannels 3 and groups 2/);
  assertRejects(() => new Conv2d(4, 3, 3, { groups: 2 }), RangeError, /Expected outChannels divisible by groups/);
  assertRejects(() => new Conv2d(3, 4, [3, 0]), RangeError, /Expected integers ≥ 1 for kernelSize\[1\] of Conv2d\(3, 4, \[3, 0\]\) but received number 0/);
  assertRejects(() => new Conv2d(3, 4, [3, 3, 3]), TypeError, /Expected an integer or an array of 2 integers for kernelSize of Conv2d/);
  assertRejects(() => new Conv2d(3, 4, 3, { stride: 2, padding: 'same' }), RangeError, /Expected stride 1 for padding 'same' of Conv2d\(3, 4, 3\)/);
  assertRejects(() => new Conv2d(3, 4, 3, { padding: 'full' as never }), RangeError, /padding of Conv2d/);
  assertRejects(() => new Conv2d(3, 4, 3, { paddingMode: 'reflect' as never }), RangeError, /Expected 'zeros' .* for paddingMode of Conv2d/);
  assertRejects(() => new Conv2d(3, 4, 3, { strides: 2 } as never), TypeError, /Unknown option 'strides' for Conv2d\(3, 4, 3\) options/);
  assertRejects(() => new Conv2d(0, 4, 3), RangeError, /inChannels of Conv2d/);
  const m = new Conv2d(3, 4, 3);
  assertRejects(() => m.forward(fg.Tensor.zeros([2, 4, 5, 5])), RangeError, /Expected x of shape \[N, 3, H, W\] for Conv2d\(3, 4, kernelSize=\[3, 3\]\) \(channels = inChannels\) but received shape \[2, 4, 5, 5\]/);
  assertRejects(() => m.forward(fg.Tensor.zeros([3, 5])), RangeError, /Expected x of shape \[N, 3, H, W\] or \[3, H, W\]/);
  assertRejects(() => m.forward(fg.Tensor.zeros([1, 3, 2, 5])), RangeError, /output size floor\(\(L \+ padding before \+ after − dilation·\(kernel − 1\) − 1\) \/ stride\) \+ 1 is 0 × 3 .* \(must be ≥ 1\)/);
  const w = m.weight.data.slice();
  m.forward(fg.Tensor.zeros([1, 3, 4, 4]));
  assertRejects(() => m.backward(fg.Tensor.zeros([1, 4, 3, 3])), RangeError, /Expected dy of shape \[1, 4, 2, 2\] \(the last output of Conv2d\)/, [m.weight.data]);
  assert.deepEqual(m.weight.data, w);
  assert.equal(m.weight.grad, null);
  assertRejects(() => new Conv2d(3, 4, 3).backward(fg.Tensor.zeros([1])), Error, /Conv2d.backward\(\) needs a forward\(\) first/);
  assertRejects(() => conv2d(fg.Tensor.zeros([1, 4, 5, 5]), fg.Tensor.zeros([6, 2, 3, 3]), null, { groups: 3 }), RangeError, /Expected outChannels divisible by groups for conv2d but received outChannels 6 \(weight.shape\[0\]\) and groups 3|Expected x of shape \[N, 6, H, W\]/);
  assertRejects(() => conv2d(fg.Tensor.zeros([1, 4, 5, 5]), fg.Tensor.zeros([6, 2, 3, 3]), fg.Tensor.zeros([5]), { groups: 2 }), RangeError, /Expected bias of shape \[6\] \(outChannels\) for conv2d but received shape \[5\]/);
  const c1 = new Conv1d(2, 3, 3);
  assertRejects(() => c1.forward(fg.Tensor.zeros([1, 2, 2])), RangeError, /Conv1d\(2, 3, kernelSize=3\): output size/);
  assertRejects(() => c1.forward(fg.Tensor.zeros([1, 3, 8])), RangeError, /Expected x of shape \[N, 2, L\] for Conv1d\(2, 3, kernelSize=3\) \(channels = inChannels\) but received shape \[1, 3, 8\]/);
});

test('im2col / col2im kernels: native at every SIMD level and thread count gives the TypeScript bits', () => {
  const js = jsKernels();
  const geos = [
    { C: 3, H: 9, W: 11, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 },
    { C: 2, H: 13, W: 7, kh: 3, kw: 2, sh: 2, sw: 3, ph: 2, pw: 0, dh: 2, dw: 1 },
    { C: 5, H: 1, W: 40, kh: 1, kw: 5, sh: 1, sw: 2, ph: 0, pw: 3, dh: 1, dw: 2 },
    { C: 4, H: 6, W: 6, kh: 5, kw: 5, sh: 1, sw: 1, ph: 4, pw: 4, dh: 1, dw: 1 },
  ];
  let compared = 0;
  for (const g0 of geos) {
    const g = { ...g0, OH: Math.floor((g0.H + 2 * g0.ph - g0.dh * (g0.kh - 1) - 1) / g0.sh) + 1, OW: Math.floor((g0.W + 2 * g0.pw - g0.dw * (g0.kw - 1) - 1) / g0.sw) + 1 };
    const K = g.C * g.kh * g.kw, P = g.OH * g.OW;
    const x = randomF32(g.C * g.H * g.W, 1, { specials: 0.05 }), d = randomF32(K * P, 2, { specials: 0.05 });
    const wantCol = new Float32Array(K * P).fill(7), wantDx = new Float32Array(x.length).fill(7);
    js.conv.im2col(x, g, wantCol);
    js.conv.col2im(d, g, wantDx);
    // three samples 5 values apart (the gaps, like other groups' channels, are never written)
    const n = 3, xs = x.length + 5;
    const xb = randomF32(n * xs, 3, { specials: 0.05 }), db = randomF32(K * P * n, 4, { specials: 0.05 });
    const wantColB = new Float32Array(K * P * n).fill(7), wantDxB = new Float32Array(n * xs).fill(7);
    js.conv.im2col(xb, g, wantColB, n, xs);
    js.conv.col2im(db, g, wantDxB, n, xs);
    for (let s = 0; s < n; s++) {
      // sample s's columns are its own im2col; its planes its own col2im
      const one = new Float32Array(K * P), oneDx = new Float32Array(x.length);
      js.conv.im2col(xb.subarray(s * xs, s * xs + x.length), g, one);
      for (let r = 0; r < K; r++) assertSameBits(wantColB.subarray(r * n * P + s * P, r * n * P + (s + 1) * P), one.subarray(r * P, (r + 1) * P), { kernel: 'im2col batch', size: P });
      const dcol = new Float32Array(K * P);
      for (let r = 0; r < K; r++) dcol.set(db.subarray(r * n * P + s * P, r * n * P + (s + 1) * P), r * P);
      js.conv.col2im(dcol, g, oneDx);
      assertSameBits(wantDxB.subarray(s * xs, s * xs + x.length), oneDx, { kernel: 'col2im batch', size: x.length });
      if (s + 1 < n) assert.ok(wantDxB.subarray(s * xs + x.length, (s + 1) * xs).every((v) => v === 7), 'gaps untouched');
    }
    forEachNativeConfig((level, threads, N) => {
      const col = new Float32Array(K * P).fill(7), dx = new Float32Array(x.length).fill(7);
      N.conv.im2col(x, g, col);
      N.conv.col2im(d, g, dx);
      assertSameBits(col, wantCol, { kernel: 'im2col', level, threads, size: K * P });
      assertSameBits(dx, wantDx, { kernel: 'col2im', level, threads, size: x.length });
      const colB = new Float32Array(K * P * n).fill(7), dxB = new Float32Array(n * xs).fill(7);
      N.conv.im2col(xb, g, colB, n, xs);
      N.conv.col2im(db, g, dxB, n, xs);
      assertSameBits(colB, wantColB, { kernel: 'im2col batch', level, threads, size: colB.length });
      assertSameBits(dxB, wantDxB, { kernel: 'col2im batch', level, threads, size: dxB.length });
      compared += 4;
    });
  }
  assert.ok(compared > 0 || process.env.FASTGRAD_ALLOW_NO_NATIVE === '1');
});

test('conv.forward / backwardData / backwardWeight kernels: the per-item im2col + GEMM (+ bias) + col2im bits, dW folded in sample order, native at every SIMD level and thread count', () => {
  const js = jsKernels();
  // [geometry, samples, groups, outPerGroup]: items = samples·groups below, at and above the thread counts
  const cases: [Record<string, number>, number, number, number][] = [
    [{ C: 3, H: 9, W: 11, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, 1, 1, 7],
    [{ C: 2, H: 13, W: 7, kh: 3, kw: 2, sh: 2, sw: 3, ph: 2, pw: 0, dh: 2, dw: 1 }, 3, 2, 5],
    [{ C: 4, H: 6, W: 5, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 }, 5, 1, 9],
    [{ C: 4, H: 17, W: 18, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, 9, 1, 13],
    // several groups whose dW panels do not divide between the threads (5 panels of 16 a group at AVX2)
    [{ C: 8, H: 7, W: 6, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, 2, 3, 14],
  ];
  let compared = 0;
  for (const [g0, n, G, og] of cases) {
    const g = { ...g0, OH: Math.floor((g0.H + 2 * g0.ph - g0.dh * (g0.kh - 1) - 1) / g0.sh) + 1, OW: Math.floor((g0.W + 2 * g0.pw - g0.dw * (g0.kw - 1) - 1) / g0.sw) + 1 } as never as ConvGeometry;
    const K = g.C * g.kh * g.kw, P = g.OH * g.OW, X = g.C * g.H * g.W, T = n * G;
    const x = randomF32(T * X, 21, { specials: 0.02 }), w = randomF32(G * og * K, 22), bias = randomF32(G * og, 23), dy = randomF32(T * og * P, 24, { specials: 0.02 });
    // the reference: one item at a time through im2col, the GEMM, the bias add and col2im
    const wantY = new Float32Array(T * og * P), wantYnb = new Float32Array(T * og * P), wantDx = new Float32Array(T * X), wantDw = new Float32Array(G * og * K);
    for (let t = 0; t < T; t++) {
      const q = t % G, col = new Float32Array(K * P), wq = w.subarray(q * og * K, (q + 1) * og * K);
      js.conv.im2col(x.subarray(t * X, (t + 1) * X), g, col);
      const y = wantYnb.subarray(t * og * P, (t + 1) * og * P);
      js.gemm.gemm(wq, col, y, og, P, K, false, false, 1, 0, null, 'none');
      for (let o = 0; o < og; o++) for (let p = 0; p < P; p++) wantY[t * og * P + o * P + p] = Math.fround(y[o * P + p] + bias[q * og + o]);
      js.gemm.gemm(wq, dy.subarray(t * og * P, (t + 1) * og * P), col, K, P, og, true, false, 1, 0, null, 'none');
      if (K === g.C) wantDx.set(col, t * X); // pointwise: the GEMM is dx
      else js.conv.col2im(col, g, wantDx.subarray(t * X, (t + 1) * X));
      // dW: the samples of group q in order, beta 0 for the first
      js.conv.im2col(x.subarray(t * X, (t + 1) * X), g, col);
      js.gemm.gemm(dy.subarray(t * og * P, (t + 1) * og * P), col, wantDw.subarray(q * og * K, (q + 1) * og * K), og, K, P, false, true, 1, t < G ? 0 : 1, null, 'none');
    }
    const check = (C: typeof js, tag: Record<string, unknown>) => {
      const y = new Float32Array(T * og * P).fill(7), ynb = new Float32Array(T * og * P).fill(7), dx = new Float32Array(T * X).fill(7);
      C.conv.forward(x, w, bias, y, g, n, G, og);
      C.conv.forward(x, w, null, ynb, g, n, G, og);
      C.conv.backwardData(dy, w, dx, g, n, G, og);
      const dw = new Float32Array(G * og * K).fill(7);
      C.conv.backwardWeight(dy, x, dw, g, n, G, og);
      assertSameBits(dw, wantDw, { kernel: 'conv.backwardWeight', ...tag, size: dw.length });
      assertSameBits(y, wantY, { kernel: 'conv.forward', ...tag, size: y.length });
      assertSameBits(ynb, wantYnb, { kernel: 'conv.forward (no bias)', ...tag, size: y.length });
      assertSameBits(dx, wantDx, { kernel: 'conv.backwardData', ...tag, size: dx.length });
    };
    check(js, { backend: 'js' });
    forEachNativeConfig((level, threads, N) => {
      check(N as typeof js, { level, threads });
      compared += 4;
    });
  }
  assert.ok(compared > 0 || process.env.FASTGRAD_ALLOW_NO_NATIVE === '1');
});

test('convolution bindings reject bad geometry, lengths and overlap without crashing', () => {
  requireNative();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require('../lib/backend/select.js').nativeAddon() as Record<string, (...a: unknown[]) => unknown>;
  // The geometry is 13 named sizes (lib/backend/spec/conv.ts): C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW;
  // then n samples, xStride.
  const geo = [1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 2, 2];
  const one = [...geo, 1, 9];
  const x = new Float32Array(9), col = new Float32Array(16);
  addon.convIm2col(x, ...one, col);
  assertRejects(() => addon.convIm2col(x, ...geo.slice(0, 12), col), TypeError, /for OW/, [col]);
  assertRejects(() => addon.convIm2col(x, 'geo', ...one.slice(1), col), TypeError, /for C but received/, [col]);
  assertRejects(() => addon.convIm2col(x, ...geo.slice(0, 12), -1, 1, 9, col), RangeError, /for OW/, [col]);
  assertRejects(() => addon.convIm2col(x, ...geo.slice(0, 12), 'a', 1, 9, col), TypeError, /for OW/, [col]);
  assertRejects(() => addon.convIm2col(x, 1, 3, 3, 2, 2, 0, 1, 0, 0, 1, 1, 2, 2, 1, 9, col), RangeError, /strides and dilations >= 1/, [col]);
  assertRejects(() => addon.convIm2col(x, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 3, 3, 1, 9, col), RangeError, /length 36 for col but received length 16/, [col]);
  assertRejects(() => addon.convIm2col(new Float32Array(8), ...one, col), RangeError, /x of length >= 9/, [col]);
  assertRejects(() => addon.convIm2col(col.subarray(0, 9), ...one, col), RangeError, /col.*x|overlap/, []);
  assertRejects(() => addon.convCol2im(col, ...one, new Float64Array(9)), TypeError, /Float32Array for dx/, [col]);
  assertRejects(() => addon.convCol2im(col, 1, 2 ** 31, 2 ** 31, 2, 2, 1, 1, 0, 0, 1, 1, 2, 2, 1, 9, x), RangeError, /for H/, [x]);
  // huge output geometry with tiny arrays: a length error, not a wild write
  assertRejects(() => addon.convCol2im(col, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 100000, 100000, 1, 9, x), RangeError, /for col/, [x]);
  // several samples: overlapping samples, an array too short for the last sample, a huge count
  const col2 = new Float32Array(32), x2 = new Float32Array(20);
  addon.convIm2col(x2, ...geo, 2, 11, col2);
  assertRejects(() => addon.convIm2col(x2, ...geo, 2, 8, col2), RangeError, /xStride >= C·H·W = 9/, [col2]);
  assertRejects(() => addon.convIm2col(x2, ...geo, 2, 12, col2), RangeError, /x of length >= 21/, [col2]);
  assertRejects(() => addon.convCol2im(col2, ...geo, 2, 12, x2), RangeError, /dx of length >= 21/, [x2]);
  assertRejects(() => addon.convCol2im(col2, ...geo, 2 ** 40, 9, x2), RangeError, /fit in memory|for col/, [x2]);
  // convForward / convBackwardData: 13 sizes, then n, groups, outPerGroup (weight: groups·outPerGroup rows of C·kh·kw)
  const wt = new Float32Array(4 * 3), y3 = new Float32Array(2 * 3 * 4), bb = new Float32Array(3);
  addon.convForward(x2.subarray(0, 18), wt, bb, y3, ...geo, 2, 1, 3);
  addon.convForward(x2.subarray(0, 18), wt, null, y3, ...geo, 2, 1, 3);
  addon.convBackwardData(y3, wt, x2.subarray(0, 18), ...geo, 2, 1, 3);
  assertRejects(() => addon.convForward(x2, wt, bb, y3, ...geo, 2, 1, 3), RangeError, /length 18 for x but received length 20/, [y3]);
  assertRejects(() => addon.convForward(x2.subarray(0, 18), wt.subarray(1), bb, y3, ...geo, 2, 1, 3), RangeError, /for weight/, [y3]);
  assertRejects(() => addon.convForward(x2.subarray(0, 18), wt, bb.subarray(1), y3, ...geo, 2, 1, 3), RangeError, /for bias/, [y3]);
  assertRejects(() => addon.convForward(x2.subarray(0, 18), wt, bb, y3.subarray(1), ...geo, 2, 1, 3), RangeError, /for y/, [y3]);
  assertRejects(() => addon.convForward(x2.subarray(0, 18), wt, bb, y3, ...geo, 2, 0, 3), RangeError, /groups >= 1/, [y3]);
  assertRejects(() => addon.convForward(y3.subarray(0, 18), wt, bb, y3, ...geo, 2, 1, 3), RangeError, /overlap/, []);
  assertRejects(() => addon.convForward(x2.subarray(0, 18), wt, 'b', y3, ...geo, 2, 1, 3), TypeError, /Float32Array for bias/, [y3]);
  assertRejects(() => addon.convBackwardData(y3.subarray(1), wt, x2.subarray(0, 18), ...geo, 2, 1, 3), RangeError, /for dy/, [x2]);
  assertRejects(() => addon.convBackwardData(y3, wt, x2, ...geo, 2, 1, 3), RangeError, /for dx/, [x2]);
  assertRejects(() => addon.convBackwardData(y3, wt, x2.subarray(0, 18), ...geo, 2 ** 40, 1, 3), RangeError, /fit in memory|for dy/, [x2]);
  addon.convBackwardWeight(y3, x2.subarray(0, 18), wt, ...geo, 2, 1, 3);
  assertRejects(() => addon.convBackwardWeight(y3, x2, wt, ...geo, 2, 1, 3), RangeError, /for x/, [wt]);
  assertRejects(() => addon.convBackwardWeight(y3, x2.subarray(0, 18), wt.subarray(2), ...geo, 2, 1, 3), RangeError, /for dw/, [wt]);
  assertRejects(() => addon.convBackwardWeight(y3, x2.subarray(0, 18), y3.subarray(0, 12), ...geo, 2, 1, 3), RangeError, /overlap/, []);
  const dw0 = new Float32Array(12).fill(7);
  addon.convBackwardWeight(new Float32Array(0), new Float32Array(0), dw0, ...geo, 0, 1, 3);
  assert.ok(dw0.every((v) => Object.is(v, 0)), 'an empty batch gives dW = +0');
});
