// nn on the tape: fused layers and losses are single nodes whose gradients carry the same bits as the
// layer-wise backward; module reuse; custom modules from ops; losses with reduction 'none'; new losses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertSameBits, eachBackend, randomF32 } from './support/harness.js';

const T = (seed: number, shape: number[], lo = -1, hi = 1) => fg.tensor(randomF32(shape.reduce((a, b) => a * b, 1), seed, { lo, hi }), { shape });

test('Linear + activation, BatchNorm, Dropout and CrossEntropyLoss: one node each, the same bits as the layer-wise backward', () => {
  eachBackend((b) => {
    const build = () => {
      fg.manualSeed(5);
      return new fg.nn.Sequential(new fg.nn.Linear(7, 9), new fg.nn.ReLU(), new fg.nn.BatchNorm1d(9), new fg.nn.Linear(9, 6), new fg.nn.Tanh(), new fg.nn.Linear(6, 4));
    };
    const x = T(1, [300, 7]), labels = new Uint8Array(300).map((_, i) => (i * 7) % 4);
    const a = build(), c = build();
    // tape
    const loss = new fg.nn.CrossEntropyLoss().forward(a.forward(x), labels);
    assert.equal(loss.gradFn?.name, 'CrossEntropyLoss');
    loss.backward();
    // layer-wise
    const lf = new fg.nn.CrossEntropyLoss();
    const l2 = lf.forward(c.forward(x), labels);
    c.backwardParameters(lf.backward());
    assertSameBits(loss.data, l2.data, { kernel: `${b} loss` });
    const pa = a.parameters(), pc = c.parameters();
    pa.forEach((p, i) => assertSameBits(p.grad!.data, pc[i].grad!.data, { kernel: `${b} grad of parameter ${i}` }));
  });
});

test('a module used twice (Sequential(lin, Tanh, lin)) gets correct gradients on the tape; the layer-wise backward refuses it', () => {
  fg.manualSeed(3);
  const lin = new fg.nn.Linear(4, 4);
  const net = new fg.nn.Sequential(lin, new fg.nn.Tanh(), lin);
  const x = T(2, [5, 4]);
  net.forward(x).square().sum().backward();
  const ana = lin.weight.grad!.data.slice();
  // central differences in float64 of the float32 forward
  const f = () => fg.noGrad(() => net.forward(x).square().sum().item());
  const h = 1e-2;
  for (const j of [0, 5, 10, 15]) {
    const old = lin.weight.data[j];
    lin.weight.data[j] = old + h;
    const fp = f();
    lin.weight.data[j] = old - h;
    const fm = f();
    lin.weight.data[j] = old;
    const num = (fp - fm) / (2 * h);
    assert.ok(Math.abs(num - ana[j]) < 2e-2 * (1 + Math.abs(num)), `dW[${j}] analytic ${ana[j]} vs numeric ${num}`);
  }
  net.forward(x);
  assert.throws(() => net.backward(fg.ones([5, 4])), /appears more than once/);
});

class Residual extends fg.nn.Module {
  readonly lin1: fg.nn.Linear;
  readonly lin2: fg.nn.Linear;
  constructor(n: number) {
    super();
    this.lin1 = this.registerModule('lin1', new fg.nn.Linear(n, n));
    this.lin2 = this.registerModule('lin2', new fg.nn.Linear(n, n));
  }
  forward(x: fg.Tensor, scale: fg.Tensor): fg.Tensor {
    return x.add(this.lin2.forward(this.lin1.forward(x).relu()).mul(scale));
  }
}

test('a custom module from ops with two inputs and no backward trains with loss.backward() and an optimizer', () => {
  fg.manualSeed(9);
  const m = new Residual(6);
  const scale = fg.tensor([0.5], { requiresGrad: true });
  const opt = new fg.optim.SGD([...m.parameters()], { lr: 0.5 });
  const x = T(4, [16, 6]), y = T(5, [16, 6]);
  const mse = new fg.nn.MSELoss();
  let first = 0, last = 0;
  for (let step = 0; step < 30; step++) {
    opt.zeroGrad();
    scale.grad = null;
    const loss = mse.forward(m.forward(x, scale), y);
    loss.backward();
    assert.ok(scale.grad !== null, 'scale gets a gradient');
    opt.step();
    if (step === 0) first = loss.item();
    last = loss.item();
  }
  assert.ok(last < first * 0.9, `loss falls: ${first} -> ${last}`);
  assert.throws(() => fg.nn.layerwiseBackward(m, fg.ones([16, 6])), /has no layer-wise backward/);
});

test("losses: reduction 'none' and 'sum' on the tape agree with 'mean'; NLLLoss, L1Loss, SmoothL1Loss, HuberLoss gradients", () => {
  eachBackend((b) => {
    const x = T(11, [6, 5], -2, 2), y = T(12, [6, 5], -2, 2), labels = new Int32Array([0, 4, 2, 2, 1, 3]);
    const cases: [string, (r: 'none' | 'sum' | 'mean') => (i: fg.Tensor) => fg.Tensor][] = [
      ['MSELoss', (r) => (i) => new fg.nn.MSELoss({ reduction: r }).forward(i, y)],
      ['L1Loss', (r) => (i) => new fg.nn.L1Loss({ reduction: r }).forward(i, y)],
      ['SmoothL1Loss', (r) => (i) => new fg.nn.SmoothL1Loss({ reduction: r, beta: 0.7 }).forward(i, y)],
      ['HuberLoss', (r) => (i) => new fg.nn.HuberLoss({ reduction: r, delta: 0.8 }).forward(i, y)],
      ['BCEWithLogitsLoss', (r) => (i) => new fg.nn.BCEWithLogitsLoss({ reduction: r }).forward(i, y.sigmoid())],
      ['CrossEntropyLoss', (r) => (i) => new fg.nn.CrossEntropyLoss({ reduction: r }).forward(i, labels)],
      ['CrossEntropyLoss smoothing', (r) => (i) => new fg.nn.CrossEntropyLoss({ reduction: r, labelSmoothing: 0.1 }).forward(i, labels)],
      ['NLLLoss', (r) => (i) => new fg.nn.NLLLoss({ reduction: r, weight: fg.tensor([1, 2, 0.5, 1, 3]) }).forward(i.logSoftmax(1), labels)],
    ];
    for (const [name, make] of cases) {
      const grads: Float32Array[] = [];
      const values: number[] = [];
      for (const r of ['none', 'sum', 'mean'] as const) {
        const xi = fg.tensor(x.data, { shape: x.shape.slice(), requiresGrad: true });
        const l = make(r)(xi);
        values.push(r === 'none' ? l.sum().item() : l.item());
        (r === 'none' ? l.sum() : l).backward();
        grads.push(xi.grad!.data);
      }
      // 'none' summed is 'sum' (up to the summation order); their gradients are the same bits
      assert.ok(Math.abs(values[0] - values[1]) <= 1e-5 * (1 + Math.abs(values[1])), `${b} ${name}: none summed ${values[0]} vs sum ${values[1]}`);
      assertSameBits(grads[0], grads[1], { kernel: `${b} ${name} none vs sum gradient` });
      // finite differences of 'mean'
      const xi = fg.tensor(x.data, { shape: x.shape.slice(), requiresGrad: true });
      make('mean')(xi).backward();
      const f = make('mean');
      for (const j of [0, 7, 13, 29]) {
        const h = 1e-3, xp = xi.detach().clone(), xm = xi.detach().clone();
        xp.data[j] += h;
        xm.data[j] -= h;
        const num = (fg.noGrad(() => f(xp).item()) - fg.noGrad(() => f(xm).item())) / (2 * h);
        assert.ok(Math.abs(num - xi.grad!.data[j]) < 2e-2 * (1 + Math.abs(num)), `${b} ${name} d/dx[${j}]: ${xi.grad!.data[j]} vs ${num}`);
      }
    }
  });
});

test('an MLP written from ops (matmul, relu, logSoftmax, gather) trains with loss.backward() and an SGD update under noGrad', () => {
  fg.manualSeed(1);
  const w1 = fg.randn([20, 32]).mul(0.2).requiresGrad_(), b1 = fg.zeros([32], { requiresGrad: true });
  const w2 = fg.randn([32, 3]).mul(0.2).requiresGrad_(), b2 = fg.zeros([3], { requiresGrad: true });
  const x = T(21, [64, 20]), labels = new Int32Array(64).map((_, i) => (x.data[i * 20] > 0 ? 1 : 0) + (x.data[i * 20 + 1] > 0.5 ? 1 : 0));
  let first = 0, last = 0;
  for (let step = 0; step < 60; step++) {
    const logp = x.matmul(w1).add(b1).relu().matmul(w2).add(b2).logSoftmax(1);
    const loss = logp.gather(1, fg.tensor(Array.from(labels), { shape: [64, 1], dtype: 'int32' })).mean().neg();
    loss.backward();
    fg.noGrad(() => {
      for (const p of [w1, b1, w2, b2]) {
        p.sub_(p.grad!.mul(0.5));
        p.grad!.zero_();
      }
    });
    if (step === 0) first = loss.item();
    last = loss.item();
  }
  assert.ok(last < first * 0.7, `loss falls: ${first} -> ${last}`);
});

test('inside Sequential, a layer not on the tape yet (Conv2d, pooling, LayerNorm) joins it through its layer-wise backward', () => {
  eachBackend((b) => {
    const build = () => {
      fg.manualSeed(4);
      return new fg.nn.Sequential(new fg.nn.Conv2d(2, 3, 3, { padding: 1 }), new fg.nn.ReLU(), new fg.nn.MaxPool2d(2), new fg.nn.Flatten(), new fg.nn.LayerNorm(12), new fg.nn.Linear(12, 3));
    };
    const x = T(31, [4, 2, 4, 4]), labels = new Int32Array([0, 1, 2, 1]);
    const a = build(), c = build();
    new fg.nn.CrossEntropyLoss().forward(a.forward(x), labels).backward();
    const lf = new fg.nn.CrossEntropyLoss();
    lf.forward(c.forward(x), labels);
    c.backwardParameters(lf.backward());
    const pa = a.parameters(), pc = c.parameters();
    assert.equal(pa.length, pc.length);
    pa.forEach((p, i) => assertSameBits(p.grad!.data, pc[i].grad!.data, { kernel: `${b} grad of parameter ${i}` }));
  });
});
