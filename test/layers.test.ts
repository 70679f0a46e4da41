// Embedding and the activations GELU (erf, tanh), SiLU, LeakyReLU, ELU: float64 references and float64
// finite differences, erf's accuracy, the same bits on both backends at every SIMD level and thread
// count, errors; then a small CNN (Conv2d → BatchNorm2d → ReLU → MaxPool2d → Conv2d → GELU →
// AdaptiveAvgPool2d → Flatten → LayerNorm → Linear) that trains with the same loss curve bits on both
// backends and whose state dict round-trips through safetensors.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { erf32 } from '../lib/nn/activations.js';
import { assertClose, assertRejects, jsKernels, randomF32, requireNative } from './support/harness.js';
import { checkGradients, f64, sameBitsEverywhere } from './support/layers.js';

const { Embedding, GELU, SiLU, LeakyReLU, ELU } = fg.nn;

/** erf by composite Simpson integration of 2/√π·e^(−t²) (independent of the series under test). */
function erf64(x: number): number {
  const n = 4000, h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
}

const ulp32 = (v: number) => {
  const a = Math.abs(Math.fround(v));
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
};

test('erf32 is within 1 ulp of erf on [−4.5, 4.5] and exact at the specials', () => {
  for (let i = -4500; i <= 4500; i += 7) {
    const a = Math.fround(i / 1000), want = erf64(a);
    assert.ok(Math.abs(erf32(a) - want) <= ulp32(want), `erf(${a}) = ${erf32(a)} vs ${want}`);
  }
  for (const [a, want] of [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [-0.7, -0.6778011938374184], [1e-3, 0.0011283787909692363]]) {
    assert.ok(Math.abs(erf32(Math.fround(a)) - want) <= ulp32(want), `erf(${a})`);
  }
  assert.equal(erf32(Infinity), 1);
  assert.equal(erf32(-Infinity), -1);
  assert.ok(Number.isNaN(erf32(NaN)));
  assert.ok(Object.is(erf32(-0), -0));
  assert.equal(erf32(1e-45), Math.fround(1e-45 * 1.1283791670955126));
});

const gelu64 = (x: number) => 0.5 * x * (1 + erf64(x / Math.SQRT2));
const geluTanh64 = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const silu64 = (x: number) => x / (1 + Math.exp(-x));

const ACTS: [string, () => fg.nn.Module, (x: number) => number][] = [
  ["GELU (erf)", () => new GELU(), gelu64],
  ["GELU({ approximate: 'tanh' })", () => new GELU({ approximate: 'tanh' }), geluTanh64],
  ['SiLU', () => new SiLU(), silu64],
  ['LeakyReLU', () => new LeakyReLU(), (x) => (x > 0 ? x : 0.01 * x)],
  ['LeakyReLU({ negativeSlope: 0.2 })', () => new LeakyReLU({ negativeSlope: 0.2 }), (x) => (x > 0 ? x : 0.2 * x)],
  ['ELU', () => new ELU(), (x) => (x > 0 ? x : Math.exp(x) - 1)],
  ['ELU({ alpha: 0.5 })', () => new ELU({ alpha: 0.5 }), (x) => (x > 0 ? x : 0.5 * (Math.exp(x) - 1))],
];

test('activations match float64 references and float64 finite differences', () => {
  // keep inputs away from the kinks at 0 (LeakyReLU, ELU) so central differences are smooth
  const x0 = randomF32(64, 21, { lo: -4, hi: 4 }).map((v) => (Math.abs(v) < 0.01 ? 0.5 : v));
  for (const [name, make, f] of ACTS) {
    const m = make();
    const x = new fg.Tensor(x0.slice(), [8, 8]);
    const y = m.forward(x);
    assertClose(y.data, Array.from(x.data, f), `${name}: y`, 2e-6, 2e-6);
    const r = randomF32(64, 22);
    const dx = fg.nn.layerwiseBackward(m, new fg.Tensor(r, [8, 8]));
    checkGradients(name, (v) => v[0].map(f), [f64(x.data)], f64(r), [dx.data], 1e-5, 1e-4);
  }
});

test('activations give the same bits on both backends, every SIMD level and thread count (specials included)', () => {
  const x = new fg.Tensor(randomF32(5000, 23, { lo: -12, hi: 12, specials: 0.02 }), [50, 100]);
  const dy = new fg.Tensor(randomF32(5000, 24), [50, 100]);
  for (const [name, make] of ACTS) {
    const m = make();
    sameBitsEverywhere(name, () => [m.forward(x).data, fg.nn.layerwiseBackward(m, dy).data]);
  }
});

test("Embedding looks rows up, scatter-adds gradients in index order, skips paddingIdx, and matches finite differences", () => {
  const m = new Embedding(6, 3, { paddingIdx: -1, generator: new fg.Generator(5) });
  assert.equal(m.paddingIdx, 5);
  assert.deepEqual(Array.from(m.weight.data.subarray(15)), [0, 0, 0]);
  const idx = new fg.IntTensor(Int32Array.from([1, 4, 1, 5, 0, 1]), [2, 3]);
  const y = m.forward(idx);
  assert.deepEqual(y.shape, [2, 3, 3]);
  assert.deepEqual(y.data.subarray(3, 6), m.weight.data.subarray(12, 15));
  const r = randomF32(18, 2);
  m.backward(new fg.Tensor(r, [2, 3, 3]));
  // the padding row is a constant of the reference (torch gives it no gradient)
  const w0 = f64(m.weight.data);
  const ref = (v: Float64Array[]) => Float64Array.from({ length: 18 }, (_, k) => {
    const row = idx.data[Math.floor(k / 3)];
    return (row === 5 ? w0 : v[0])[row * 3 + (k % 3)];
  });
  const g = m.weight.grad!.data;
  assert.deepEqual(Array.from(g.subarray(15)), [0, 0, 0]);
  checkGradients('Embedding', ref, [f64(m.weight.data)], f64(r), [g], 1e-6, 1e-6, 1e-3);
  // row 1 is hit three times: its gradient is ((0 + r0) + r2) + r5 in that order
  for (let j = 0; j < 3; j++) assert.equal(g[3 + j], Math.fround(Math.fround(r[j] + r[6 + j]) + r[15 + j]));
  // Int32Array and integer-valued Tensor indices give the same rows
  assert.deepEqual(m.forward(Int32Array.from([1, 4])).data, m.forward(fg.Tensor.from([1, 4])).data);
  sameBitsEverywhere('Embedding', () => {
    m.zeroGrad(true);
    m.forward(idx);
    m.backward(new fg.Tensor(r, [2, 3, 3]));
    return [m.weight.grad!.data];
  });
});

test('the embedding scatter kernel gives the same bits everywhere (columns cut between threads, repeated rows, padding)', () => {
  const n = 50, D = 203, m = 400;
  const idx = Int32Array.from({ length: m }, (_, i) => (i * 7919) % 37); // rows repeat many times, in a mixed order
  const dy = randomF32(m * D, 21, { specials: 0.001 });
  sameBitsEverywhere('embedding scatter', () => {
    const K = fg.getBackend() === 'native' ? requireNative() : null;
    const dw = new Float32Array(n * D).fill(7), dw2 = new Float32Array(n * D).fill(7);
    (K ?? jsKernels()).embedding.backward(dy, idx, n, D, -1, dw);
    (K ?? jsKernels()).embedding.backward(dy, idx, n, D, 3, dw2);
    return [dw, dw2];
  });
});

test('the native embedding scatter rejects indices outside [0, n) and bad lengths, writing nothing', () => {
  const K = requireNative();
  const dw = new Float32Array(8).fill(7);
  assertRejects(() => K.embedding.backward(new Float32Array(4), Int32Array.of(0, 4), 4, 2, -1, dw), RangeError, /idx values in \[0, n\) = \[0, 4\) but received 4 at 1/, [dw]);
  assertRejects(() => K.embedding.backward(new Float32Array(4), Int32Array.of(-1, 0), 4, 2, -1, dw), RangeError, /received -1 at 0/, [dw]);
  assertRejects(() => K.embedding.backward(new Float32Array(3), Int32Array.of(0, 1), 4, 2, -1, dw), RangeError, /dy/, [dw]);
  assertRejects(() => K.embedding.backward(new Float32Array(4), Int32Array.of(0, 1), 4, 2, -2, dw), RangeError, /paddingIdx/, [dw]);
});

test('bad activation and Embedding arguments name the layer and the argument', () => {
  assertRejects(() => new GELU({ approximate: 'erf' as never }), RangeError, /Expected 'none' or 'tanh' for approximate of GELU but received string "erf"/);
  assertRejects(() => new LeakyReLU({ negativeSlope: NaN }), RangeError, /negativeSlope of LeakyReLU/);
  assertRejects(() => new ELU({ alpha: '1' as never }), TypeError, /alpha of ELU/);
  assertRejects(() => new SiLU().backward(fg.Tensor.zeros([1])), Error, /SiLU.backward\(\) needs a forward\(\) first/);
  assertRejects(() => new Embedding(0, 3), RangeError, /numEmbeddings of Embedding/);
  assertRejects(() => new Embedding(4, 3, { paddingIdx: 4 }), RangeError, /paddingIdx of Embedding/);
  const m = new Embedding(4, 3);
  assertRejects(() => m.forward(Int32Array.from([0, 4])), RangeError, /Expected indices in \[0, 4\) \(numEmbeddings\) for x of Embedding\(4, 3\) but element 1 is 4/);
  assertRejects(() => m.forward(fg.Tensor.from([0.5])), RangeError, /Expected integer indices for x of Embedding\(4, 3\) but element 0 of the Tensor is 0.5/);
  assertRejects(() => m.forward([1, 2] as never), TypeError, /Expected indices: an Int32Array, an IntTensor or a Tensor of integers for x of Embedding\(4, 3\)/);
  m.forward(Int32Array.from([1]));
  assertRejects(() => m.backward(fg.Tensor.zeros([1, 4])), RangeError, /Expected dy of shape \[1, 3\] \(the last output of Embedding\)/);
});

function cnn(seed: number): fg.nn.Sequential {
  const gen = new fg.Generator(seed);
  return new fg.nn.Sequential(
    new fg.nn.Conv2d(1, 4, 3, { padding: 1, generator: gen }),
    new fg.nn.BatchNorm2d(4),
    new fg.nn.ReLU(),
    new fg.nn.MaxPool2d(2),
    new fg.nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2, generator: gen }),
    new GELU(),
    new fg.nn.AdaptiveAvgPool2d(2),
    new fg.nn.Flatten(),
    new fg.nn.LayerNorm(24),
    new fg.nn.Linear(24, 3, { generator: gen }),
  );
}

test('a small CNN trains (loss falls) with the same loss bits on both backends; its state dict round-trips through safetensors', () => {
  const N = 12;
  const x = new fg.Tensor(randomF32(N * 8 * 8, 31), [N, 1, 8, 8]);
  const labels = Int32Array.from({ length: N }, (_, i) => i % 3);
  for (let i = 0; i < N; i++) x.data[i * 64 + (labels[i] * 20 + 5)] += 4; // a class-dependent bright pixel
  const curves = sameBitsEverywhere('cnn', () => {
    const model = cnn(3);
    const opt = new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const lossFn = new fg.nn.CrossEntropyLoss();
    const losses = new Float32Array(25);
    for (let s = 0; s < 25; s++) {
      model.zeroGrad();
      losses[s] = lossFn.forward(model.forward(x), labels).data[0];
      model.backward(lossFn.backward());
      opt.step();
    }
    return [losses, ...model.parameters().map((p) => p.data)];
  });
  const losses = curves[0];
  assert.ok(losses[24] < 0.5 * losses[0], `loss ${losses[0]} -> ${losses[24]}`);

  const model = cnn(4);
  model.forward(x);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrad-cnn-'));
  try {
    const p = path.join(dir, 'cnn.safetensors');
    fg.saveSafetensors(p, model.stateDict());
    const back = fg.loadSafetensors(p);
    const other = cnn(5);
    const sd: Record<string, fg.Tensor | number> = {};
    for (const [k, v] of Object.entries(back.tensors)) sd[k] = v instanceof fg.IntTensor ? v.data[0] : v;
    other.loadStateDict(sd);
    model.eval();
    other.eval();
    assert.deepEqual(other.forward(x).data, model.forward(x).data);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every layer is one tape node: loss.backward() gives the same gradient bits as the layer-wise backward', () => {
  const cases: [fg.nn.Module, number[], string][] = [
    [new fg.nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2, generator: new fg.Generator(1) }), [2, 4, 7, 6], 'convolution'],
    [new fg.nn.Conv2d(3, 2, 1, { generator: new fg.Generator(2) }), [3, 5, 4], 'convolution'],
    [new fg.nn.Conv1d(3, 4, 3, { padding: 'same', generator: new fg.Generator(3) }), [2, 3, 8], 'convolution'],
    [new fg.nn.MaxPool2d(3, { stride: 2, padding: 1 }), [2, 3, 7, 7], 'maxPool2d'],
    [new fg.nn.AvgPool2d(2), [2, 3, 6, 5], 'avgPool2d'],
    [new fg.nn.AdaptiveAvgPool2d([3, 2]), [2, 2, 7, 5], 'adaptiveAvgPool2d'],
    [new fg.nn.LayerNorm([3, 4]), [5, 3, 4], 'layerNorm'],
    [new fg.nn.LayerNorm(6, { elementwiseAffine: false }), [4, 6], 'layerNorm'],
    [new GELU(), [3, 7], 'gelu'],
    [new GELU({ approximate: 'tanh' }), [3, 7], 'gelu'],
    [new SiLU(), [3, 7], 'silu'],
    [new LeakyReLU({ negativeSlope: 0.1 }), [3, 7], 'leakyrelu'],
    [new ELU(), [3, 7], 'elu'],
  ];
  for (const [m, shape, node] of cases) {
    const what = `${m.constructor.name} ${shape}`;
    const data = randomF32(shape.reduce((a, d) => a * d, 1), 41);
    const m2 = m as fg.nn.Module;
    if (m instanceof fg.nn.LayerNorm && m.weight) {
      m.weight.data.set(randomF32(m.weight.size, 42));
      m.bias!.data.set(randomF32(m.bias!.size, 43));
    }
    // tape
    m2.zeroGrad(true);
    const x = new fg.Tensor(data.slice(), shape).requiresGrad_();
    const y = m2.forward(x);
    assert.equal(y.gradFn?.name, node, what);
    const r = new fg.Tensor(randomF32(y.size, 44), y.shape);
    y.mul(r).sum().backward();
    const tapeX = x.grad!.data.slice(), tapeP = m2.parameters().map((p) => p.grad!.data.slice());
    // layer-wise
    m2.zeroGrad(true);
    m2.forward(new fg.Tensor(data.slice(), shape));
    const dx = fg.nn.layerwiseBackward(m2, r);
    assert.deepEqual(x.grad!.shape, shape, what);
    assert.deepEqual(tapeX, dx.data, `${what}: dx`);
    m2.parameters().forEach((p, i) => assert.deepEqual(tapeP[i], p.grad!.data, `${what}: parameter ${i}`));
  }
  // Embedding: the weight is the only input with a gradient
  const e = new Embedding(5, 3, { paddingIdx: 0, generator: new fg.Generator(4) });
  const idx = Int32Array.from([1, 0, 3, 1]);
  const y = e.forward(idx);
  assert.equal(y.gradFn?.name, 'embedding');
  const r = new fg.Tensor(randomF32(12, 45), [4, 3]);
  y.mul(r).sum().backward();
  const tape = e.weight.grad!.data.slice();
  e.zeroGrad(true);
  e.forward(idx);
  e.backward(r);
  assert.deepEqual(tape, e.weight.grad!.data);
  // the functional form is the same node
  const xf = new fg.Tensor(randomF32(2 * 4 * 6 * 5, 46), [2, 4, 6, 5]).requiresGrad_();
  const wf = new fg.Tensor(randomF32(6 * 2 * 3 * 3, 47), [6, 2, 3, 3]).requiresGrad_();
  const bf = new fg.Tensor(randomF32(6, 48), [6]).requiresGrad_();
  const yf = fg.nn.functional.conv2d(xf, wf, bf, { groups: 2, padding: 1 });
  assert.equal(yf.gradFn?.name, 'convolution');
  const rf = new fg.Tensor(randomF32(yf.size, 49), yf.shape);
  yf.mul(rf).sum().backward();
  const gf = fg.nn.functional.conv2dBackward(rf, xf, wf, { groups: 2, padding: 1 });
  assert.deepEqual(xf.grad!.data, gf.dx!.data);
  assert.deepEqual(wf.grad!.data, gf.dweight.data);
  assert.deepEqual(bf.grad!.data, gf.dbias!.data);
  // nothing requires grad: no node
  const frozen = new fg.nn.Conv2d(1, 1, 1);
  for (const p of frozen.parameters()) p.requiresGrad = false;
  assert.equal(frozen.forward(fg.Tensor.zeros([1, 1, 2, 2])).gradFn, null);
});
