// fastgrad/tfjs: the backend's registration, each fastgrad kernel against the CPU backend's result on
// random inputs (and proof that fastgrad's code ran: kernelCounts), gradients through tf.grads, the
// fgtf.train optimizers against fastgrad's own, and a tfjs-layers model trained with model.fit.
// Tolerance: |fastgrad - cpu| <= 1e-5 + 1e-5·|cpu| for elementwise and unary maps; for products and
// reductions |fastgrad - cpu| <= 1e-5·(1 + Σ|terms|) (the two sum in different orders).
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fg from '../lib/index.js';
import * as fgtf from '../lib/tfjs/index.js';
import { randomF32 } from './support/harness.js';

const root = path.resolve(__dirname, '..');

function runChild(code: string, env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return r.stdout.trim();
}

let seed = 1000;
const rand = (shape: number[], lo = -2, hi = 2) => tf.tensor(randomF32(shape.reduce((a, b) => a * b, 1), seed++, { lo, hi }), shape);

/** Runs f on 'cpu' and on 'fastgrad' (same inputs), returns both results' values. */
function onBoth(f: () => tf.Tensor): { cpu: Float32Array; fg: Float32Array; shape: number[] } {
  tf.setBackend('cpu');
  const c = f();
  tf.setBackend('fastgrad');
  const g = f();
  assert.deepEqual(g.shape, c.shape);
  return { cpu: c.dataSync() as Float32Array, fg: g.dataSync() as Float32Array, shape: g.shape };
}

function assertClose(got: Float32Array, want: Float32Array, tol: (i: number) => number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i] || (Number.isNaN(want[i]) && Number.isNaN(got[i]))) continue;
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol(i))) assert.fail(`${what}: element ${i}: fastgrad ${got[i]} vs cpu ${want[i]} (tolerance ${tol(i)})`);
  }
}

const elementwiseTol = (want: Float32Array) => (i: number) => 1e-5 + 1e-5 * Math.abs(want[i]);

/** Checks f against cpu and that the kernel ran fastgrad's implementation (fallback: the CPU kernel's count). */
function checkKernel(kernel: string, what: string, f: () => tf.Tensor, tol: (want: Float32Array) => (i: number) => number, ran: 'fastgrad' | 'cpu' = 'fastgrad'): void {
  fgtf.resetKernelCounts();
  const { cpu, fg: got } = onBoth(f);
  const counts = fgtf.kernelCounts()[kernel];
  assert.ok(counts && counts[ran] > 0, `${what}: ${kernel} did not run ${ran}'s code (counts ${JSON.stringify(counts)})`);
  if (ran === 'fastgrad') assert.equal(counts.cpu, 0, `${what}: ${kernel} fell back to the CPU kernel`);
  assertClose(got, cpu, tol(cpu), what);
}

test("importing fastgrad/tfjs registers 'fastgrad' above 'cpu' and 'wasm': a program naming no backend runs on it", () => {
  const out = JSON.parse(runChild(
    "const tf=require('@tensorflow/tfjs-core'); require('./lib/tfjs/index.ts'); tf.tensor([1]).dataSync();" +
    "const names=(b)=>tf.getKernelsForBackend(b).map((k)=>k.kernelName).sort();" +
    "console.log(JSON.stringify({b:tf.getBackend(), k:names('fastgrad'), c:names('cpu')}))",
  ));
  assert.equal(out.b, 'fastgrad');
  // Every CPU kernel is registered for fastgrad (the copied ones plus fastgrad's own), and the only
  // others are the fused activation gradients.
  const cpu = new Set<string>(out.c);
  const fused = ['FastgradAbsGrad', 'FastgradClipByValueGrad', 'FastgradMeanGrad', 'FastgradReluGrad', 'FastgradSigmoidGrad', 'FastgradTanhGrad'];
  assert.deepEqual(out.k.filter((k: string) => !cpu.has(k)), fused);
  assert.equal(out.k.length, out.c.length + fused.length);
  assert.ok(out.c.length > 150);
  assert.ok(fgtf.BACKEND_PRIORITY > 2);
});

test("the main 'fastgrad' entry loads no tfjs module; fastgrad/tfjs resolves through package exports (require and import share one instance)", () => {
  const main = runChild("require('./lib/index.ts'); console.log(Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).length)");
  assert.equal(main, '0');
  const built = runChild(
    "require('fastgrad'); const n = Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).length;" +
    "const a = require('fastgrad/tfjs'); import('fastgrad/tfjs').then((b) => { const tf = require('@tensorflow/tfjs-core');" +
    "console.log(JSON.stringify({n, same: a.FastgradBackend === b.FastgradBackend && a.train.adam === b.train.adam, found: !!tf.findBackendFactory('fastgrad'), names: typeof b.default.train.sgd})) })",
  );
  const o = JSON.parse(built);
  assert.equal(o.n, 0);
  assert.equal(o.same, true);
  assert.equal(o.found, true);
  assert.equal(o.names, 'function');
});

test('BatchMatMul / _FusedMatMul match the CPU backend (transposes, batches, bias, activations)', () => {
  const prodTol = (a: tf.Tensor, b: tf.Tensor) => (want: Float32Array) => () => 1e-5 * (1 + Math.max(...want.map(Math.abs)) + a.shape[a.rank - 1] * 4);
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    const a = rand(ta ? [70, 33] : [33, 70]), b = rand(tb ? [17, 70] : [70, 17]);
    checkKernel('BatchMatMul', `matMul transA=${ta} transB=${tb}`, () => tf.matMul(a, b, ta, tb), prodTol(a, b));
    const bias = rand([17]);
    for (const activation of ['linear', 'relu', 'sigmoid'] as const) {
      checkKernel('_FusedMatMul', `fused ${activation} transA=${ta} transB=${tb}`,
        () => tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation }), prodTol(a, b));
    }
  }
  const a3 = rand([3, 5, 7]), b3 = rand([3, 7, 4]), b2 = rand([7, 4]), a1 = rand([1, 5, 7]);
  checkKernel('BatchMatMul', 'batched', () => tf.matMul(a3, b3), prodTol(a3, b3));
  checkKernel('BatchMatMul', 'b shared by the batch', () => tf.matMul(a3, b2), prodTol(a3, b2));
  const b3t = rand([3, 4, 7]);
  checkKernel('BatchMatMul', 'a shared by the batch, b transposed', () => tf.matMul(a1, b3t, false, true), prodTol(a1, b3));
  const bias2 = rand([1, 4]);
  checkKernel('_FusedMatMul', 'bias [1, n]', () => tf.fused.matMul({ a: a3, b: b2, bias: bias2, activation: 'relu' }), prodTol(a3, b2));
  // Activations the GEMM epilogue does not have run on the CPU kernel.
  checkKernel('_FusedMatMul', 'elu falls back', () => tf.fused.matMul({ a: a3, b: b2, activation: 'elu' }), prodTol(a3, b2), 'cpu');
});

test('Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter match the CPU backend (padding, strides, dilations, non-square kernels)', () => {
  // Sums of C·kh·kw (forward, input gradient: O·kh·kw) products of values within ±2.
  const convTol = (terms: number) => (want: Float32Array) => () => 1e-5 * (1 + Math.max(...want.map(Math.abs)) + terms * 4);
  const cases: { x: number[]; f: number[]; strides: number | [number, number]; pad: 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]]; dil?: number | [number, number] }[] = [
    { x: [2, 9, 11, 3], f: [3, 3, 3, 5], strides: 1, pad: 'same' },
    { x: [3, 10, 8, 4], f: [3, 2, 4, 6], strides: [2, 1], pad: 'valid' },
    { x: [2, 12, 12, 2], f: [5, 5, 2, 3], strides: 2, pad: 'same' },
    { x: [1, 8, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 1 },
    { x: [2, 11, 10, 2], f: [3, 3, 2, 2], strides: 1, pad: 'valid', dil: [2, 1] },
    { x: [2, 7, 7, 5], f: [1, 1, 5, 4], strides: 1, pad: 'valid' },
    { x: [1, 9, 9, 2], f: [3, 3, 2, 3], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  ];
  for (const c of cases) {
    const x = rand(c.x), f = rand(c.f), what = JSON.stringify(c);
    const y = () => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dil ?? 1);
    checkKernel('Conv2D', `conv2d ${what}`, y, convTol(c.f[0] * c.f[1] * c.f[2]));
    if (c.dil !== undefined) continue; // tfjs's backprop kernels take no dilations
    tf.setBackend('cpu');
    const dy = rand(y().shape);
    checkKernel('Conv2DBackpropInput', `input gradient ${what}`,
      () => tf.conv2dTranspose(dy as tf.Tensor4D, f as tf.Tensor4D, c.x as [number, number, number, number], c.strides, c.pad as 'same'),
      convTol(c.f[0] * c.f[1] * c.f[3]));
    checkKernel('Conv2DBackpropFilter', `filter gradient ${what}`,
      () => tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad), dy)))(f),
      convTol(c.x[0] * y().shape[1]! * y().shape[2]!));
  }
  // MaxPoolGrad: non-overlapping, overlapping and padded windows; ties and a NaN window.
  for (const [shape, size, strides, pad] of [
    [[2, 8, 8, 3], 2, 2, 'valid'], [[2, 9, 7, 4], 3, 1, 'same'], [[1, 10, 10, 2], [3, 2], [2, 1], 'valid'], [[3, 7, 7, 5], 3, 2, 'same'],
  ] as const) {
    const xs = shape as unknown as number[];
    const vals = randomF32(xs.reduce((a, b) => a * b, 1), seed++, { lo: -2, hi: 2 });
    for (let i = 0; i < vals.length; i++) vals[i] = Math.round(vals[i]); // five values: ties in every window
    vals[5] = NaN;
    const x = tf.tensor(vals, xs);
    tf.setBackend('cpu');
    const dy = rand(tf.maxPool(x as tf.Tensor4D, size as number, strides as number, pad).shape);
    checkKernel('MaxPoolGrad', `maxPool gradient ${JSON.stringify([shape, size, strides, pad])}`,
      () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size as number, strides as number, pad), dy)))(x), elementwiseTol);
  }
  // Channels first runs on the CPU kernel.
  const xc = rand([1, 3, 8, 8]), fc = rand([3, 3, 3, 2]);
  checkKernel('Conv2D', 'NCHW falls back', () => tf.conv2d(xc as tf.Tensor4D, fc as tf.Tensor4D, 1, 'same', 'NCHW'), convTol(27), 'cpu');
});

test('MaxPool / AvgPool / AvgPoolGrad match the CPU backend (valid, same with odd padding, explicit padding, strides, rounding)', () => {
  const cases: { x: number[]; size: number | [number, number]; strides: number | [number, number]; pad: 'same' | 'valid' | number; round?: 'floor' | 'round' | 'ceil' }[] = [
    { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
    { x: [2, 9, 7, 4], size: 3, strides: 1, pad: 'same' },
    { x: [1, 10, 10, 2], size: [3, 2], strides: [2, 1], pad: 'valid' },
    { x: [3, 7, 8, 5], size: 3, strides: 2, pad: 'same' },
    { x: [2, 8, 9, 2], size: 2, strides: 2, pad: 'same' },
    { x: [1, 9, 9, 3], size: 3, strides: 2, pad: 1, round: 'ceil' },
    { x: [2, 6, 6, 3], size: 1, strides: 2, pad: 'valid' },
  ];
  const exact = () => () => 0;
  // A mean of at most 9 values within ±2, summed in binary32 (fastgrad) or float64 (cpu).
  const meanTol = () => () => 1e-6 * 9 * 2;
  for (const c of cases) {
    const x = rand(c.x), what = JSON.stringify(c);
    const mp = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.size, c.strides, c.pad, c.round);
    const ap = (t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, c.size, c.strides, c.pad, c.round);
    checkKernel('MaxPool', `maxPool ${what}`, () => mp(x), exact);
    checkKernel('AvgPool', `avgPool ${what}`, () => ap(x), meanTol);
    if (c.round !== undefined) continue; // tfjs's avgPool gradient takes no rounding mode
    tf.setBackend('cpu');
    const dy = rand(ap(x).shape);
    checkKernel('AvgPoolGrad', `avgPool gradient ${what}`, () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(ap(t), dy)))(x), meanTol);
  }
  // MaxPoolGrad where windows do not overlap (from MaxPool's maxima): ties in every window, and with a
  // window of −Infinity only (no gradient on the CPU kernel); the CPU kernel's values exactly.
  for (const [shape, size, strides, pad] of [[[2, 8, 8, 3], 2, 2, 'valid'], [[2, 8, 9, 2], 2, 2, 'same'], [[1, 9, 10, 2], [3, 2], [3, 2], 'valid']] as const) {
    for (const negInf of [false, true]) {
      const xs = shape as unknown as number[];
      const vals = randomF32(xs.reduce((a, b) => a * b, 1), seed++, { lo: -2, hi: 2 }).map(Math.round);
      if (negInf) for (const i of [0, xs[3], xs[2] * xs[3], (xs[2] + 1) * xs[3]]) vals[i] = -Infinity;
      const x = tf.tensor(vals, xs);
      tf.setBackend('cpu');
      const dy = rand(tf.maxPool(x as tf.Tensor4D, size as number, strides as number, pad).shape);
      checkKernel('MaxPoolGrad', `maxPool gradient ${JSON.stringify([shape, size, strides, pad, negInf])}`,
        () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size as number, strides as number, pad), dy)))(x), exact);
    }
  }
  // The CPU kernel's rule for a NaN: skipped (a window of NaN only gives −Infinity), and no gradient to it.
  const v = randomF32(2 * 4 * 4 * 2, seed++, { lo: -2, hi: 2 });
  v[3] = NaN;
  for (const i of [17, 19, 25, 27]) v[i] = NaN; // the window at row 1, column 0 of the first sample's second channel: NaN only (−Infinity)
  const xn = tf.tensor(v, [2, 4, 4, 2]);
  checkKernel('MaxPool', 'maxPool with NaNs', () => tf.maxPool(xn as tf.Tensor4D, 2, 2, 'valid'), exact);
  tf.setBackend('cpu');
  const dyn = rand([2, 2, 2, 2]);
  checkKernel('MaxPoolGrad', 'maxPool gradient with NaNs', () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), dyn)))(xn), exact);
  // A 1 × 1 window whose output has x's shape: the CPU kernels return x itself (whatever the padding).
  const x1 = rand([2, 2, 2, 3]);
  checkKernel('MaxPool', 'maxPool 1 × 1 identity falls back', () => tf.maxPool(x1 as tf.Tensor4D, 1, 2, 1), exact, 'cpu');
  checkKernel('AvgPool', 'avgPool 1 × 1 identity falls back', () => tf.avgPool(x1 as tf.Tensor4D, 1, 2, 1), exact, 'cpu');
});

test('Add / Sub / Multiply / RealDiv / AddN give the CPU backend\'s values exactly for every broadcast (one binary32 operation per element); int32 falls back', () => {
  const x = rand([4, 5, 6]);
  const cases: [string, tf.Tensor][] = [
    ['same shape', rand([4, 5, 6])], ['scalar', rand([])], ['row', rand([6])], ['row [5, 6]', rand([1, 5, 6])], ['col', rand([4, 1, 1])],
    ['col [4, 5, 1]', rand([4, 5, 1])], ['middle axis', rand([1, 5, 1])], ['two axes', rand([4, 1, 6])],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [['Add', tf.add], ['Sub', tf.sub], ['Multiply', tf.mul], ['RealDiv', tf.div]];
  const exact = () => () => 0;
  const [p, q] = [rand([4, 1, 6]), rand([5, 1])];
  for (const [kernel, op] of ops) {
    for (const [name, y] of cases) {
      checkKernel(kernel, `${kernel} ${name}`, () => op(x, y), exact);
      if (name !== 'same shape') checkKernel(kernel, `${kernel} with a as the broadcast one (${name})`, () => op(y, x), exact);
    }
    checkKernel(kernel, `${kernel} both broadcast`, () => op(p, q), exact);
  }
  checkKernel('Add', 'int32 falls back', () => tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([4, 5, 6], [3], 'int32')), elementwiseTol, 'cpu');
  const [y1, y2] = [rand([4, 5, 6]), rand([4, 5, 6])];
  checkKernel('AddN', 'AddN', () => tf.addN([x, y1, y2]), exact);
});

test('unary maps and Softmax match the CPU backend', () => {
  const x = rand([3, 50], -6, 6), pos = rand([3, 50], 0.01, 10);
  const maps: [string, () => tf.Tensor][] = [
    ['Relu', () => tf.relu(x)], ['Sigmoid', () => tf.sigmoid(x)], ['Tanh', () => tf.tanh(x)], ['Exp', () => tf.exp(x)],
    ['Log', () => tf.log(pos)], ['Sqrt', () => tf.sqrt(pos)], ['Square', () => tf.square(x)], ['Abs', () => tf.abs(x)], ['Neg', () => tf.neg(x)],
  ];
  for (const [k, f] of maps) checkKernel(k, k, f, elementwiseTol);
  // The CPU kernel's own expressions: the same values exactly.
  const exact = () => () => 0;
  checkKernel('ClipByValue', 'clipByValue (bounds not representable in float32)', () => tf.clipByValue(x, -0.1, 1 - 1e-7), exact);
  // Native clamp with the bounds rounded to binary32: the CPU kernel's values at and next to each
  // bound's rounding, on either side of it, and for NaN, ±0 and ±Infinity.
  const bits = new Float32Array(1), word = new Int32Array(bits.buffer);
  const near = (v: number) => [-2, -1, 0, 1, 2].map((d) => { bits[0] = v; word[0] += v < 0 ? -d : d; return bits[0]; });
  for (const [lo, hi] of [[-0.1, 1 - 1e-7], [0.30000000000000004, 0.7], [-0, 0.5], [0, 0.5], [-1e-46, 0], [-1e39, 1e39]]) {
    // Short (fastgrad's TypeScript clamp) and long (its native clamp, where the addon loaded).
    const vals = [...near(lo), ...near(hi), NaN, -0, 0, Infinity, -Infinity, ...Array.from(x.dataSync())];
    const edge = tf.tensor(vals), long = tf.tensor(Array.from({ length: 64 }, () => vals).flat());
    checkKernel('ClipByValue', `clipByValue [${lo}, ${hi}] at its bounds, long`, () => tf.clipByValue(long, lo, hi), exact);
    checkKernel('ClipByValue', `clipByValue [${lo}, ${hi}] at its bounds`, () => tf.clipByValue(edge, lo, hi), exact);
  }
  checkKernel('Log1p', 'log1p', () => tf.log1p(pos), exact);
  // Native log1p (fastgrad's special family, Math.log1p's bits) on a long input with its specials and (-1, 0).
  const lp = tf.concat([rand([5000], -0.999, 6), tf.tensor([-1, -0.5, -2, -Infinity, NaN, Infinity, -0, 0, 1e-30, -1e-30, 2 ** -54, 1e30])]);
  checkKernel('Log1p', 'log1p long, with specials', () => tf.log1p(lp), exact);
  checkKernel('Softmax', 'softmax 2-D', () => tf.softmax(x), () => () => 1e-6);
  const x3 = rand([2, 3, 10], -5, 5);
  checkKernel('Softmax', 'softmax 3-D', () => tf.softmax(x3), () => () => 1e-6);
});

test('Sum / Mean / Max match the CPU backend over any set of axes', () => {
  const x = rand([6, 7, 8]);
  const sumTol = () => () => 1e-5 * (1 + 2 * 6 * 7 * 8);
  for (const [kernel, f] of [['Sum', tf.sum], ['Mean', tf.mean], ['Max', tf.max]] as const) {
    for (const axis of [undefined, 0, 1, 2, -1, [0, 1], [1, 2], [0, 2], [2, 0]]) {
      for (const keepDims of [false, true]) checkKernel(kernel, `${kernel} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, () => f(x, axis, keepDims), sumTol);
    }
  }
  checkKernel('Sum', 'int32 falls back', () => tf.sum(tf.tensor([1, 2, 3], [3], 'int32')), sumTol, 'cpu');
});

test('GatherV2 matches the CPU backend (axes, batch dims, int32; an index out of range falls back and throws as the CPU kernel does)', () => {
  const x = rand([6, 5, 4]);
  const idx = tf.tensor1d([5, 0, 2, 2, 1], 'int32'), idx2 = tf.tensor2d([[3, 1], [0, 0]], [2, 2], 'int32');
  const exact = () => () => 0;
  for (const axis of [0, 1, 2, -1]) {
    const i = axis === 0 ? idx : tf.tensor1d([3, 0, 1, 3], 'int32');
    checkKernel('GatherV2', `gather axis ${axis}`, () => tf.gather(x, i, axis), exact);
  }
  checkKernel('GatherV2', 'gather with 2-D indices', () => tf.gather(x, idx2, 1), exact);
  checkKernel('GatherV2', 'gather with batchDims 1', () => tf.gather(x, tf.tensor2d([[1, 0, 4], [2, 2, 3], [0, 0, 0], [4, 3, 2], [1, 1, 1], [0, 4, 0]], [6, 3], 'int32'), 2 - 1, 1), exact);
  const xi = tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32');
  fgtf.resetKernelCounts();
  tf.setBackend('fastgrad');
  const gi = tf.gather(xi, tf.tensor1d([2, 0], 'int32'));
  assert.equal(gi.dtype, 'int32');
  assert.deepEqual(Array.from(gi.dataSync()), [5, 6, 1, 2]);
  assert.equal(fgtf.kernelCounts().GatherV2.fastgrad, 1);
  fgtf.resetKernelCounts();
  assert.throws(() => tf.gather(x, tf.tensor1d([0, 6], 'int32')), /GatherV2: the index value 6 is not in \[0, 5\]/);
  assert.equal(fgtf.kernelCounts().GatherV2.cpu, 1);
});

test('FusedBatchNorm matches the CPU backend', () => {
  const x = rand([4, 3, 3, 5]);
  const [m, v, o, s] = [rand([5]), rand([5], 0.1, 2), rand([5]), rand([5])];
  checkKernel('FusedBatchNorm', 'batchNorm', () => tf.batchNorm(x, m, v, o, s, 1e-3), elementwiseTol);
  checkKernel('FusedBatchNorm', 'batchNorm without offset and scale', () => tf.batchNorm(x, m, v), elementwiseTol);
});

test('gradients through tf.grads match the CPU backend', () => {
  const x = rand([8, 12]), w = rand([12, 6]), b = rand([6]), t = rand([8, 6], 0, 1);
  const loss = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    tf.mean(tf.sum(tf.mul(tf.log(tf.softmax(tf.tanh(tf.add(tf.relu(tf.matMul(xx, ww)), bb)))), t), -1));
  const grads = (be: string) => {
    tf.setBackend(be);
    return tf.grads(loss)([x, w, b]).map((g) => g.dataSync() as Float32Array);
  };
  const c = grads('cpu');
  fgtf.resetKernelCounts();
  const g = grads('fastgrad');
  const counts = fgtf.kernelCounts();
  for (const k of ['BatchMatMul', 'Softmax', 'Tanh', 'Relu', 'Multiply', 'Sum']) assert.ok(counts[k]?.fastgrad > 0, `${k} ran on fastgrad`);
  c.forEach((cg, i) => assertClose(g[i], cg, () => 1e-5 * (1 + 12 * 4), `gradient ${i}`));
});

/** Names of the kernels tfjs ran inside f (tf.profile). */
async function kernelsRun(f: () => tf.Tensor | tf.Tensor[]): Promise<string[]> {
  const p = await tf.profile(f as () => tf.Tensor);
  return p.kernels.map((k) => k.name);
}

test('Relu / Sigmoid / Tanh / ClipByValue / Abs gradients run as one fused kernel on fastgrad, with the CPU backend\'s values; second order too', async () => {
  const x = rand([37, 29]), dy = rand([37, 29]);
  // tfjs's own compositions (its gradient configs), from the input x or the output y.
  const one = () => tf.scalar(1);
  const [lo, hi] = [-0.3, 0.7 + 1e-9];
  const clip = (t: tf.Tensor) => tf.clipByValue(t, lo, hi);
  for (const [name, f, fused, composed] of [
    ['relu', tf.relu, 'FastgradReluGrad', (y: tf.Tensor) => tf.mul(dy, tf.cast(tf.step(x), 'float32')) ?? y],
    ['sigmoid', tf.sigmoid, 'FastgradSigmoidGrad', (y: tf.Tensor) => tf.mul(dy, tf.mul(y, tf.sub(one(), y)))],
    ['tanh', tf.tanh, 'FastgradTanhGrad', (y: tf.Tensor) => tf.mul(tf.sub(one(), tf.square(y)), dy)],
    ['clipByValue', clip, 'FastgradClipByValueGrad', (y: tf.Tensor) => tf.where(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), dy, tf.zerosLike(dy)) ?? y],
    ['abs', tf.abs, 'FastgradAbsGrad', (y: tf.Tensor) => tf.mul(dy, tf.step(x, -1)) ?? y],
  ] as const) {
    const grad = () => tf.grad((t: tf.Tensor) => f(t) as tf.Tensor)(x, dy);
    const { cpu, fg: got } = onBoth(grad);
    assertClose(got, cpu, elementwiseTol(cpu), `${name} gradient`);
    tf.setBackend('fastgrad');
    const ran = await kernelsRun(grad);
    assert.ok(ran.includes(fused), `${name}: ran ${ran.join(', ')}`);
    for (const k of ['Multiply', 'Step', 'Select', 'LogicalAnd']) assert.ok(!ran.includes(k), `${name}: no composed gradient ops (ran ${ran.join(', ')})`);
    // The fused kernel does the operations tfjs composes, in the same order: on the same backend, the
    // same values as the composition (relu: up to the sign of 0).
    const want = composed(f(x) as tf.Tensor).dataSync();
    for (let i = 0; i < want.length; i++) assert.ok(got[i] === want[i], `${name} gradient element ${i}: ${got[i]} vs composed ${want[i]}`);
    // Second order, d/dx of sum(dy · f'(x)), through the fused kernel's own gradient: the same outcome
    // as on 'cpu' (tfjs itself cannot differentiate through the saved output of sigmoid and tanh: both throw)
    const second = (be: string) => {
      tf.setBackend(be);
      try {
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.grad((u: tf.Tensor) => f(u) as tf.Tensor)(t, dy), dy)))(x).dataSync().join();
      } catch (e) {
        return `throws: ${(e as Error).message}`;
      }
    };
    // (tfjs has no gradient for LogicalAnd, so through clipByValue it throws where the answer is 0.)
    const cpu2 = second('cpu');
    assert.equal(second('fastgrad'), name === 'clipByValue' ? new Array(x.size).fill(0).join() : cpu2, `${name} second order (cpu: ${cpu2.slice(0, 80)})`);
    // On another backend the same configs compose tfjs's ops.
    tf.setBackend('cpu');
    assert.ok(!(await kernelsRun(grad)).includes(fused), `${name}: the fused kernel ran on 'cpu'`);
  }
  tf.setBackend('fastgrad');
});

test('Mean\'s gradient runs as one kernel on fastgrad (no ones, no Multiply), with the CPU backend\'s values exactly; second order too', async () => {
  const x = rand([6, 5, 7]);
  for (const [axis, keepDims] of [[-1, false], [0, false], [[0, 2], true], [null, false], [1, true]] as [number | number[] | null, boolean][]) {
    const what = `mean gradient over ${JSON.stringify(axis)}${keepDims ? ' (keepDims)' : ''}`;
    tf.setBackend('cpu');
    const dy = rand(tf.mean(x, axis ?? undefined, keepDims).shape);
    const grad = () => tf.grad((t: tf.Tensor) => tf.mean(t, axis ?? undefined, keepDims))(x, dy);
    const { cpu, fg: got } = onBoth(grad);
    assertClose(got, cpu, () => 0, what);
    tf.setBackend('fastgrad');
    const ran = await kernelsRun(grad);
    assert.ok(ran.includes('FastgradMeanGrad'), `${what}: ran ${ran.join(', ')}`);
    for (const k of ['Multiply', 'RealDiv', 'Fill']) assert.ok(!ran.includes(k), `${what}: no composed gradient ops (ran ${ran.join(', ')})`);
    // d/d(dy) of sum(mean's gradient · w): through the kernel's own gradient, as on 'cpu'.
    const w = rand(x.shape);
    const second = (be: string) => {
      tf.setBackend(be);
      return tf.grad((d: tf.Tensor) => tf.sum(tf.mul(tf.grad((t: tf.Tensor) => tf.mean(t, axis ?? undefined, keepDims))(x, d), w)))(dy).dataSync() as Float32Array;
    };
    const cpu2 = second('cpu');
    assertClose(second('fastgrad'), cpu2, elementwiseTol(cpu2), `${what}, second order`);
    tf.setBackend('cpu');
    assert.ok(!(await kernelsRun(grad)).includes('FastgradMeanGrad'), `${what}: the kernel ran on 'cpu'`);
  }
  tf.setBackend('fastgrad');
});

/** The array a tensor's data is held in on the current backend (not through dataSync, which hands it out). */
const held = (t: tf.Tensor): Float32Array => (tf.backend() as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(t.dataId).values;
const pooledBytes = (): number => (tf.memory() as unknown as { pooledBytes: number }).pooledBytes;

test("fastgrad kernels' outputs are recycled once tfjs disposes them, never while anything can still hold them", () => {
  tf.setBackend('fastgrad');
  const backend = tf.backend() as fgtf.FastgradBackend;
  backend.emptyCache();
  assert.equal(pooledBytes(), 0);
  const a = rand([64, 33]), b = rand([64, 33]);
  // Disposed: the next output of the same length reuses the array, and every element is rewritten.
  const r1 = tf.relu(a), arr = held(r1);
  r1.dispose();
  assert.equal(pooledBytes(), 64 * 33 * 4);
  const r2 = tf.add(a, b);
  assert.equal(held(r2), arr, 'the disposed array was reused');
  assert.equal(pooledBytes(), 0);
  const want = tf.tidy(() => { tf.setBackend('cpu'); const w = tf.add(a, b).dataSync().slice(); tf.setBackend('fastgrad'); return w; });
  assert.deepEqual(Array.from(held(r2)), Array.from(want));
  // Read out with dataSync(): the caller holds the array, so it is never recycled.
  const read = r2.dataSync() as Float32Array, copy = read.slice();
  r2.dispose();
  const r3 = tf.mul(a, b);
  assert.notEqual(held(r3), read);
  assert.deepEqual(Array.from(read), Array.from(copy), 'an array handed out was not overwritten');
  // A view of the array under another tensor (a CPU kernel's contiguous slice): never recycled either.
  const sl = tf.slice(r3, [0, 0], [32, 33]), slArr = held(sl);
  assert.equal(slArr.buffer, held(r3).buffer, 'the CPU slice kernel returns a view (the case this guards)');
  const slCopy = slArr.slice();
  r3.dispose();
  const r4 = tf.sub(a, b);
  assert.notEqual(held(r4).buffer, slArr.buffer);
  assert.deepEqual(Array.from(slArr), Array.from(slCopy), 'a live view was not overwritten');
  // The same array under two tensors (reshape shares the data id): recycled only when both are gone.
  const r5 = tf.exp(a), r5b = tf.reshape(r5, [33, 64]), arr5 = held(r5);
  r5.dispose();
  assert.notEqual(held(tf.neg(a)), arr5, 'not recycled while the reshaped tensor lives');
  r5b.dispose();
  assert.equal(held(tf.abs(a)), arr5, 'recycled once both are disposed');
  // Arrays the user handed to tf.tensor() are the user's: never recycled.
  const mine = new Float32Array(64 * 33).fill(3), t = tf.tensor(mine, [64, 33]);
  t.dispose();
  assert.notEqual(held(tf.sqrt(b)), mine);
  assert.ok(mine.every((v) => v === 3));
  // emptyCache drops what is held.
  tf.dispose([tf.relu(a), tf.relu(b)]);
  assert.ok(pooledBytes() > 0);
  backend.emptyCache();
  assert.equal(pooledBytes(), 0);
  tf.disposeVariables();
});

const ALGOS: [keyof typeof fgtf.train, (p: fg.Parameter[]) => fg.optim.Optimizer<any>, Record<string, unknown>][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  ['sgd', (p) => new fg.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }), { lr: 0.1, momentum: 0.9, nesterov: true }],
  ['momentum', (p) => new fg.optim.Momentum(p, { lr: 0.05, momentum: fg.optim.sutskever() }), { lr: 0.05, momentum: fg.optim.sutskever() }],
  ['nag', (p) => new fg.optim.NAG(p, { lr: 0.05, momentum: fg.optim.nesterov83() }), { lr: 0.05, momentum: fg.optim.nesterov83() }],
  ['adam', (p) => new fg.optim.Adam(p, { lr: 0.01, amsgrad: true }), { lr: 0.01, amsgrad: true }],
  ['adamw', (p) => new fg.optim.AdamW(p, { lr: 0.01 }), { lr: 0.01 }],
  ['adagrad', (p) => new fg.optim.Adagrad(p, {}), {}],
  ['rmsprop', (p) => new fg.optim.RMSprop(p, { centered: true, momentum: 0.5 }), { centered: true, momentum: 0.5 }],
  ['adamax', (p) => new fg.optim.Adamax(p, {}), {}],
  ['nadam', (p) => new fg.optim.NAdam(p, {}), {}],
  ['radam', (p) => new fg.optim.RAdam(p, {}), {}],
  ['rprop', (p) => new fg.optim.Rprop(p, {}), {}],
  ['adadelta', (p) => new fg.optim.Adadelta(p, {}), {}],
];

test("every fgtf.train optimizer updates tfjs variables in place with the same bits as fastgrad's own optimizer", () => {
  tf.setBackend('fastgrad');
  for (const [name, make, opts] of ALGOS) {
    const init = [randomF32(30, seed++), randomF32(7, seed++)];
    const shapes = [[5, 6], [7]];
    const src = init.map((d, i) => tf.tensor(d, shapes[i]));
    const vars = src.map((s) => tf.variable(s));
    const opt = (fgtf.train[name] as (o: Record<string, unknown>) => fgtf.FastgradOptimizer)(opts);
    const ps = init.map((d) => new fg.Parameter(d.slice(), [d.length]));
    const ref = make(ps);
    for (let step = 0; step < 4; step++) {
      const gs = init.map((d) => randomF32(d.length, seed++));
      opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(gs[i], shapes[i])])));
      ps.forEach((p, i) => (p.grad = new fg.Tensor(gs[i], [gs[i].length])));
      ref.step();
    }
    vars.forEach((v, i) => assert.deepEqual(v.dataSync(), ps[i].data, `${name}: variable ${i}`));
    // tf.variable(x) shares x's data in tfjs: x is left unchanged.
    src.forEach((s, i) => assert.deepEqual(s.dataSync(), init[i], `${name}: the variable's source tensor ${i}`));
    assert.equal(opt.iterations, 4);
  }
  assert.throws(() => fgtf.train.adam({ lr: -1 }), RangeError);
});

test('fgtf.train works with minimize() and LR schedulers', () => {
  tf.setBackend('fastgrad');
  const w = tf.variable(tf.tensor([3, -2], [2]));
  const opt = fgtf.train.sgd(0.1);
  const sched = new fgtf.train.StepLR(opt.optimizer, { stepSize: 1, gamma: 0.5 });
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const l = opt.minimize(() => tf.sum(tf.square(w)), true);
    losses.push(l!.dataSync()[0]);
    sched.step();
  }
  // w ← w(1 - 2·lr) with lr 0.1, 0.05, 0.025.
  const f = (v: number) => Math.fround(v);
  let a = f(3);
  for (const lr of [0.1, 0.05, 0.025]) a = f(a - f(f(lr) * f(2 * a)));
  assert.equal(w.dataSync()[0], a);
  assert.ok(losses[2] < losses[0]);
  assert.equal(opt.optimizer.paramGroups[0].lr, 0.0125);
});

test('a tfjs-layers model trains with model.fit on fastgrad (fused optimizer) and matches the CPU backend', async () => {
  const run = async (be: string) => {
    tf.setBackend(be);
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [10], units: 16, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
        tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    model.compile({ optimizer: fgtf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const xs = tf.tensor(randomF32(64 * 10, 7), [64, 10]);
    const labels = tf.oneHot(tf.tensor1d(Array.from(randomF32(64, 8, { lo: 0, hi: 3 }), Math.floor), 'int32'), 3);
    const h = await model.fit(xs, labels, { epochs: 5, batchSize: 16, shuffle: false, verbose: 0 });
    return h.history.loss as number[];
  };
  const cpu = await run('cpu');
  fgtf.resetKernelCounts();
  const got = await run('fastgrad');
  assert.ok(fgtf.kernelCounts()._FusedMatMul?.fastgrad > 0);
  assert.ok(got[4] < got[0], `loss went down: ${got}`);
  got.forEach((l, i) => assert.ok(Math.abs(l - cpu[i]) <= 1e-4 * (1 + cpu[i]), `epoch ${i}: ${l} vs cpu ${cpu[i]}`));
});

test('fgtf.train optimizers save their state with getWeights() and resume it with setWeights(): the same bits as training straight through', async () => {
  tf.setBackend('fastgrad');
  const xs = tf.tensor(randomF32(32 * 6, 21), [32, 6]), ys = tf.tensor(randomF32(32 * 2, 22), [32, 2]);
  for (const [algo, make] of [
    ['nadam', () => fgtf.train.nadam(0.01)],
    ['nag (momentum schedule)', () => fgtf.train.nag({ lr: 0.05, momentum: fgtf.train.sutskever() })],
    ['rprop', () => fgtf.train.rprop({})],
  ] as const) {
    const build = (opt: fgtf.FastgradOptimizer) => {
      const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 5, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }), tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) })] });
      m.compile({ optimizer: opt, loss: 'meanSquaredError' });
      return m;
    };
    const fit = (m: tfl.Sequential, epochs: number) => m.fit(xs, ys, { epochs, batchSize: 16, shuffle: false, verbose: 0 });
    const bits = (m: tfl.Sequential) => m.getWeights().map((w) => Array.from(new Uint32Array((w.dataSync() as Float32Array).slice().buffer)));
    const straight = build(make());
    await fit(straight, 4);
    const want = bits(straight);
    const first = make(), resumedOpt = make();
    const m = build(first);
    await fit(m, 2);
    const saved = await first.getWeights();
    assert.equal(saved[0].name, 'iter');
    assert.equal((await saved[0].tensor.data())[0], 4, `${algo}: 4 steps taken`);
    assert.ok(saved.some((w) => w.name.endsWith('/step')), `${algo}: per-variable state saved (${saved.map((w) => w.name)})`);
    // A fresh optimizer on the same variables: without the state the next steps differ, with it they match.
    m.compile({ optimizer: resumedOpt, loss: 'meanSquaredError' });
    await resumedOpt.setWeights(saved);
    assert.equal(resumedOpt.iterations, 4);
    await fit(m, 2);
    assert.deepEqual(bits(m), want, `${algo}: resumed run differs from the straight one`);
    // The control: a fresh optimizer without the saved state does not give those bits.
    const control = build(make());
    await fit(control, 2);
    control.compile({ optimizer: make(), loss: 'meanSquaredError' });
    await fit(control, 2);
    assert.notDeepEqual(bits(control), want, `${algo}: the state made no difference`);
  }
  // State for one variable, then a step of two whose names are not the saved one: neither by name nor by position.
  const opt = fgtf.train.adam(0.1), a = tf.variable(tf.ones([2])), b = tf.variable(tf.ones([2]));
  await opt.setWeights([{ name: 'iter', tensor: tf.scalar(1, 'int32') }, { name: 'nosuch/exp_avg', tensor: tf.zeros([2]) }]);
  const before = [a.dataSync().slice(), b.dataSync().slice()];
  assert.throws(() => opt.minimize(() => tf.sum(tf.add(a, b)) as tf.Scalar), /setWeights\(\) restored \(1: nosuch\)/);
  assert.deepEqual([a.dataSync(), b.dataSync()], before, 'a failed step changes nothing');
});

test('model.save({ includeOptimizer: true }) and tf.loadLayersModel bring an fgtf.train optimizer back: the resumed run has the bits of the run straight through', async () => {
  tf.setBackend('fastgrad');
  const xs = tf.tensor(randomF32(32 * 6, 31), [32, 6]), ys = tf.tensor(randomF32(32 * 2, 32), [32, 2]);
  const make = () => fgtf.train.adam({ lr: 0.01, amsgrad: true, betas: [0.8, 0.99] });
  const build = () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 5, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }) }), tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }) })] });
    m.compile({ optimizer: make(), loss: 'meanSquaredError' });
    return m;
  };
  const fit = (m: tfl.LayersModel, epochs: number) => m.fit(xs, ys, { epochs, batchSize: 16, shuffle: false, verbose: 0 });
  const bits = (m: tfl.LayersModel) => m.getWeights().map((w) => Array.from(new Uint32Array((w.dataSync() as Float32Array).slice().buffer)));
  const straight = build();
  await fit(straight, 4);
  const want = bits(straight);
  const m = build();
  await fit(m, 2);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer: true });
  const cfg = (artifacts!.trainingConfig as unknown as { optimizer_config: { class_name: string; config: Record<string, unknown> } }).optimizer_config;
  assert.equal(cfg.class_name, 'FastgradOptimizer');
  assert.deepEqual(cfg.config, { algorithm: 'adam', lr: 0.01, amsgrad: true, betas: [0.8, 0.99] });
  // In this process the saved variable names belong to m: the loaded model's variables get new ones.
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
  const opt = loaded.optimizer as fgtf.FastgradOptimizer;
  assert.ok(opt instanceof fgtf.FastgradOptimizer);
  assert.equal(opt.algorithm, 'adam');
  assert.equal(opt.iterations, 4);
  await fit(loaded, 2);
  assert.deepEqual(bits(loaded), want, 'the loaded model resumed with its optimizer state');
  // Without the optimizer state, the same weights go elsewhere (the check above can fail).
  const fresh = await tfl.loadLayersModel(tf.io.fromMemory({ ...artifacts!, trainingConfig: undefined }));
  fresh.compile({ optimizer: make(), loss: 'meanSquaredError' });
  await fit(fresh, 2);
  assert.notDeepEqual(bits(fresh), want);
  // A momentum schedule (a function) has no saved form.
  assert.throws(() => fgtf.train.nag({ lr: 0.1, momentum: fgtf.train.sutskever() }).getConfig(), /option 'momentum' is a function/);
  assert.throws(() => fgtf.FastgradOptimizer.fromConfig(fgtf.FastgradOptimizer, { algorithm: 'nosuch' }), /algorithm "nosuch"/);
});

function runChildAsync(code: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`child ${JSON.stringify(env)} failed: ${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

test('same bits with fastgrad native or TypeScript, at every SIMD level and thread counts 1, 2, 3', async () => {
  // A layers model with batch norm and a conv net, trained a few steps with fused optimizers; the hash of every weight.
  const code = `
    const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-core/dist/register_all_gradients');
    const tfl = require('@tensorflow/tfjs-layers'); const fgtf = require('./lib/tfjs/index.ts'); const { randomF32 } = require('./test/support/harness.ts');
    const init = (seed) => tfl.initializers.glorotUniform({ seed });
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [40], units: 300, activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.batchNormalization(),
      tfl.layers.dense({ units: 200, activation: 'tanh', kernelInitializer: init(2) }),
      tfl.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: init(3) }) ] });
    model.compile({ optimizer: fgtf.train.nadam(0.01), loss: 'categoricalCrossentropy' });
    const xs = tf.tensor(randomF32(128 * 40, 11), [128, 40]);
    const ys = tf.oneHot(tf.tensor1d(Array.from(randomF32(128, 12, { lo: 0, hi: 5 }), Math.floor), 'int32'), 5);
    // A conv net: two channels in (the channels-first copy), overlapping and non-overlapping max pools.
    const conv = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(4) }),
      tfl.layers.maxPooling2d({ poolSize: 3, strides: 1 }),
      tfl.layers.conv2d({ filters: 3, kernelSize: 2, padding: 'same', kernelInitializer: init(5) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(), tfl.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: init(6) }) ] });
    conv.compile({ optimizer: fgtf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const cx = tf.tensor(randomF32(128 * 9 * 9 * 2, 13), [128, 9, 9, 2]);
    model.fit(xs, ys, { epochs: 2, batchSize: 64, shuffle: false, verbose: 0 }).then(() => conv.fit(cx, ys, { epochs: 2, batchSize: 64, shuffle: false, verbose: 0 })).then(() => {
      let h = 0; for (const w of [...model.getWeights(), ...conv.getWeights()]) for (const v of new Uint32Array(w.dataSync().buffer)) h = (Math.imul(h, 31) + v) >>> 0;
      console.log(JSON.stringify({ h, b: tf.getBackend(), fg: require('./lib/index.ts').getBackend() }));
    });`;
  const info = fg.backendInfo();
  const configs: Record<string, string>[] = [{ FASTGRAD_BACKEND: 'js' }];
  if (info.nativeAvailable) {
    // Each level once, the thread counts taking turns (the kernels' own tests cover every pair).
    info.simdLevels.forEach((simd, i) => configs.push({ FASTGRAD_BACKEND: 'native', FASTGRAD_SIMD: simd, FASTGRAD_NUM_THREADS: String((i % 3) + 1) }));
    configs.push({ FASTGRAD_BACKEND: 'native', FASTGRAD_NUM_THREADS: '3' });
  }
  const outs = await Promise.all(configs.map(async (env) => ({ env, ...JSON.parse(await runChildAsync(code, env)) })));
  for (const o of outs) {
    assert.equal(o.b, 'fastgrad');
    assert.equal(o.fg, o.env.FASTGRAD_BACKEND);
    assert.equal(o.h, outs[0].h, `${JSON.stringify(o.env)} vs ${JSON.stringify(outs[0].env)}`);
  }
});
