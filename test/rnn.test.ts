// fg.nn.RNN: BPTT gradients against finite differences (float64 re-implementation of the forward),
// batch-first vs time-major layouts, the same bits on both backends, and argument checks.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fg from '../lib/index.js';
import { assertSameBits, requireNative } from './support/harness.js';

const { RNN } = fg.nn;

/** The RNN's forward in float64 from the current weights; returns sum(out * w) for a fixed weighting w. */
function objective64(r: InstanceType<typeof RNN>, x: Float32Array, N: number, T: number, w: Float32Array): number {
  const H = r.hiddenSize, I = r.inputSize;
  const Wih = r.weightIh.data, Whh = r.weightHh.data, bih = r.biasIh!.data, bhh = r.biasHh!.data;
  let h = new Float64Array(N * H);
  let s = 0;
  for (let t = 0; t < T; t++) {
    const hn = new Float64Array(N * H);
    for (let n = 0; n < N; n++) for (let j = 0; j < H; j++) {
      let z = bih[j] + bhh[j];
      for (let i = 0; i < I; i++) z += x[(n * T + t) * I + i] * Wih[j * I + i];
      for (let k = 0; k < H; k++) z += h[n * H + k] * Whh[j * H + k];
      hn[n * H + j] = Math.tanh(z);
      s += hn[n * H + j] * w[(n * T + t) * H + j];
    }
    h = hn;
  }
  return s;
}

function setup(seed: number) {
  const gen = new fg.Generator(seed);
  const N = 3, T = 5, I = 2, H = 4;
  const r = new RNN(I, H, { batchFirst: true, generator: gen });
  const x = gen.normal(new Float32Array(N * T * I));
  const w = gen.normal(new Float32Array(N * T * H));
  return { r, x, w, N, T, I, H };
}

test('RNN backward matches finite differences of the forward (every parameter and the input)', () => {
  const { r, x, w, N, T, I, H } = setup(3);
  const out = r.forward(new fg.Tensor(x, [N, T, I]));
  assert.deepEqual(out.shape, [N, T, H]);
  const dx = r.backward(new fg.Tensor(w, [N, T, H]));
  const eps = 1e-3;
  const check = (name: string, data: Float32Array, grad: Float32Array, f: () => number) => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      data[i] = v + eps;
      const up = f();
      data[i] = v - eps;
      const dn = f();
      data[i] = v;
      const fd = (up - dn) / (2 * eps);
      assert.ok(Math.abs(fd - grad[i]) <= 2e-3 * Math.max(1, Math.abs(fd)), `${name}[${i}]: backward ${grad[i]} vs finite difference ${fd}`);
    }
  };
  const f = () => objective64(r, x, N, T, w);
  for (const p of [r.weightIh, r.weightHh, r.biasIh!, r.biasHh!]) check('param', p.data, p.grad!.data, f);
  check('x', x, dx.data, f);
});

test('RNN: batchFirst and time-major give the same numbers; hN is the last step', () => {
  const { r, x, w, N, T, I, H } = setup(5);
  const b = new RNN(I, H, { generator: new fg.Generator(1) });
  b.loadStateDict(r.stateDict());
  const xt = new Float32Array(x.length), wt = new Float32Array(w.length);
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) {
    xt.set(x.subarray((n * T + t) * I, (n * T + t + 1) * I), (t * N + n) * I);
    wt.set(w.subarray((n * T + t) * H, (n * T + t + 1) * H), (t * N + n) * H);
  }
  const yb = r.forward(new fg.Tensor(x, [N, T, I]));
  const yt = b.forward(new fg.Tensor(xt, [T, N, I]));
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) {
    assert.deepEqual(yb.data.subarray((n * T + t) * H, (n * T + t + 1) * H), yt.data.subarray((t * N + n) * H, (t * N + n + 1) * H));
  }
  assert.deepEqual(r.hN!.data, yt.data.subarray((T - 1) * N * H));
  r.backward(new fg.Tensor(w, [N, T, H]));
  b.backward(new fg.Tensor(wt, [T, N, H]));
  assert.deepEqual(r.weightHh.grad!.data, b.weightHh.grad!.data);
  assert.deepEqual(r.weightIh.grad!.data, b.weightIh.grad!.data);
});

test('RNN: forward and backward give the same bits on the JS and native backends', () => {
  requireNative();
  const run = (backend: 'js' | 'native') => {
    fg.setBackend(backend);
    try {
      const { r, x, w, N, T, I, H } = setup(11);
      const y = r.forward(new fg.Tensor(x, [N, T, I]));
      const dx = r.backward(new fg.Tensor(w, [N, T, H]));
      return [y.data, dx.data, ...r.parameters().map((p) => p.grad!.data)];
    } finally {
      fg.setBackend('native');
    }
  };
  const a = run('js'), b = run('native');
  a.forEach((v, i) => assertSameBits(b[i], v, { kernel: 'RNN', output: String(i), seed: 11 }));
});

test('RNN: argument checks', () => {
  assert.throws(() => new RNN(0, 4), RangeError);
  assert.throws(() => new RNN(2, 4, { nonlinearity: 'relu' as never }), /'tanh'/);
  const r = new RNN(2, 4, { batchFirst: true });
  assert.throws(() => r.forward(new fg.Tensor(new Float32Array(6), [3, 2])), /Expected x of shape \[N, T, 2\]/);
  assert.throws(() => r.forward(new fg.Tensor(new Float32Array(12), [2, 3, 2]), fg.Tensor.zeros([3, 4])), /Expected h0 of shape \[2, 4\]/);
  assert.throws(() => new RNN(2, 4).backward(fg.Tensor.zeros([1, 1, 4])), /needs a forward\(\) first/);
});
