// Batch normalization: PyTorch golden vectors on both backends, float64 finite-difference gradient
// checks, the paper's population statistics (momentum null), native (every SIMD level, 1/2/3 threads)
// vs TypeScript bit for bit on every layout, and bad input.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import type { BatchNormLayout, Kernels } from '../lib/backend/kernels.js';
import { assertClose as closeTo, assertRejects, assertSameBits, forEachNativeConfig, jsKernels, randomF32, requireNative, rng } from './support/harness.js';

const { BatchNorm1d, BatchNorm2d } = fg.nn;
const F = fg.nn.functional;
const BACKENDS = ['js', 'native'] as const;

function onBackends(fn: (backend: 'js' | 'native') => void): void {
  try {
    for (const b of BACKENDS) {
      if (b === 'native') requireNative();
      fg.setBackend(b);
      fn(b);
    }
  } finally {
    fg.setBackend('native');
  }
}

// ---------------------------------------------------------------------------------------------
// Golden vectors (PyTorch 1.13). PyTorch's op order differs from ours (it folds the affine into
// x·α + β and sums in another order), so values are compared with |a − b| <= ATOL + RTOL·|b|.
const ATOL = 1e-5;
const RTOL = 1e-5;

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = ATOL, rtol = RTOL): void =>
  closeTo(actual, expected, what, atol, rtol);

interface GoldenBatch { x: number[]; y: number[]; dy: number[]; dx: number[]; runningMean: number[]; runningVar: number[]; dweight?: number[]; dbias?: number[] }
interface GoldenCase {
  name: string;
  module: 'BatchNorm1d' | 'BatchNorm2d';
  shape: number[];
  options: { eps: number; momentum: number | null; affine: boolean };
  weight: number[] | null;
  bias: number[] | null;
  trainBatches: GoldenBatch[];
  eval: { x: number[]; y: number[] };
}

const golden = JSON.parse(fs.readFileSync(path.resolve(__dirname, 'fixtures/batchnorm.json'), 'utf8')) as { cases: GoldenCase[] };

test('golden: every PyTorch case, training batches (y, running stats, dx, dweight, dbias) then eval, on both backends', () => {
  assert.ok(golden.cases.length >= 6);
  onBackends((backend) => {
    for (const gc of golden.cases) {
      const C = gc.shape[1];
      const bn = gc.module === 'BatchNorm1d' ? new BatchNorm1d(C, gc.options) : new BatchNorm2d(C, gc.options);
      if (gc.weight) bn.weight!.data.set(gc.weight);
      if (gc.bias) bn.bias!.data.set(gc.bias);
      assert.equal(bn.weight === null, !gc.options.affine);
      gc.trainBatches.forEach((b, k) => {
        const what = `${backend} ${gc.name} batch ${k}`;
        if (bn.weight) bn.weight.grad = null;
        if (bn.bias) bn.bias.grad = null;
        const y = bn.forward(fg.Tensor.from(b.x, gc.shape));
        assert.deepEqual(y.shape, gc.shape);
        assertClose(y.data, b.y, `${what} y`);
        assertClose(bn.runningMean!.data, b.runningMean, `${what} runningMean`);
        assertClose(bn.runningVar!.data, b.runningVar, `${what} runningVar`);
        assert.equal(bn.numBatchesTracked, k + 1);
        const dx = bn.backward(fg.Tensor.from(b.dy, gc.shape));
        assertClose(dx.data, b.dx, `${what} dx`);
        if (b.dweight) assertClose(bn.weight!.grad!.data, b.dweight, `${what} dweight`);
        if (b.dbias) assertClose(bn.bias!.grad!.data, b.dbias, `${what} dbias`);
      });
      bn.eval();
      assertClose(bn.forward(fg.Tensor.from(gc.eval.x, gc.shape)).data, gc.eval.y, `${backend} ${gc.name} eval y`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// float64 reference: forward (training or eval) and a loss Σ y·w for finite differences.
interface Ref64 { x: Float64Array; gamma: Float64Array; beta: Float64Array }

function forward64(L: BatchNormLayout, r: Ref64, eps: number, running?: { mean: Float64Array; var: Float64Array }): Float64Array {
  const { outer, channels: C, inner } = L;
  const m = outer * inner, y = new Float64Array(r.x.length);
  for (let c = 0; c < C; c++) {
    let mean = 0, v = 0;
    const at = (j: number) => (Math.floor(j / inner) * C + c) * inner + (j % inner);
    if (running) {
      mean = running.mean[c];
      v = running.var[c];
    } else {
      for (let j = 0; j < m; j++) mean += r.x[at(j)];
      mean /= m;
      for (let j = 0; j < m; j++) v += (r.x[at(j)] - mean) ** 2;
      v /= m;
    }
    const inv = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < m; j++) y[at(j)] = (r.x[at(j)] - mean) * inv * r.gamma[c] + r.beta[c];
  }
  return y;
}

function gradCheck(shape: number[], seed: number, training: boolean): void {
  const x = randomF32(shape.reduce((a, b) => a * b, 1), seed, { lo: -3, hi: 3 });
  const C = shape[1];
  const L = F.batchNormLayout(shape);
  const w = randomF32(x.length, seed + 1); // loss = Σ y·w, so dy = w
  const gamma = randomF32(C, seed + 2, { lo: 0.5, hi: 2 }), beta = randomF32(C, seed + 3);
  const rm = randomF32(C, seed + 4), rv = randomF32(C, seed + 5, { lo: 0.5, hi: 2 });
  const eps = 1e-5;
  const bn = shape.length === 4 ? new BatchNorm2d(C) : new BatchNorm1d(C);
  bn.weight!.data.set(gamma);
  bn.bias!.data.set(beta);
  bn.runningMean!.data.set(rm);
  bn.runningVar!.data.set(rv);
  bn.train(training);
  bn.forward(new fg.Tensor(x.slice(), shape));
  const dx = bn.backward(new fg.Tensor(w, shape)).data;
  const ref: Ref64 = { x: Float64Array.from(x), gamma: Float64Array.from(gamma), beta: Float64Array.from(beta) };
  const running = training ? undefined : { mean: Float64Array.from(rm), var: Float64Array.from(rv) };
  const loss = () => forward64(L, ref, eps, running).reduce((s, y, i) => s + y * w[i], 0);
  const h = 1e-6;
  const central = (arr: Float64Array, i: number) => {
    const v = arr[i];
    arr[i] = v + h;
    const lp = loss();
    arr[i] = v - h;
    const lm = loss();
    arr[i] = v;
    return (lp - lm) / (2 * h);
  };
  const what = `${fg.getBackend()} ${training ? 'train' : 'eval'} [${shape}]`;
  const fdx = Array.from(x, (_, i) => central(ref.x, i));
  const scale = Math.max(...fdx.map(Math.abs));
  assertClose(dx, fdx, `${what} dx`, 1e-4 * scale, 1e-3);
  assertClose(bn.weight!.grad!.data, Array.from(gamma, (_, c) => central(ref.gamma, c)), `${what} dweight`, 1e-4, 1e-4);
  assertClose(bn.bias!.grad!.data, Array.from(beta, (_, c) => central(ref.beta, c)), `${what} dbias`, 1e-4, 1e-4);
}

test('gradient check: backward (training and eval) against float64 central differences', () => {
  onBackends(() => {
    for (const training of [true, false]) {
      gradCheck([7, 3], 11, training);
      gradCheck([4, 2, 5], 12, training);
      gradCheck([3, 2, 3, 5], 13, training);
    }
  });
});

test('forward is close to float64 even far from zero (shifted statistics, no E[x²] − E[x]² cancellation)', () => {
  onBackends(() => {
    const shape = [64, 3, 9, 7];
    const x = randomF32(64 * 3 * 63, 21, { lo: 9999, hi: 10001 });
    const r = F.batchNormTrain(new fg.Tensor(x, shape));
    const y64 = forward64(F.batchNormLayout(shape), { x: Float64Array.from(x), gamma: new Float64Array(3).fill(1), beta: new Float64Array(3) }, 1e-5);
    assertClose(r.y.data, y64, `${fg.getBackend()} y`, 2e-3, 0);
  });
});

// ---------------------------------------------------------------------------------------------
test('momentum null: running statistics are the batch-norm paper population statistics (float64 formula)', () => {
  onBackends((backend) => {
    for (const shape of [[6, 4], [5, 3, 4, 3]]) {
      const C = shape[1], bn = shape.length === 2 ? new BatchNorm1d(C, { momentum: null }) : new BatchNorm2d(C, { momentum: null });
      const L = F.batchNormLayout(shape), m = L.outer * L.inner, n = m * C;
      const means: number[][] = [], vars: number[][] = [];
      for (let k = 0; k < 7; k++) {
        const x = randomF32(n, 100 + k, { lo: -1 + k, hi: 2 + 2 * k });
        bn.forward(new fg.Tensor(x, shape));
        const mu: number[] = [], va: number[] = [];
        for (let c = 0; c < C; c++) {
          const vals: number[] = [];
          for (let j = 0; j < m; j++) vals.push(x[(Math.floor(j / L.inner) * C + c) * L.inner + (j % L.inner)]);
          const mean = vals.reduce((a, b) => a + b, 0) / m;
          mu.push(mean);
          va.push(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / m);
        }
        means.push(mu);
        vars.push(va);
        const K = k + 1;
        const wantMean = Array.from({ length: C }, (_, c) => means.reduce((s, b) => s + b[c], 0) / K);
        const wantVar = Array.from({ length: C }, (_, c) => (m / (m - 1)) * (vars.reduce((s, b) => s + b[c], 0) / K));
        assert.equal(bn.numBatchesTracked, K);
        assertClose(bn.runningMean!.data, wantMean, `${backend} [${shape}] runningMean after ${K}`, 1e-5, 1e-5);
        assertClose(bn.runningVar!.data, wantVar, `${backend} [${shape}] runningVar after ${K}`, 1e-5, 1e-5);
      }
    }
  });
});

test('momentum 0.1: running = 0.9·running + 0.1·batch with the unbiased variance; resetRunningStats', () => {
  const bn = new BatchNorm1d(2);
  const x = fg.Tensor.from([1, 10, 3, 20, 5, 60], [3, 2]);
  bn.forward(x);
  assertClose(bn.runningMean!.data, [0.3, 3], 'runningMean', 1e-7, 1e-6);
  assertClose(bn.runningVar!.data, [0.9 + 0.1 * 4, 0.9 + 0.1 * 700], 'runningVar', 1e-6, 1e-6);
  bn.resetRunningStats();
  assert.deepEqual(bn.runningMean!.toArray(), [0, 0]);
  assert.deepEqual(bn.runningVar!.toArray(), [1, 1]);
  assert.equal(bn.numBatchesTracked, 0);
});

test('module: defaults, affine false, trackRunningStats false, train/eval, gradients accumulate', () => {
  onBackends(() => {
    const bn = new BatchNorm2d(3);
    assert.equal(bn.eps, 1e-5);
    assert.equal(bn.momentum, 0.1);
    assert.deepEqual(bn.weight!.toArray(), [1, 1, 1]);
    assert.deepEqual(bn.bias!.toArray(), [0, 0, 0]);
    assert.equal(bn.train(), bn);
    assert.equal(bn.eval(), bn);
    assert.equal(bn.training, false);
    bn.train();
    const x = new fg.Tensor(randomF32(2 * 3 * 4 * 5, 31), [2, 3, 4, 5]), dy = new fg.Tensor(randomF32(120, 32), [2, 3, 4, 5]);
    bn.forward(x);
    bn.backward(dy);
    const g1 = bn.weight!.grad!.data.slice(), b1 = bn.bias!.grad!.data.slice();
    bn.backward(dy);
    assert.deepEqual(Array.from(bn.weight!.grad!.data), Array.from(g1, (v) => Math.fround(v + v)));
    assert.deepEqual(Array.from(bn.bias!.grad!.data), Array.from(b1, (v) => Math.fround(v + v)));

    const plain = new BatchNorm2d(3, { affine: false });
    assert.equal(plain.weight, null);
    assert.equal(plain.bias, null);
    const yp = plain.forward(x);
    const ya = new BatchNorm2d(3).forward(x);
    assert.deepEqual(Array.from(yp.data), Array.from(ya.data), 'γ = 1, β = 0 gives the affine-free result');
    assert.equal(plain.backward(dy).size, 120);

    const noTrack = new BatchNorm2d(3, { trackRunningStats: false });
    assert.equal(noTrack.runningMean, null);
    noTrack.eval();
    assert.deepEqual(Array.from(noTrack.forward(x).data), Array.from(ya.data), 'eval without running stats uses batch stats');
  });
});

test('layouts: (N,C) = (N,C,1) = (N,C,1,1), and channels-last is NCHW transposed, bit for bit', () => {
  onBackends((backend) => {
    const x = randomF32(37 * 5, 41);
    const a = F.batchNormTrain(new fg.Tensor(x, [37, 5])).y.data;
    assertSameBits(F.batchNormTrain(new fg.Tensor(x, [37, 5, 1])).y.data, a, { kernel: `${backend} (N,C,1)` });
    assertSameBits(F.batchNormTrain(new fg.Tensor(x, [37, 5, 1, 1])).y.data, a, { kernel: `${backend} (N,C,1,1)` });
    const [N, C, H, W] = [3, 5, 7, 9];
    const nchw = randomF32(N * C * H * W, 42), dy = randomF32(nchw.length, 43);
    const toNhwc = (t: Float32Array) => {
      const o = new Float32Array(t.length);
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) o[((n * H + h) * W + w) * C + c] = t[((n * C + c) * H + h) * W + w];
      return o;
    };
    const first = new BatchNorm2d(C), last = new BatchNorm2d(C, { channelsLast: true });
    const y1 = first.forward(new fg.Tensor(nchw, [N, C, H, W])), y2 = last.forward(new fg.Tensor(toNhwc(nchw), [N, H, W, C]));
    assertSameBits(y2.data, toNhwc(y1.data), { kernel: `${backend} channels-last y` });
    assertSameBits(last.runningVar!.data, first.runningVar!.data, { kernel: `${backend} channels-last runningVar` });
    const d1 = first.backward(new fg.Tensor(dy, [N, C, H, W])), d2 = last.backward(new fg.Tensor(toNhwc(dy), [N, H, W, C]));
    assertSameBits(d2.data, toNhwc(d1.data), { kernel: `${backend} channels-last dx` });
    assertSameBits(last.weight!.grad!.data, first.weight!.grad!.data, { kernel: `${backend} channels-last dweight` });
  });
});

test('out option: functional results written in place or into a given tensor are the allocating results, bit for bit', () => {
  onBackends((backend) => {
    const shape = [4, 3, 5, 6], n = 360;
    const x = new fg.Tensor(randomF32(n, 61), shape), dy = new fg.Tensor(randomF32(n, 62), shape);
    const w = new fg.Tensor(randomF32(3, 63), [3]), b = new fg.Tensor(randomF32(3, 64), [3]), rv = new fg.Tensor(randomF32(3, 65, { lo: 0.5, hi: 2 }), [3]);
    const ref = F.batchNormTrain(x, w, b);
    const out = fg.Tensor.zeros(shape);
    assert.equal(F.batchNormTrain(x, w, b, { out }).y, out);
    assertSameBits(out.data, ref.y.data, { kernel: `${backend} train out` });
    const g = F.batchNormBackward(dy, x, ref.mean, ref.invstd, w);
    const dyCopy = dy.clone();
    assert.equal(F.batchNormBackward(dyCopy, x, ref.mean, ref.invstd, w, { out: dyCopy }).dx, dyCopy);
    assertSameBits(dyCopy.data, g.dx.data, { kernel: `${backend} backward in place on dy` });
    const ge = F.batchNormEvalBackward(dy, x, ref.mean, rv, w);
    const dy2 = dy.clone();
    const ge2 = F.batchNormEvalBackward(dy2, x, ref.mean, rv, w, { out: dy2 });
    assertSameBits(dy2.data, ge.dx.data, { kernel: `${backend} eval backward in place on dy` });
    assertSameBits(ge2.dweight!.data, ge.dweight!.data, { kernel: `${backend} eval backward in place dweight` });
    const xe = x.clone();
    F.batchNormEval(xe, ref.mean, rv, w, b, { out: xe });
    assertSameBits(xe.data, F.batchNormEval(x, ref.mean, rv, w, b).data, { kernel: `${backend} eval in place` });
    const buf = new Float32Array(n + 1);
    assertRejects(() => F.batchNormTrain(new fg.Tensor(buf.subarray(0, n), shape), w, b, { out: new fg.Tensor(buf.subarray(1), shape) }), RangeError, /partly overlaps/, [buf]);
    assertRejects(() => F.batchNormTrain(x, w, b, { out: fg.Tensor.zeros([4, 3, 6, 5]) }), RangeError, /Expected out of shape \[4, 3, 5, 6\] for batchNormTrain/);
    const bn = new BatchNorm2d(3);
    assertRejects(() => bn.forward(x, { out: x }), RangeError, /not to overlap x/, [x.data]);
    const yo = fg.Tensor.zeros(shape);
    assert.equal(bn.forward(x, { out: yo }), yo);
    assertSameBits(yo.data, F.batchNormTrain(x).y.data, { kernel: `${backend} module out` });
  });
});

// ---------------------------------------------------------------------------------------------
// Conformance: every kernel pass, native at every SIMD level × 1/2/3 threads vs TypeScript, bit for bit.
const LAYOUTS: [string, BatchNormLayout][] = [
  ['(N,C) 1 channel', { outer: 33, channels: 1, inner: 1 }],
  ['(N,C) 2 channels', { outer: 2, channels: 2, inner: 1 }],
  ['(N,C) 37 channels', { outer: 301, channels: 37, inner: 1 }],
  ['(N,C) 5000 rows', { outer: 5000, channels: 19, inner: 1 }],
  ['(N,C,L) odd', { outer: 5, channels: 3, inner: 9 }],
  ['(N,C,H,W) 1 channel', { outer: 3, channels: 1, inner: 15 * 17 }],
  ['(N,C,H,W) 2 channels, blocks', { outer: 3, channels: 2, inner: 71 * 29 }],
  ['(N,C,H,W) 14x14', { outer: 5, channels: 7, inner: 196 }],
  ['(N,C,H,W) threads', { outer: 2, channels: 3, inner: 129 * 131 }],
  ['(N,C,H,W) 16-aligned', { outer: 4, channels: 3, inner: 56 * 56 }],
  ['(N,H,W,C) channels-last', { outer: 3 * 45 * 31, channels: 3, inner: 1 }],
  ['(N,H,W,C) channels-last wide', { outer: 2 * 33 * 35, channels: 21, inner: 1 }],
];

function runPasses(K: Kernels, L: BatchNormLayout, seed: number, specials: number): Float32Array[] {
  const n = L.outer * L.channels * L.inner, C = L.channels;
  const x = randomF32(n, seed, { specials }), dy = randomF32(n, seed + 1, { specials });
  const ch = (s: number) => randomF32(C, seed + s, { lo: 0.25, hi: 2 });
  const out = Array.from({ length: 4 }, () => new Float32Array(C));
  K.batchnorm.stats(x, L, out[0], out[1]);
  K.batchnorm.gradSums(x, dy, ch(2), ch(3), L, out[2], out[3]);
  const y = new Float32Array(n), dx = new Float32Array(n), inPlace = x.slice();
  K.batchnorm.affine(x, ch(4), ch(5), ch(6), y, L);
  K.batchnorm.dx(x, dy, ch(2), ch(3), ch(7), ch(8), ch(9), dx, L);
  K.batchnorm.affine(inPlace, ch(4), ch(5), ch(6), inPlace, L);
  return [...out, y, dx, inPlace];
}

test('conformance: stats, gradSums, affine, dx on every layout, native (each SIMD level, 1/2/3 threads) = TypeScript', () => {
  requireNative();
  let comparisons = 0;
  for (const [name, L] of LAYOUTS) {
    for (const [seed, specials] of [[1, 0], [2, 0.03]] as const) {
      const want = runPasses(jsKernels(), L, seed, specials);
      forEachNativeConfig((level, threads, K) => {
        runPasses(K, L, seed, specials).forEach((got, o) => {
          assertSameBits(got, want[o], { kernel: `batchnorm ${name}`, seed, level, threads, size: L.outer * L.channels * L.inner, output: String(o) });
          comparisons++;
        });
      });
    }
  }
  assert.ok(comparisons > 0);
});

test('conformance: module forward/backward/eval on random shapes, native = TypeScript at every level and thread count', () => {
  requireNative();
  const shapes: [number[], boolean][] = [[[9, 1], false], [[2, 2, 3], false], [[6, 2, 13, 11], false], [[3, 1, 97, 101], false], [[2, 15, 17, 3], true]];
  const r = rng(7);
  for (const [shape, channelsLast] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1), C = channelsLast ? shape[3] : shape[1];
    const x = randomF32(n, 50 + n, { specials: 0.01 }), dy = randomF32(n, 51 + n);
    const run = (): Float32Array[] => {
      const bn = shape.length === 4 ? new BatchNorm2d(C, { channelsLast, momentum: null }) : new BatchNorm1d(C);
      bn.weight!.data.set(randomF32(C, 52));
      bn.bias!.data.set(randomF32(C, 53));
      const y = bn.forward(new fg.Tensor(x, shape)).data;
      const dx = bn.backward(new fg.Tensor(dy, shape)).data;
      bn.eval();
      const ye = bn.forward(new fg.Tensor(x, shape)).data;
      const dxe = bn.backward(new fg.Tensor(dy, shape)).data;
      return [y, dx, ye, dxe, bn.runningMean!.data, bn.runningVar!.data, bn.weight!.grad!.data, bn.bias!.grad!.data];
    };
    fg.setBackend('js');
    const want = run();
    fg.setBackend('native');
    forEachNativeConfig((level, threads) => {
      run().forEach((got, o) => assertSameBits(got, want[o], { kernel: `module [${shape}]`, level, threads, output: String(o), seed: r() }));
    });
  }
});

// ---------------------------------------------------------------------------------------------
test('bad input: clear errors naming the argument; nothing changed', () => {
  onBackends(() => {
    const bn = new BatchNorm1d(5);
    const snapshot = () => [bn.runningMean!.data, bn.runningVar!.data, bn.weight!.data, bn.bias!.data];
    assertRejects(() => bn.forward(fg.Tensor.zeros([1, 5])), RangeError, /^Expected more than 1 value per channel when training, got input size \[1, 5\]$/, snapshot());
    assertRejects(() => bn.forward(fg.Tensor.zeros([1, 5, 1])), RangeError, /more than 1 value per channel/, snapshot());
    assert.equal(bn.numBatchesTracked, 0);
    assert.equal(bn.forward(fg.Tensor.zeros([1, 5, 2])).size, 10, 'N = 1 with L = 2 is two values per channel');
    assert.equal(bn.eval().forward(fg.Tensor.zeros([1, 5])).size, 5, 'eval accepts one value per channel');
    bn.train();
    assertRejects(() => bn.forward(fg.Tensor.zeros([2, 5, 2, 2])), RangeError, /Expected a 2-D \(N, C\) or 3-D \(N, C, L\) input for x of BatchNorm1d but received shape \[2, 5, 2, 2\]/, snapshot());
    assertRejects(() => bn.forward(fg.Tensor.zeros([5])), RangeError, /received shape \[5\]/, snapshot());
    assertRejects(() => bn.forward(fg.Tensor.zeros([4, 3])), RangeError, /Expected x with 5 channels \(numFeatures\) for BatchNorm1d but received shape \[4, 3\]/, snapshot());
    assertRejects(() => bn.forward([1, 2] as never), TypeError, /Expected a Tensor for x but received an Array of length 2/);
    assertRejects(() => new BatchNorm2d(3).forward(fg.Tensor.zeros([2, 3, 4])), RangeError, /4-D \(N, C, H, W\) input for x of BatchNorm2d/);
    assertRejects(() => new BatchNorm2d(3, { channelsLast: true }).forward(fg.Tensor.zeros([2, 3, 4, 4])), RangeError, /Expected x with 3 channels/);
    for (const eps of [NaN, Infinity, -1]) assertRejects(() => new BatchNorm1d(2, { eps }), RangeError, /Expected a finite number >= 0 for eps but received number/);
    assertRejects(() => new BatchNorm1d(2, { eps: '1e-5' as never }), TypeError, /for eps but received string "1e-5"/);
    for (const momentum of [1.5, -0.1, NaN]) assertRejects(() => new BatchNorm1d(2, { momentum }), RangeError, /Expected a number in \[0, 1\] for momentum but received number/);
    assertRejects(() => new BatchNorm1d(2, { momentum: '0.1' as never }), TypeError, /Expected a number in \[0, 1\] or null for momentum/);
    assertRejects(() => new BatchNorm1d(0), RangeError, /Expected an integer >= 1 for numFeatures but received number 0/);
    assertRejects(() => new BatchNorm1d(2.5), RangeError, /numFeatures/);
    assertRejects(() => new BatchNorm1d(2, { affine: 'yes' as never }), TypeError, /Expected a boolean for affine/);
    assertRejects(() => new BatchNorm1d(2, { channelsLast: true } as never), TypeError, /Unknown option 'channelsLast'/);
    assertRejects(() => new BatchNorm1d(2).backward(fg.Tensor.zeros([2, 2])), Error, /backward\(\) needs a forward\(\) first/);
    const b2 = new BatchNorm1d(2);
    b2.forward(fg.Tensor.from([1, 2, 3, 4], [2, 2]));
    assertRejects(() => b2.backward(fg.Tensor.zeros([2, 3])), RangeError, /Expected dy of shape \[2, 2\] \(the shape of x\) but received shape \[2, 3\]/, [b2.weight!.data]);
    assert.equal(b2.weight!.grad, null, 'a rejected backward adds no gradient');
    const x = fg.Tensor.zeros([4, 3]);
    assertRejects(() => F.batchNormTrain(x, fg.Tensor.zeros([2])), RangeError, /Expected weight of shape \[3\] but received shape \[2\]/);
    assertRejects(() => F.batchNormEval(x, fg.Tensor.zeros([3]), 'v' as never), TypeError, /Expected a Tensor for runningVar/);
    const rm = fg.Tensor.zeros([3]), rv = fg.Tensor.zeros([3]);
    assertRejects(() => F.updateRunningStats(rm, rv, rm, rv, 2), RangeError, /momentum/, [rm.data, rv.data]);
  });
});

test('binding second line of checks: wrong types, lengths, overlap never crash', () => {
  requireNative();
  const addon = require('../lib/backend/select.js').nativeAddon() as Record<string, (...a: unknown[]) => unknown>;
  const x = new Float32Array(12), s1 = new Float32Array(3), s2 = new Float32Array(3), y = new Float32Array(12);
  assertRejects(() => addon.bnStats(x, 2, 3, 2, s1, new Float64Array(3)), TypeError, /Expected Float32Array for s2/, [s1]);
  assertRejects(() => addon.bnStats(x, 2, 3, 3, s1, s2), RangeError, /length 18 for x/, [s1, s2]);
  assertRejects(() => addon.bnStats(x, 2, 0, 2, s1, s2), RangeError, /channels/, [s1, s2]);
  assertRejects(() => addon.bnStats(x, 2, 3, 2, x.subarray(0, 3), s2), RangeError, /overlap/, [x]);
  const buf = new Float32Array(13);
  assertRejects(() => addon.bnAffine(buf.subarray(0, 12), s1, s2, s1, buf.subarray(1), 2, 3, 2), RangeError, /Expected y to be the same array as x or not to overlap it/, [buf]);
  assertRejects(() => addon.bnAffine(x, s1, s2, s1, x.subarray(1), 2, 3, 2), RangeError, /length 12 for y/, [x]);
  assertRejects(() => addon.bnAffine(x, s1, s2, s1, s2, 2, 3, 2), RangeError, /length 12 for y/, [s2]);
  assertRejects(() => addon.bnDx(x, y, s1, s2, s1, s2, s1, y, -1, 3, 2), RangeError, /outer/, [y]);
  assertRejects(() => addon.bnGradSums(x, y, s1, s2, 2, 3, 2, s1, s2), RangeError, /overlap/, [s1, s2]);
  assertRejects(() => addon.bnDx(x, y, s1, s2, s1, s2, s1, y, 2, 3), TypeError, /inner/, [y]);
  const d = new Float32Array(12);
  structuredClone(d.buffer, { transfer: [d.buffer] });
  assertRejects(() => addon.bnStats(d, 2, 3, 2, s1, s2), TypeError, /detached/, [s1, s2]);
});
