// fg.nn.functional's torch forms (lib/nn/functional_core.ts): each gives the bits of the module it mirrors,
// forward and backward, on both backends; a model written from functions trains like one built from
// modules; bad input names the function and the rule and changes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertRejects, assertSameBits, eachBackend, randomF32 } from './support/harness.js';

const F = fg.nn.functional;
const T = (shape: number[], seed: number, requiresGrad = true) => fg.tensor(randomF32(shape.reduce((a, b) => a * b, 1), seed), { shape, requiresGrad });
const same = (a: fg.Tensor | null, b: fg.Tensor | null, what: string) => {
  assert.ok(a && b, `${what}: missing`);
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assertSameBits(a.data, b.data, { kernel: what, seed: 0, level: fg.getBackend(), threads: 0 });
};

test('F.linear: the bits of nn.Linear forward and backward (x, weight, bias), with and without bias, 3-D input', () => {
  eachBackend(() => {
    for (const bias of [true, false]) {
      const lin = new fg.nn.Linear(5, 3, { bias, generator: new fg.Generator(1) });
      const x1 = T([2, 4, 5], 2), x2 = T([2, 4, 5], 2);
      lin.forward(x1).square().sum().backward();
      const w = fg.tensor(lin.weight.data.slice(), { shape: [3, 5], requiresGrad: true });
      const b = bias ? fg.tensor(lin.bias!.data.slice(), { shape: [3], requiresGrad: true }) : null;
      const y = F.linear(x2, w, b);
      same(y, lin.forward(x1.detach()), 'linear y');
      y.square().sum().backward();
      same(x2.grad, x1.grad, 'linear dx');
      same(w.grad, lin.weight.grad, 'linear dw');
      if (bias) same(b!.grad, lin.bias!.grad, 'linear db');
    }
  });
  const w = fg.zeros([3, 5]);
  assertRejects(() => F.linear(fg.zeros([2, 4]), w), RangeError, /input of shape \[\.\.\., 5\] for linear with weight of shape \[3, 5\].*received shape \[2, 4\]/);
  assertRejects(() => F.linear(fg.zeros([2, 5]), w, fg.zeros([4])), RangeError, /bias of shape \[3\].*received shape \[4\]/);
  assertRejects(() => F.linear(fg.zeros([2, 5]), fg.zeros([5])), RangeError, /weight of shape \[outFeatures, inFeatures\]/);
});

test('F.batchNorm: training updates the running statistics and gives BatchNorm1d/2d bits; evaluation uses them; bias alone; errors change nothing', () => {
  eachBackend(() => {
    for (const shape of [[8, 3], [4, 3, 5, 2]]) {
      const bn = shape.length === 2 ? new fg.nn.BatchNorm1d(3, { momentum: 0.3 }) : new fg.nn.BatchNorm2d(3, { momentum: 0.3 });
      fg.init.uniform(bn.weight!, { generator: new fg.Generator(3) });
      fg.init.uniform(bn.bias!, { generator: new fg.Generator(4) });
      const w = fg.tensor(bn.weight!.data.slice(), { shape: [3], requiresGrad: true }), b = fg.tensor(bn.bias!.data.slice(), { shape: [3], requiresGrad: true });
      const rm = fg.zeros([3]), rv = fg.ones([3]);
      const x1 = T(shape, 5), x2 = T(shape, 5);
      // two training steps, then one in evaluation
      for (let step = 0; step < 2; step++) {
        const ym = bn.forward(x1), yf = F.batchNorm(x2, rm, rv, { weight: w, bias: b, training: true, momentum: 0.3 });
        same(yf, ym, `batchNorm train y ${step}`);
        ym.mul(ym).sum().backward();
        yf.mul(yf).sum().backward();
      }
      same(rm, bn.runningMean, 'running mean');
      same(rv, bn.runningVar, 'running var');
      same(x2.grad, x1.grad, 'batchNorm dx');
      same(w.grad, bn.weight!.grad, 'batchNorm dweight');
      same(b.grad, bn.bias!.grad, 'batchNorm dbias');
      bn.eval();
      const e1 = T(shape, 6), e2 = T(shape, 6);
      const em = bn.forward(e1), ef = F.batchNorm(e2, rm, rv, { weight: w, bias: b });
      same(ef, em, 'batchNorm eval y');
      em.sum().backward();
      ef.sum().backward();
      same(e2.grad, e1.grad, 'batchNorm eval dx');
    }
  });
  // a bias alone: γ = 1, the same bits as passing ones, and only the bias gets a gradient
  const x = T([6, 2], 7, false), b1 = fg.tensor([0.5, -1], { requiresGrad: true }), b2 = fg.tensor([0.5, -1], { requiresGrad: true });
  const y1 = F.batchNorm(x, null, null, { bias: b1, training: true }), y2 = F.batchNorm(x, null, null, { weight: fg.ones([2]), bias: b2, training: true });
  same(y1, y2, 'batchNorm bias alone');
  y1.sum().backward();
  y2.sum().backward();
  same(b1.grad, b2.grad, 'batchNorm bias alone db');
  // errors: evaluation needs running statistics; shapes are checked before the running statistics change
  const rm = fg.zeros([2]), rv = fg.ones([2]);
  assertRejects(() => F.batchNorm(x, null, null), TypeError, /runningMean and runningVar Tensors for batchNorm in evaluation mode/);
  assertRejects(() => F.batchNorm(x, rm, null, { training: true }), TypeError, /both Tensors or both null/);
  assertRejects(() => F.batchNorm(x, fg.zeros([3]), fg.ones([3]), { training: true }), RangeError, /runningMean of shape \[2\] but received shape \[3\]/);
  assertRejects(() => F.batchNorm(x, rm, rv, { training: true, weight: fg.ones([3]) }), RangeError, /weight of shape \[2\]/, [rm.data, rv.data]);
  assertRejects(() => F.batchNorm(x, rm, rv, { training: true, momentum: 2 }), RangeError, /momentum/, [rm.data, rv.data]);
  assertRejects(() => F.batchNorm(x, rm, rv, { train: true } as never), TypeError, /train/);
});

test('F.dropout: the mask of nn.Dropout for the same generator state; training: false returns input', () => {
  const x1 = T([4, 6], 8), x2 = T([4, 6], 8);
  const m = new fg.nn.Dropout(0.3, { generator: new fg.Generator(9) });
  const y1 = m.forward(x1), y2 = F.dropout(x2, { p: 0.3, generator: new fg.Generator(9) });
  same(y2, y1, 'dropout y');
  y1.sum().backward();
  y2.sum().backward();
  same(x2.grad, x1.grad, 'dropout dx');
  assert.ok(y2.data.some((v) => v === 0) && y2.data.some((v) => v !== 0));
  assert.equal(F.dropout(x2, { training: false }), x2);
  assertRejects(() => F.dropout(x2, { p: 1.5 }), RangeError, /p/);
});

test("F's losses and activations: the bits of their modules and ops, forward and backward", () => {
  eachBackend(() => {
    const N = 6, C = 4, labels = Int32Array.of(0, 3, 1, 2, 3, 0);
    const cases: [string, (x: fg.Tensor) => fg.Tensor, (x: fg.Tensor) => fg.Tensor][] = [
      ['crossEntropy', (x) => F.crossEntropy(x, labels, { labelSmoothing: 0.1 }), (x) => new fg.nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(x, labels)],
      ['nllLoss', (x) => F.nllLoss(F.logSoftmax(x, 1), labels, { reduction: 'sum' }), (x) => new fg.nn.NLLLoss({ reduction: 'sum' }).forward(x.logSoftmax(1), labels)],
      ['mseLoss', (x) => F.mseLoss(x, T([N, C], 11, false)), (x) => new fg.nn.MSELoss().forward(x, T([N, C], 11, false))],
      ['l1Loss', (x) => F.l1Loss(x, T([N, C], 11, false)), (x) => new fg.nn.L1Loss().forward(x, T([N, C], 11, false))],
      ['smoothL1Loss', (x) => F.smoothL1Loss(x, T([N, C], 11, false), { beta: 0.5 }), (x) => new fg.nn.SmoothL1Loss({ beta: 0.5 }).forward(x, T([N, C], 11, false))],
      ['huberLoss', (x) => F.huberLoss(x, T([N, C], 11, false), { delta: 0.5 }), (x) => new fg.nn.HuberLoss({ delta: 0.5 }).forward(x, T([N, C], 11, false))],
      ['bceWithLogits', (x) => F.binaryCrossEntropyWithLogits(x, T([N, C], 12, false).sigmoid()), (x) => new fg.nn.BCEWithLogitsLoss().forward(x, T([N, C], 12, false).sigmoid())],
      ['relu/sigmoid/tanh/softmax', (x) => F.softmax(F.tanh(F.sigmoid(F.relu(x))), -1).sum(), (x) => x.relu().sigmoid().tanh().softmax(-1).sum()],
    ];
    for (const [name, f, ref] of cases) {
      const x1 = T([N, C], 10), x2 = T([N, C], 10);
      const a = f(x1), b = ref(x2);
      same(a, b, `${name} loss`);
      a.backward();
      b.backward();
      same(x1.grad, x2.grad, `${name} dx`);
    }
  });
  assert.deepEqual(F.oneHot(Int32Array.of(2, 0), 3).tolist(), [[0, 0, 1], [1, 0, 0]]);
});

test('a residual MLP written from F alone, its weights plain tensors with requiresGrad, trains like the same model built from modules (same bits after 3 SGD steps)', () => {
  const g = new fg.Generator(13);
  const l1 = new fg.nn.Linear(8, 8, { generator: g }), l2 = new fg.nn.Linear(8, 3, { generator: g }), bn = new fg.nn.BatchNorm1d(8);
  const params = [l1.weight, l1.bias!, l2.weight, l2.bias!, bn.weight!, bn.bias!].map((p) => fg.tensor(p.data.slice(), { shape: [...p.shape], requiresGrad: true }));
  const rm = fg.zeros([8]), rv = fg.ones([8]);
  const x = T([16, 8], 14, false), y = Int32Array.from({ length: 16 }, (_, i) => i % 3);
  const modOpt = new fg.optim.SGD([l1.weight, l1.bias!, l2.weight, l2.bias!, bn.weight!, bn.bias!], { lr: 0.1, momentum: 0.9 });
  const fnOpt = new fg.optim.SGD(params, { lr: 0.1, momentum: 0.9 });
  const ce = new fg.nn.CrossEntropyLoss();
  for (let step = 0; step < 3; step++) {
    modOpt.zeroGrad();
    const h = bn.forward(l1.forward(x)).relu().add(x);
    ce.forward(l2.forward(h), y).backward();
    modOpt.step();
    fnOpt.zeroGrad();
    const [w1, b1, w2, b2, gw, gb] = params;
    const hf = F.relu(F.batchNorm(F.linear(x, w1, b1), rm, rv, { weight: gw, bias: gb, training: true })).add(x);
    F.crossEntropy(F.linear(hf, w2, b2), y).backward();
    fnOpt.step();
  }
  [l1.weight, l1.bias!, l2.weight, l2.bias!, bn.weight!, bn.bias!].forEach((p, i) => same(params[i], p, `param ${i}`));
  same(rm, bn.runningMean, 'running mean');
  // optimizers take leaf tensors (torch's rule), not results of ops
  assert.throws(() => new fg.optim.SGD([params[0].mul(2)], { lr: 0.1 }), /Expected a leaf Tensor .* for params\[0\] but received the result of an op \(mul\)/);
});
