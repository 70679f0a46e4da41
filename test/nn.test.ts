// fg.nn layers and losses: the Module base (names, order, modes, state dicts), gradient checks of every
// layer and loss against float64 finite differences of a float64 reference, exact gradient
// accumulation, native vs TypeScript bit for bit, a two-moons MLP trained on both backends with
// bit-identical loss curves, the batch-norm paper's scale invariance through Linear → BatchNorm1d, and
// bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import type { Module } from '../lib/nn/module.js';
import { GEMM_KC } from '../lib/backend/kernels.js';
import { assertClose as closeTo, assertRejects, assertSameBits, firstBitDifference, numericGrad, randomF32, requireNative } from './support/harness.js';

const { Linear, ReLU, Sigmoid, Tanh, Softmax, Dropout, Sequential, BatchNorm1d, MSELoss, BCEWithLogitsLoss, CrossEntropyLoss } = fg.nn;
type Tensor = fg.Tensor;
const T = (data: Float32Array | number[], shape: number[]) => new fg.Tensor(Float32Array.from(data), shape);

function onBackends<R>(fn: (backend: 'js' | 'native') => R): R[] {
  const out: R[] = [];
  try {
    for (const b of ['js', 'native'] as const) {
      if (b === 'native') requireNative();
      fg.setBackend(b);
      out.push(fn(b));
    }
  } finally {
    fg.setBackend('native');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Float64 references and finite differences.
type F64 = Float64Array;
const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

function linear64(x: F64, w: F64, b: F64 | null, n: number, inF: number, outF: number): F64 {
  const y = new Float64Array(n * outF);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let k = 0; k < inF; k++) s += x[i * inF + k] * w[o * inF + k];
      y[i * outF + o] = s;
    }
  }
  return y;
}
const map64 = (x: F64, f: (v: number) => number) => x.map(f);
const sigmoid64 = (v: number) => 1 / (1 + Math.exp(-v));
function softmax64(x: F64, rows: number, cols: number): F64 {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity, s = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
    for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp(x[r * cols + c] - m) / s;
  }
  return y;
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};


const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = 2e-5, rtol = 2e-4): void =>
  closeTo(actual, expected, what, atol, rtol);

/** A layer's dx against the float64 finite differences of f(x) = Σ r·ref(x), with dy = r. */
function checkInputGrad(m: Module & { backward(dy: Tensor): Tensor }, x: Tensor, ref: (x: F64) => F64, seed: number, what: string): void {
  const y = m.forward(x);
  assertClose(y.data, ref(f64(x.data)), `${what} forward`, 1e-5, 1e-5);
  const r = randomF32(y.size, seed);
  const dx = m.backward(T(r, [...y.shape]));
  const x64 = f64(x.data);
  assertClose(dx.data, numericGrad(() => dot(r, ref(x64)), x64), `${what} dx`);
}

test('Linear: forward, dx, dW, db against float64 finite differences, with and without bias', () => {
  onBackends((backend) => {
    for (const bias of [true, false]) {
      const [n, inF, outF] = [5, 7, 3];
      const lin = new Linear(inF, outF, { bias, generator: new fg.Generator(3) });
      const x = T(randomF32(n * inF, 1), [n, inF]);
      const w64 = f64(lin.weight.data), b64 = lin.bias ? f64(lin.bias.data) : null;
      checkInputGrad(lin, x, (x64) => linear64(x64, w64, b64, n, inF, outF), 2, `${backend} bias=${bias}`);
      const r = randomF32(n * outF, 2), x64 = f64(x.data);
      const loss = () => dot(r, linear64(x64, w64, b64, n, inF, outF));
      assertClose(lin.weight.grad!.data, numericGrad(loss, w64), `${backend} dW`);
      if (b64) assertClose(lin.bias!.grad!.data, numericGrad(loss, b64), `${backend} db`);
      else assert.equal(lin.bias, null);
    }
  });
});

test('Linear and Softmax on (..., features) inputs: leading dimensions are batch, same bits as the 2-D view', () => {
  onBackends((backend) => {
    const lin = new Linear(4, 3, { generator: new fg.Generator(70) });
    const x = T(randomF32(2 * 5 * 4, 71), [2, 5, 4]), dy = T(randomF32(2 * 5 * 3, 72), [2, 5, 3]);
    const y = lin.forward(x);
    assert.deepEqual(y.shape, [2, 5, 3]);
    const dx = lin.backward(dy);
    assert.deepEqual(dx.shape, [2, 5, 4]);
    const dW = lin.weight.grad!.data.slice();
    lin.zeroGrad(true);
    assertSameBits(y.data, lin.forward(x.reshape([10, 4])).data, { kernel: `${backend} Linear 3-D forward` });
    assertSameBits(dx.data, lin.backward(dy.reshape([10, 3])).data, { kernel: `${backend} Linear 3-D dx` });
    assertSameBits(dW, lin.weight.grad!.data, { kernel: `${backend} Linear 3-D dW` });
    const v = T(randomF32(4, 73), [4]);
    assertSameBits(lin.forward(v).data, lin.forward(v.reshape([1, 4])).data, { kernel: `${backend} Linear 1-D` });
    const sm = new Softmax();
    const s3 = sm.forward(x), g3 = sm.backward(x);
    assertSameBits(s3.data, sm.forward(x.reshape([10, 4])).data, { kernel: `${backend} Softmax 3-D` });
    assertSameBits(g3.data, sm.backward(x.reshape([10, 4])).data, { kernel: `${backend} Softmax 3-D backward` });
  });
});

test('Linear: torch initialization bounds (kaiming-uniform a=√5, bias ±1/√in), seeded, same bits on both backends', () => {
  const [wj, wn] = onBackends(() => {
    const lin = new Linear(50, 20, { generator: new fg.Generator(11) });
    const bound = Math.fround(1 / Math.sqrt(50));
    for (const v of lin.weight.data) assert.ok(Math.abs(v) <= bound, `weight ${v} within ±${bound}`);
    for (const v of lin.bias!.data) assert.ok(Math.abs(v) <= bound, `bias ${v} within ±${bound}`);
    // a uniform sample over ±bound has variance bound²/3: the weights really fill the range
    const variance = lin.weight.data.reduce((s, v) => s + v * v, 0) / lin.weight.size;
    assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.15, `variance ${variance}`);
    return [lin.weight.data, lin.bias!.data];
  });
  assertSameBits(wj[0], wn[0], { kernel: 'Linear init weight' });
  assertSameBits(wj[1], wn[1], { kernel: 'Linear init bias' });
  const again = new Linear(50, 20, { generator: new fg.Generator(11) });
  assertSameBits(again.weight.data, wj[0], { kernel: 'Linear init reproducible' });
});

test('Linear: accumulation is exactly grad + new, for N <= 256 (GEMM beta = 1 fold) and N > 256 (scratch + add)', () => {
  onBackends((backend) => {
    for (const n of [1, 37, 256, 257, 600]) {
      const lin = new Linear(9, 4, { generator: new fg.Generator(n) });
      const x1 = T(randomF32(n * 9, n), [n, 9]), x2 = T(randomF32(n * 9, n + 1), [n, 9]);
      const d1 = T(randomF32(n * 4, n + 2, { lo: -1e3, hi: 1e3 }), [n, 4]), d2 = T(randomF32(n * 4, n + 3, { lo: -1e-3, hi: 1e-3 }), [n, 4]);
      const single = (x: Tensor, d: Tensor) => {
        lin.zeroGrad();
        lin.forward(x);
        lin.backward(d);
        return [lin.weight.grad!.data.slice(), lin.bias!.grad!.data.slice()];
      };
      const [w1, b1] = single(x1, d1), [w2, b2] = single(x2, d2);
      lin.zeroGrad();
      lin.forward(x1);
      lin.backward(d1);
      lin.forward(x2);
      lin.backward(d2);
      const sum = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + b[i]);
      assertSameBits(lin.weight.grad!.data, sum(w1, w2), { kernel: `${backend} dW accumulation`, size: n });
      assertSameBits(lin.bias!.grad!.data, sum(b1, b2), { kernel: `${backend} db accumulation`, size: n });
      // backwardParameters gives the same gradients without dx
      lin.zeroGrad();
      lin.forward(x1);
      lin.backwardParameters(d1);
      assertSameBits(lin.weight.grad!.data, w1, { kernel: `${backend} backwardParameters`, size: n });
    }
  });
});

test('activations: ReLU, Sigmoid, Tanh, Softmax forward and dx against float64 finite differences', () => {
  onBackends((backend) => {
    const x = T(randomF32(24, 5, { lo: -3, hi: 3 }), [4, 6]);
    checkInputGrad(new Sigmoid(), x, (v) => map64(v, sigmoid64), 6, `${backend} Sigmoid`);
    checkInputGrad(new Tanh(), x, (v) => map64(v, Math.tanh), 7, `${backend} Tanh`);
    checkInputGrad(new ReLU(), x, (v) => map64(v, (t) => Math.max(t, 0)), 8, `${backend} ReLU`);
    checkInputGrad(new Softmax(), x, (v) => softmax64(v, 4, 6), 9, `${backend} Softmax 2-D`);
    checkInputGrad(new Softmax(), T(x.data.subarray(0, 6), [6]), (v) => softmax64(v, 1, 6), 10, `${backend} Softmax 1-D`);
  });
});

/** The multipliers of a Dropout forward (what x = 1 gives), for a generator in a given state. */
function dropoutMask(p: number, n: number, seed: number): Float32Array {
  return new Dropout(p, { generator: new fg.Generator(seed) }).forward(T(new Float32Array(n).fill(1), [n])).data;
}

test('Dropout: seeded inverted mask, backward uses the same mask, eval is the identity, same bits on both backends', () => {
  const n = 20000, p = 0.3;
  const masks = onBackends((backend) => {
    const x = T(randomF32(n, 12), [n]);
    const d = new Dropout(p, { generator: new fg.Generator(99) });
    const y = d.forward(x);
    const m = dropoutMask(p, n, 99);
    const scale = Math.fround(1 / (1 - p));
    let kept = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(m[i] === 0 || m[i] === scale, `mask value ${m[i]}`);
      if (m[i] !== 0) kept++;
      assert.equal(y.data[i], Math.fround(x.data[i] * m[i]));
    }
    // kept ~ Binomial(n, 0.7): 5 standard deviations
    assert.ok(Math.abs(kept - n * 0.7) < 5 * Math.sqrt(n * 0.21), `${backend}: kept ${kept} of ${n}`);
    const dy = T(randomF32(n, 13), [n]);
    const dx = d.backward(dy);
    for (let i = 0; i < n; i++) assert.equal(dx.data[i], Math.fround(dy.data[i] * m[i]));
    // a second forward draws a fresh mask from the generator
    assert.notEqual(firstBitDifference(d.forward(x).data, y.data), -1);
    d.eval();
    assert.equal(d.forward(x), x);
    assert.equal(d.backward(dy), dy);
    return m;
  });
  assertSameBits(masks[0], masks[1], { kernel: 'Dropout mask js vs native' });
  assert.ok(dropoutMask(0, 100, 1).every((v) => v === 1), 'p = 0 keeps everything');
  assert.ok(dropoutMask(1, 100, 1).every((v) => v === 0), 'p = 1 drops everything');
  fg.manualSeed(5);
  const a = new Dropout(0.5).forward(T(new Float32Array(64).fill(1), [64])).data;
  fg.manualSeed(5);
  assertSameBits(new Dropout(0.5).forward(T(new Float32Array(64).fill(1), [64])).data, a, { kernel: 'Dropout on the global generator' });
});

// ---------------------------------------------------------------------------------------------
// Losses against float64 references and finite differences.
const mse64 = (x: F64, y: F64) => x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0);
const bce64 = (x: F64, y: F64) => x.reduce((s, v, i) => s + Math.max(v, 0) - v * y[i] + Math.log1p(Math.exp(-Math.abs(v))), 0);
function ce64(x: F64, t: ArrayLike<number>, C: number): number {
  const N = t.length;
  let s = 0;
  for (let i = 0; i < N; i++) {
    let m = -Infinity, z = 0;
    for (let c = 0; c < C; c++) m = Math.max(m, x[i * C + c]);
    for (let c = 0; c < C; c++) z += Math.exp(x[i * C + c] - m);
    s -= x[i * C + t[i]] - m - Math.log(z);
  }
  return s;
}

test('losses: MSE, BCE-with-logits, cross-entropy values and gradients (mean and sum) against float64', () => {
  onBackends((backend) => {
    const [N, C] = [6, 5];
    const x = T(randomF32(N * C, 20, { lo: -4, hi: 4 }), [N, C]);
    const y = T(randomF32(N * C, 21, { lo: 0, hi: 1 }), [N, C]);
    const t = [0, 4, 2, 2, 1, 3];
    type AnyLoss = new (o: { reduction: 'mean' | 'sum' }) => { forward(a: Tensor, b: never): Tensor; backward(): Tensor };
    const cases: [string, AnyLoss, unknown, (x: F64) => number, number][] = [
      ['MSELoss', MSELoss, y, (v) => mse64(v, f64(y.data)), N * C],
      ['BCEWithLogitsLoss', BCEWithLogitsLoss, y, (v) => bce64(v, f64(y.data)), N * C],
      ['CrossEntropyLoss', CrossEntropyLoss, t, (v) => ce64(v, t, C), N],
    ];
    for (const [name, Ctor, target, ref, n] of cases) {
      for (const reduction of ['mean', 'sum'] as const) {
        const what = `${backend} ${name} ${reduction}`;
        const L = new Ctor({ reduction });
        const loss = L.forward(x, target as never);
        assert.deepEqual(loss.shape, []);
        const div = reduction === 'mean' ? n : 1;
        const x64 = f64(x.data);
        assertClose(loss.data, [ref(x64) / div], `${what} value`, 1e-5, 1e-5);
        assertClose(L.backward().data, numericGrad(() => ref(x64) / div, x64), what);
      }
    }
    // class indices as Int32Array and as a float Tensor give the same loss
    const a = new CrossEntropyLoss().forward(x, Int32Array.from(t)).data[0];
    const b = new CrossEntropyLoss().forward(x, T(t, [N])).data[0];
    assert.equal(a, b);
  });
});

test('BCEWithLogitsLoss stays finite for huge logits (the stable form); MSE of an empty tensor is NaN for mean', () => {
  const L = new BCEWithLogitsLoss({ reduction: 'sum' });
  const loss = L.forward(T([1e30, -1e30, 100, -100], [4]), T([0, 1, 1, 0], [4])).data[0];
  assert.equal(loss, Math.fround(2e30), 'max(x,0) − x·y + log(1 + exp(−|x|)) = |x| for a wrong sign');
  const g = L.backward().data;
  assert.deepEqual(Array.from(g.subarray(0, 3)), [1, -1, 0]);
  assert.ok(g[3] > 0 && g[3] < 1e-40, `σ(−100) − 0 keeps the left tail: ${g[3]}`);
  assert.ok(Number.isNaN(new MSELoss().forward(T([], [0]), T([], [0])).data[0]));
  assert.equal(new MSELoss({ reduction: 'sum' }).forward(T([], [0]), T([], [0])).data[0], 0);
});

test('layers and losses give the same bits on both backends (Sequential forward, loss, backward, every gradient)', () => {
  const runs = onBackends(() => {
    const g = new fg.Generator(31);
    const net = new Sequential(new Linear(13, 40, { generator: g }), new Tanh(), new Linear(40, 300, { generator: g }), new ReLU(),
      new Linear(300, 10, { generator: g }), new Sigmoid(), new Linear(10, 7, { generator: g }), new Softmax());
    const x = T(randomF32(300 * 13, 32), [300, 13]);
    const loss = new MSELoss();
    const out = loss.forward(net.forward(x), T(randomF32(300 * 7, 33), [300, 7]));
    const dx = net.backward(loss.backward());
    const ce = new CrossEntropyLoss({ reduction: 'sum' });
    const ceOut = ce.forward(x, Array.from({ length: 300 }, (_, i) => i % 13));
    const bce = new BCEWithLogitsLoss();
    const bceOut = bce.forward(x, T(randomF32(300 * 13, 34, { lo: 0, hi: 1 }), [300, 13]));
    return [out.data, dx.data, ...net.parameters().map((p) => p.grad!.data), ceOut.data, ce.backward().data, bceOut.data, bce.backward().data];
  });
  runs[0].forEach((a, i) => assertSameBits(runs[1][i], a, { kernel: 'nn js vs native', output: String(i) }));
});

test('Sequential fuses Linear → ReLU/Sigmoid/Tanh into one GEMM: same bits as running the layers one by one (specials included)', () => {
  onBackends((backend) => {
    const build = () => {
      const g = new fg.Generator(90);
      return new Sequential(new Linear(7, 9, { generator: g }), new ReLU(), new Linear(9, 9, { generator: g }), new Sigmoid(),
        new Linear(9, 5, { generator: g }), new Tanh(), new Linear(5, 3, { generator: g }));
    };
    const fused = build(), single = build();
    const x = T(randomF32(20 * 7, 91, { specials: 0.1 }), [20, 7]), dy = T(randomF32(20 * 3, 92), [20, 3]);
    const yf = fused.forward(x);
    const ys = single.layers.reduce((h, m) => m.forward(h), x);
    assertSameBits(yf.data, ys.data, { kernel: `${backend} fused forward` });
    assertSameBits(fused.backward(dy).data, single.backward(dy).data, { kernel: `${backend} fused dx` });
    fused.parameters().forEach((p, i) => assertSameBits(p.grad!.data, single.parameters()[i].grad!.data, { kernel: `${backend} fused grad ${i}` }));
  });
  assert.throws(() => new Linear(2, 2).forwardWith(T([1, 2], [1, 2]), 'gelu' as never), /Expected one of 'none', 'relu', 'sigmoid', 'tanh' for activation/);
});

test('Sequential: backward runs the chain in reverse and matches float64 finite differences for every parameter', () => {
  onBackends((backend) => {
    const g = new fg.Generator(41);
    const l1 = new Linear(3, 5, { generator: g }), l2 = new Linear(5, 2, { generator: g });
    const net = new Sequential(l1, new Tanh(), l2, new Sigmoid());
    const x = T(randomF32(12, 42), [4, 3]);
    const p64 = net.parameters().map((p) => f64(p.data));
    const ref = (x64: F64) => map64(linear64(map64(linear64(x64, p64[0], p64[1], 4, 3, 5), Math.tanh), p64[2], p64[3], 4, 5, 2), sigmoid64);
    checkInputGrad(net, x, ref, 43, `${backend} Sequential`);
    const r = randomF32(8, 43), x64 = f64(x.data);
    net.parameters().forEach((p, i) => assertClose(p.grad!.data, numericGrad(() => dot(r, ref(x64)), p64[i]), `${backend} param ${i}`));
    net.zeroGrad(true);
    assert.ok(net.parameters().every((p) => p.grad === null));
    // backwardParameters: same parameter gradients, first layer without dx
    net.forward(x);
    net.backwardParameters(T(r, [4, 2]));
    net.parameters().forEach((p, i) => assertClose(p.grad!.data, numericGrad(() => dot(r, ref(x64)), p64[i]), `${backend} backwardParameters ${i}`));
  });
});

// ---------------------------------------------------------------------------------------------
// Two moons: a small MLP learns a non-linear boundary; the loss curve is bit-identical on both backends.
function twoMoons(n: number, seed: number): { x: Tensor; y: Tensor } {
  const g = new fg.Generator(seed);
  const u = g.uniform(new Float32Array(n)), noise = g.normal(new Float32Array(2 * n), 0, 0.1);
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const upper = i % 2 === 0, th = Math.PI * u[i];
    x[2 * i] = (upper ? Math.cos(th) : 1 - Math.cos(th)) + noise[2 * i];
    x[2 * i + 1] = (upper ? Math.sin(th) : 0.5 - Math.sin(th)) + noise[2 * i + 1];
    y[i] = upper ? 0 : 1;
  }
  return { x: T(x, [n, 2]), y: T(y, [n, 1]) };
}

test('two moons: a 2-32-32-1 tanh MLP trained with fg.optim.SGD (momentum 0.9) reaches >= 97% accuracy on both backends with bit-identical loss curves', () => {
  const { x, y } = twoMoons(256, 7);
  const runs = onBackends((backend) => {
    const g = new fg.Generator(8);
    const net = new Sequential(new Linear(2, 32, { generator: g }), new Tanh(), new Linear(32, 32, { generator: g }), new Tanh(), new Linear(32, 1, { generator: g }));
    const lossFn = new BCEWithLogitsLoss();
    const opt = new fg.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    const curve = new Float32Array(200);
    for (let step = 0; step < curve.length; step++) {
      opt.zeroGrad();
      curve[step] = lossFn.forward(net.forward(x), y).data[0];
      net.backwardParameters(lossFn.backward());
      opt.step();
    }
    const logits = net.eval().forward(x).data;
    let correct = 0;
    for (let i = 0; i < y.size; i++) if ((logits[i] > 0 ? 1 : 0) === y.data[i]) correct++;
    assert.ok(correct / y.size >= 0.97, `${backend}: accuracy ${correct / y.size}, final loss ${curve[curve.length - 1]}`);
    assert.ok(curve[curve.length - 1] < curve[0] / 5, `${backend}: loss ${curve[0]} -> ${curve[curve.length - 1]}`);
    return curve;
  });
  assertSameBits(runs[1], runs[0], { kernel: 'two-moons loss curve native vs js' });
});

// ---------------------------------------------------------------------------------------------
// The claim is about the transform itself (eps = 0): eps adds a term that does not scale with a².
test('batch-norm scale invariance through Linear → BatchNorm1d: BN(W·u) = BN((aW)·u), du unchanged, dW scaled by 1/a', () => {
  onBackends((backend) => {
    const [n, inF, outF] = [64, 10, 6];
    const u = T(randomF32(n * inF, 50), [n, inF]);
    const dy = T(randomF32(n * outF, 51), [n, outF]);
    const run = (a: number) => {
      const lin = new Linear(inF, outF, { bias: false, generator: new fg.Generator(52) });
      for (let i = 0; i < lin.weight.size; i++) lin.weight.data[i] = Math.fround(a * lin.weight.data[i]);
      const net = new Sequential(lin, new BatchNorm1d(outF, { eps: 0 }));
      const y = net.forward(u);
      const du = net.backward(dy);
      return { y: y.data, du: du.data, dW: lin.weight.grad!.data };
    };
    const base = run(1);
    for (const a of [0.37, 5.3, 100]) {
      const s = run(a);
      const what = `${backend} a=${a}`;
      assertClose(s.y, base.y, `${what} BN output`, 1e-4, 1e-4);
      assertClose(s.du, base.du, `${what} du`, 1e-4, 1e-4);
      assertClose(s.dW.map((v) => v * a), base.dW, `${what} a·dW`, 1e-4, 1e-4);
    }
  });
});

// ---------------------------------------------------------------------------------------------
test('Module: names and order, recursive train/eval, zeroGrad, stateDict/loadStateDict with validation', () => {
  const g = new fg.Generator(60);
  const inner = new Sequential(new Linear(4, 3, { generator: g }), new BatchNorm1d(3));
  const net = new Sequential(new Linear(2, 4, { generator: g }), new ReLU(), inner, new Dropout(0.1));
  assert.deepEqual(net.namedParameters().map(([k]) => k), ['0.weight', '0.bias', '2.0.weight', '2.0.bias', '2.1.weight', '2.1.bias']);
  assert.deepEqual(net.namedBuffers().map(([k]) => k), ['2.1.running_mean', '2.1.running_var']);
  assert.deepEqual(Object.keys(net.stateDict()), [...net.namedParameters().map(([k]) => k).slice(0, 4), '2.1.weight', '2.1.bias', '2.1.running_mean', '2.1.running_var', '2.1.num_batches_tracked']);
  assert.equal(net.parameters().length, 6);
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.namedModules().every(([, m]) => m.training));

  const x = T(randomF32(10, 61), [5, 2]);
  net.forward(x);
  net.backward(T(randomF32(15, 62), [5, 3]));
  assert.ok(net.parameters().every((p) => p.grad !== null));
  const grads = net.parameters().map((p) => p.grad);
  net.zeroGrad();
  assert.ok(net.parameters().every((p, i) => p.grad === grads[i] && p.grad!.data.every((v) => v === 0)), 'zero-filled in place by default');

  const sd = net.stateDict();
  assert.equal(sd['2.1.num_batches_tracked'], 1);
  const other = new Sequential(new Linear(2, 4), new ReLU(), new Sequential(new Linear(4, 3), new BatchNorm1d(3)), new Dropout(0.1));
  const w = other.parameters()[0];
  other.loadStateDict(sd);
  assert.equal(other.parameters()[0], w, 'parameters keep their identity');
  for (const [k, v] of Object.entries(other.stateDict())) {
    if (typeof v === 'number') assert.equal(v, sd[k]);
    else assertSameBits(v.data, (sd[k] as Tensor).data, { kernel: `loadStateDict ${k}` });
  }
  // the snapshot is a copy
  net.parameters()[0].data[0] += 1;
  assert.notEqual((sd['0.weight'] as Tensor).data[0], net.parameters()[0].data[0]);

  // errors leave everything unchanged
  const before = other.parameters().map((p) => p.data);
  const bad = { ...sd, '2.0.weight': T(new Float32Array(8), [2, 4]) };
  assertRejects(() => other.loadStateDict(bad), RangeError, /Expected shape \[3, 4\] for stateDict\['2\.0\.weight'\] but received shape \[2, 4\]/, before);
  const { ['0.bias']: _drop, ...missing } = sd;
  assertRejects(() => other.loadStateDict({ ...missing, extra: 1 }), RangeError, /missing keys: 0\.bias; unexpected keys: extra/, before);
  assertRejects(() => other.loadStateDict({ ...sd, '2.1.num_batches_tracked': 1.5 }), TypeError, /non-negative integer for stateDict\['2\.1\.num_batches_tracked'\]/, before);
  assertRejects(() => other.loadStateDict({ ...sd, '0.bias': 'x' as never }), TypeError, /a Tensor, a Float32Array or an array of numbers for stateDict\['0\.bias'\]/, before);
  // state dicts of earlier versions (camelCase BatchNorm keys) keep loading; torch's 0-d int64 counter
  // (an IntTensor from loadSafetensors) is accepted for a counter
  const legacy = Object.fromEntries(Object.entries(sd).map(([k, v]) => [k.replace('running_mean', 'runningMean').replace('running_var', 'runningVar').replace('num_batches_tracked', 'numBatchesTracked'), v]));
  assert.ok('2.1.runningMean' in legacy && '2.1.numBatchesTracked' in legacy);
  const old = new Sequential(new Linear(2, 4), new ReLU(), new Sequential(new Linear(4, 3), new BatchNorm1d(3)), new Dropout(0.1));
  old.loadStateDict({ ...legacy, '2.1.numBatchesTracked': new fg.IntTensor(Int32Array.of(7), []) });
  const bn = old.children()[2].children()[1] as InstanceType<typeof BatchNorm1d>;
  assert.equal(bn.numBatchesTracked, 7);
  assertSameBits(bn.runningVar!.data, (sd['2.1.running_var'] as Tensor).data, { kernel: 'legacy runningVar' });
  assertRejects(() => old.loadStateDict({ ...legacy, '2.1.numBatchesTracked': new fg.IntTensor(Int32Array.of(1, 2), [2]) }), TypeError, /non-negative integer for stateDict\['2\.1\.num_batches_tracked'\]/);
  // non-strict loads the subset; arrays of numbers are accepted (as after JSON)
  other.loadStateDict({ '0.bias': [1, 2, 3, 4] }, { strict: false });
  assert.deepEqual(Array.from(other.parameters()[1].data), [1, 2, 3, 4]);
});

test('bad input: clear errors naming the argument, nothing changed', () => {
  const lin = new Linear(3, 2);
  assert.throws(() => lin.backward(T([1, 2], [1, 2])), /Linear\.backward\(\) needs a forward\(\) first/);
  assertRejects(() => lin.forward(T([1, 2, 3, 4], [2, 2])), RangeError, /Expected x of shape \[\.\.\., 3\] for Linear\(3, 2\) but received shape \[2, 2\]/);
  assertRejects(() => lin.forward(T([1], [])), RangeError, /Expected x of shape \[\.\.\., 3\]/);
  assertRejects(() => lin.forward([1, 2, 3] as never), TypeError, /Expected a Tensor for x/);
  lin.forward(T([1, 2, 3], [1, 3]));
  assertRejects(() => lin.backward(T([1, 2, 3], [1, 3])), RangeError, /Expected dy of shape \[1, 2\] \(the last output of Linear\)/, [lin.weight.data]);
  assert.throws(() => new Linear(-1, 2), RangeError);
  assert.throws(() => new Linear(2, 2, { bias: 1 as never }), /Expected a boolean for bias/);
  assert.throws(() => new Linear(2, 2, { generator: 3 as never }), /Expected a fastgrad Generator for generator/);
  assert.throws(() => new Linear(2, 2, { bais: true } as never), /Unknown option 'bais'/);
  assert.throws(() => new Dropout(1.5), /Expected a probability in \[0, 1\] for p but received number 1.5/);
  assert.throws(() => new MSELoss({ reduction: 'avg' as never }), /Expected 'mean', 'sum' or 'none' for reduction/);
  assert.throws(() => new MSELoss().backward(), /MSELoss\.backward\(\) needs a forward\(\) first/);
  assert.throws(() => new MSELoss().forward(T([1, 2], [2]), T([1], [1])), /Expected target of shape \[2\]/);
  const ce = new CrossEntropyLoss();
  const x = T([1, 2, 3, 4], [2, 2]);
  assert.throws(() => ce.forward(x, [0, 2]), /Expected a class index in \[0, 1\] for target\[1\] but received number 2/);
  assert.throws(() => ce.forward(x, [0]), /Expected 2 class indices/);
  assert.throws(() => ce.forward(x, T([0, 0.5], [2])), /target\[1\] but received number 0\.5/);
  assert.throws(() => ce.forward(T([1, 2], [2]), [0]), /Expected logits of shape \[N, C\]/);
  assert.throws(() => new Softmax().forward(T([1], [])), /at least one dimension/);
  assert.throws(() => new Sequential(lin, 3 as never), /Expected a Module for 1/);
});
