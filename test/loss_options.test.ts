// Loss options with torch 1.13 semantics: CrossEntropyLoss ignoreIndex, labelSmoothing, class weight and
// class-probability targets; BCEWithLogitsLoss weight and posWeight. Values against the torch formulas in
// float64, gradients against float64 central differences of those formulas, the same bits on the JS and
// native backends (every SIMD level × thread count), and bad options rejected naming the option.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertClose as closeTo, assertRejects, assertSameBits, forEachNativeConfig, numericGrad, randomF32, requireNative, rng } from './support/harness.js';

const { CrossEntropyLoss, BCEWithLogitsLoss, BCELoss, MSELoss } = fg.nn;
type Tensor = fg.Tensor;
type F64 = Float64Array;
type Reduction = 'mean' | 'sum';
const T = (data: ArrayLike<number>, shape: number[]) => new fg.Tensor(Float32Array.from(data), shape);
const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum'];

function onBackends(fn: (backend: 'js' | 'native') => void): void {
  const prev = fg.getBackend();
  try {
    fg.setBackend('js');
    fn('js');
    if (requireNative().name === 'native') {
      fg.setBackend('native');
      fn('native');
    }
  } finally {
    fg.setBackend(prev);
  }
}

/** Runs `run` on the JS backend, then on native at every SIMD level × threads, and compares every output bit for bit. */
function sameBitsEverywhere(what: string, run: () => Float32Array[]): number {
  const prev = fg.getBackend();
  let compared = 0;
  try {
    fg.setBackend('js');
    const want = run();
    if (requireNative().name !== 'native') return 0;
    fg.setBackend('native');
    forEachNativeConfig((level, threads) => {
      const got = run();
      assert.equal(got.length, want.length);
      got.forEach((g, i) => assertSameBits(g, want[i], { kernel: what, level, threads, output: String(i) }));
      compared++;
    });
  } finally {
    fg.setBackend(prev);
  }
  return compared;
}

const assertClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = 1e-6, rtol = 1e-4): void =>
  closeTo(actual, expected, what, atol, rtol);


function logSoftmax64(x: F64, N: number, C: number): F64 {
  const lp = new Float64Array(N * C);
  for (let i = 0; i < N; i++) {
    let m = -Infinity, z = 0;
    for (let c = 0; c < C; c++) m = Math.max(m, x[i * C + c]);
    for (let c = 0; c < C; c++) z += Math.exp(x[i * C + c] - m);
    for (let c = 0; c < C; c++) lp[i * C + c] = x[i * C + c] - m - Math.log(z);
  }
  return lp;
}

// ---------------------------------------------------------------------------------------------
// torch 1.13 references in float64.

interface CeOpts {
  weight?: F64 | null;
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/**
 * Cross-entropy with class indices (torch 1.13, LossNLL.cpp cross_entropy_loss / _label_smoothing):
 *   kept rows K = { i : t_i ≠ ignoreIndex },  w_c = weight[c] (1 without weight)
 *   nll    = Σ_{i∈K} −w_{t_i}·lp[i, t_i]               ('mean': / D, D = Σ_{i∈K} w_{t_i})
 *   smooth = Σ_{i∈K} Σ_c −w_c·lp[i, c]                  ('mean': / D)
 *   loss   = nll (ε = 0), else (1 − ε)·nll + (ε / C)·smooth
 * ('mean' over no kept row: 0 / 0 = NaN.)
 */
function ce64(x: F64, t: readonly number[], C: number, reduction: Reduction, o: CeOpts = {}): number {
  const N = t.length, lp = logSoftmax64(x, N, C), ii = o.ignoreIndex ?? -100, eps = o.labelSmoothing ?? 0;
  const w = (c: number) => (o.weight ? o.weight[c] : 1);
  let nll = 0, smooth = 0, D = 0;
  for (let i = 0; i < N; i++) {
    if (t[i] === ii) continue;
    nll -= w(t[i]) * lp[i * C + t[i]];
    D += w(t[i]);
    for (let c = 0; c < C; c++) smooth -= w(c) * lp[i * C + c];
  }
  if (reduction === 'mean') {
    nll /= D;
    smooth /= D;
  }
  return eps === 0 ? nll : (1 - eps) * nll + (eps / C) * smooth;
}

/**
 * Cross-entropy with class probabilities q (torch 1.13 cross_entropy_loss_prob_target):
 *   q' = q·(1 − ε) + ε / C;  loss = −Σ_{i,c} lp[i, c]·q'[i, c]·w_c   ('mean': / N, not / Σ w)
 */
function ceProb64(x: F64, q: F64, N: number, C: number, reduction: Reduction, o: CeOpts = {}): number {
  const lp = logSoftmax64(x, N, C), eps = o.labelSmoothing ?? 0;
  let s = 0;
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < C; c++) s -= lp[i * C + c] * (q[i * C + c] * (1 - eps) + eps / C) * (o.weight ? o.weight[c] : 1);
  }
  return reduction === 'mean' ? s / N : s;
}

/**
 * BCE with logits (torch 1.13 binary_cross_entropy_with_logits), elementwise, stable form:
 *   l = (1 − y)·x + (1 + (p − 1)·y)·softplus(−x),  softplus(−x) = max(−x, 0) + log(1 + exp(−|x|)) = −log σ(x)
 *     (= −[p·y·log σ(x) + (1 − y)·log(1 − σ(x))], checked below)
 *   times w; 'mean': / n.  p = posWeight, w = weight, both already broadcast to x's shape (1 when absent).
 */
function bce64(x: F64, y: F64, reduction: Reduction, p: F64 | null, w: F64 | null): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const spn = Math.max(-x[i], 0) + Math.log1p(Math.exp(-Math.abs(x[i])));
    const pw = p ? p[i] : 1;
    s += ((1 - y[i]) * x[i] + (1 + (pw - 1) * y[i]) * spn) * (w ? w[i] : 1);
  }
  return reduction === 'mean' ? s / x.length : s;
}

/** The textbook form −w·[p·y·log σ(x) + (1 − y)·log(1 − σ(x))] (fine for moderate x). */
function bceDirect64(x: F64, y: F64, reduction: Reduction, p: F64 | null, w: F64 | null): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const sg = 1 / (1 + Math.exp(-x[i]));
    s -= ((p ? p[i] : 1) * y[i] * Math.log(sg) + (1 - y[i]) * Math.log(1 - sg)) * (w ? w[i] : 1);
  }
  return reduction === 'mean' ? s / x.length : s;
}

/** v (of shape vs) laid over shape by numpy broadcasting, through explicit multi-indices (float64). */
function expand64(v: ArrayLike<number>, vs: readonly number[], shape: readonly number[]): F64 {
  const n = shape.reduce((a, b) => a * b, 1), out = new Float64Array(n), r = shape.length, k = vs.length;
  for (let i = 0; i < n; i++) {
    let rem = i, src = 0, stride = 1;
    const idx = new Array<number>(r);
    for (let d = r - 1; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
    }
    for (let j = k - 1; j >= 0; j--) {
      const d = r - k + j;
      src += (vs[j] === 1 ? 0 : idx[d]) * stride;
      stride *= vs[j];
    }
    out[i] = v[src];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cross-entropy with class indices.

interface CeCase {
  name: string;
  opts: { weight?: Tensor; ignoreIndex?: number; labelSmoothing?: number };
  /** The value written into some targets (null: none), the ignored class when it equals ignoreIndex. */
  mark: number | null;
}

function ceCases(C: number, weight: Tensor): CeCase[] {
  return [
    { name: 'no options', opts: {}, mark: null },
    { name: 'ignoreIndex -100 (default)', opts: {}, mark: -100 },
    { name: 'ignoreIndex 0 (a real class)', opts: { ignoreIndex: 0 }, mark: 0 },
    { name: 'ignoreIndex C + 2 (beyond the classes)', opts: { ignoreIndex: C + 2 }, mark: C + 2 },
    { name: 'labelSmoothing 0', opts: { labelSmoothing: 0 }, mark: -100 },
    { name: 'labelSmoothing 0.1', opts: { labelSmoothing: 0.1 }, mark: null },
    { name: 'labelSmoothing 0.1 + ignoreIndex -100', opts: { labelSmoothing: 0.1 }, mark: -100 },
    { name: 'labelSmoothing 0.1 + ignoreIndex 0', opts: { labelSmoothing: 0.1, ignoreIndex: 0 }, mark: 0 },
    { name: 'labelSmoothing 1', opts: { labelSmoothing: 1 }, mark: -100 },
    { name: 'weight', opts: { weight }, mark: null },
    { name: 'weight + ignoreIndex 0', opts: { weight, ignoreIndex: 0 }, mark: 0 },
    { name: 'weight + labelSmoothing 0.1 + ignoreIndex -100', opts: { weight, labelSmoothing: 0.1 }, mark: -100 },
    { name: 'weight + labelSmoothing 1', opts: { weight, labelSmoothing: 1 }, mark: null },
  ];
}

/** Class targets in [0, C) with every third row (from row 1) set to mark. */
function targets(N: number, C: number, seed: number, mark: number | null): number[] {
  const r = rng(seed);
  const t = Array.from({ length: N }, () => Math.floor(r() * C));
  if (mark !== null) t.forEach((_, i) => { if (i % 3 === 1) t[i] = mark; });
  return t;
}

const SHAPES: readonly [number, number][] = [[6, 5], [1, 3], [17, 10], [4, 2]];

test('CrossEntropyLoss ignoreIndex, labelSmoothing, weight: values and gradients against the torch formulas in float64', () => {
  onBackends((backend) => {
    for (const [N, C] of SHAPES) {
      const x = T(randomF32(N * C, N * 100 + C, { lo: -4, hi: 4 }), [N, C]);
      const weight = T(randomF32(C, N + C, { lo: 0.2, hi: 2 }), [C]);
      for (const k of ceCases(C, weight)) {
        const t = targets(N, C, N * 7 + C, k.mark);
        const ref = { ...k.opts, weight: k.opts.weight ? f64(k.opts.weight.data) : null };
        for (const reduction of REDUCTIONS) {
          const what = `${backend} [${N}, ${C}] ${k.name} ${reduction} (targets ${t})`;
          const L = new CrossEntropyLoss({ reduction, ...k.opts });
          const loss = L.forward(x, t);
          assert.deepEqual(loss.shape, []);
          const x64 = f64(x.data);
          const want = ce64(x64, t, C, reduction, ref);
          assert.ok(Number.isFinite(want), `${what}: the reference is finite`);
          assertClose(loss.data, [want], `${what} value`, 1e-6, 2e-6);
          assertClose(L.backward().data, numericGrad(() => ce64(x64, t, C, reduction, ref), x64), `${what} grad`);
        }
      }
    }
  });
});

test('CrossEntropyLoss: ignored rows contribute nothing (value and gradient), and mean is over the kept rows only', () => {
  onBackends((backend) => {
    const [N, C] = [7, 4];
    const x = T(randomF32(N * C, 50, { lo: -3, hi: 3 }), [N, C]);
    const weight = T([0.5, 2, 1, 3], [C]);
    for (const opts of [{}, { labelSmoothing: 0.2 }, { weight }, { weight, labelSmoothing: 0.2 }]) {
      const t = [1, -100, 3, 0, -100, 2, -100];
      const kept = [0, 2, 3, 5];
      const xk = T(kept.flatMap((i) => Array.from(x.data.subarray(i * C, (i + 1) * C))), [kept.length, C]);
      for (const reduction of REDUCTIONS) {
        const what = `${backend} ${JSON.stringify(Object.keys(opts))} ${reduction}`;
        const a = new CrossEntropyLoss({ reduction, ...opts }), b = new CrossEntropyLoss({ reduction, ...opts });
        const va = a.forward(x, t).data[0], vb = b.forward(xk, kept.map((i) => t[i])).data[0];
        assertClose([va], [vb], `${what}: same loss as without the ignored rows`, 0, 1e-6);
        const ga = a.backward().data, gb = b.backward().data;
        for (const i of [1, 4, 6]) assert.deepEqual(Array.from(ga.subarray(i * C, (i + 1) * C)), [0, 0, 0, 0], `${what}: ignored row ${i}`);
        kept.forEach((i, j) => assertClose(ga.subarray(i * C, (i + 1) * C), gb.subarray(j * C, (j + 1) * C), `${what}: row ${i}`, 0, 1e-6));
      }
    }
  });
});

test('CrossEntropyLoss: every target ignored gives NaN for mean and 0 for sum (as torch), and a zero gradient', () => {
  onBackends((backend) => {
    const x = T(randomF32(12, 51), [4, 3]);
    const weight = T([1, 2, 3], [3]);
    const cases: [object, number[]][] = [
      [{}, [-100, -100, -100, -100]],
      [{ ignoreIndex: 0 }, [0, 0, 0, 0]],
      [{ labelSmoothing: 0.1 }, [-100, -100, -100, -100]],
      [{ weight }, [-100, -100, -100, -100]],
      [{ weight, labelSmoothing: 0.3, ignoreIndex: 2 }, [2, 2, 2, 2]],
    ];
    for (const [opts, t] of cases) {
      const what = `${backend} ${JSON.stringify(opts)}`;
      const mean = new CrossEntropyLoss(opts);
      assert.ok(Number.isNaN(mean.forward(x, t).data[0]), `${what}: mean is NaN`);
      assert.ok(Number.isNaN(ce64(f64(x.data), t, 3, 'mean', { ...(opts as CeOpts), weight: (opts as { weight?: Tensor }).weight ? f64(weight.data) : null })), 'the reference agrees');
      assert.ok(mean.backward().data.every((g) => g === 0), `${what}: mean gradient is 0 (not NaN)`);
      const sum = new CrossEntropyLoss({ reduction: 'sum', ...opts });
      assert.equal(Math.abs(sum.forward(x, t).data[0]), 0, `${what}: sum is 0`);
      assert.ok(sum.backward().data.every((g) => g === 0), `${what}: sum gradient is 0`);
    }
  });
});

test('CrossEntropyLoss weight: the mean divides by the sum of the weights of the (kept) targets', () => {
  // rows 0 and 1: classes 0 and 2 with weights 1 and 3; loss = (1·(−lp[0,0]) + 3·(−lp[1,2])) / (1 + 3)
  const x = T([0, 0, 0, 1, 2, 3], [2, 3]);
  const loss = new CrossEntropyLoss({ weight: T([1, 2, 3], [3]) }).forward(x, [0, 2]).data[0];
  const want = (Math.log(3) + 3 * (Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3)) / 4;
  assertClose([loss], [want], 'weighted mean', 0, 1e-6);
  // labelSmoothing 0 is the plain loss, bit for bit; labelSmoothing 1 ignores the targets
  const y = T(randomF32(40, 52), [8, 5]), t = [0, 1, 2, 3, 4, 0, 1, 2];
  assertSameBits(new CrossEntropyLoss({ labelSmoothing: 0 }).forward(y, t).data, new CrossEntropyLoss().forward(y, t).data, { kernel: 'labelSmoothing 0' });
  assertSameBits(new CrossEntropyLoss({ labelSmoothing: 1 }).forward(y, t).data, new CrossEntropyLoss({ labelSmoothing: 1 }).forward(y, [4, 3, 2, 1, 0, 4, 3, 2]).data, { kernel: 'labelSmoothing 1' });
});

// ---------------------------------------------------------------------------------------------
// Cross-entropy with class probabilities.

function probs(N: number, C: number, seed: number, normalized: boolean): Float32Array {
  const q = randomF32(N * C, seed, { lo: 0, hi: 1 });
  if (normalized) {
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += q[i * C + c];
      for (let c = 0; c < C; c++) q[i * C + c] = q[i * C + c] / s;
    }
  }
  return q;
}

test('CrossEntropyLoss with class probabilities (target of the shape of input): values and gradients against float64', () => {
  onBackends((backend) => {
    for (const [N, C] of [[6, 5], [3, 4], [1, 2]] as const) {
      const x = T(randomF32(N * C, 60 + N, { lo: -4, hi: 4 }), [N, C]);
      const weight = T(randomF32(C, 61 + N, { lo: 0.2, hi: 2 }), [C]);
      for (const normalized of [true, false]) {
        const q = T(probs(N, C, 62 + N, normalized), [N, C]);
        for (const opts of [{}, { labelSmoothing: 0.1 }, { labelSmoothing: 1 }, { weight }, { weight, labelSmoothing: 0.25 }]) {
          const ref = { ...opts, weight: 'weight' in opts ? f64(weight.data) : null };
          for (const reduction of REDUCTIONS) {
            const what = `${backend} [${N}, ${C}] ${normalized ? 'rows sum to 1' : 'rows do not sum to 1'} ${JSON.stringify(Object.keys(opts))} ${JSON.stringify(opts)} ${reduction}`;
            const L = new CrossEntropyLoss({ reduction, ...opts });
            const x64 = f64(x.data), q64 = f64(q.data);
            assertClose(L.forward(x, q).data, [ceProb64(x64, q64, N, C, reduction, ref)], `${what} value`, 1e-6, 2e-6);
            assertClose(L.backward().data, numericGrad(() => ceProb64(x64, q64, N, C, reduction, ref), x64), `${what} grad`);
          }
        }
      }
    }
  });
});

test('CrossEntropyLoss: one-hot probabilities give the loss of the class indices (smoothing included; with weights only for sum, as torch)', () => {
  const [N, C] = [5, 4];
  const x = T(randomF32(N * C, 70, { lo: -3, hi: 3 }), [N, C]);
  const t = [3, 0, 2, 2, 1];
  const onehot = T(t.flatMap((k) => Array.from({ length: C }, (_, c) => (c === k ? 1 : 0))), [N, C]);
  const weight = T([0.5, 1, 2, 4], [C]);
  for (const opts of [{}, { labelSmoothing: 0.1 }, { weight }, { weight, labelSmoothing: 0.3 }]) {
    for (const reduction of REDUCTIONS) {
      const what = `${JSON.stringify(opts)} ${reduction}`;
      const a = new CrossEntropyLoss({ reduction, ...opts }), b = new CrossEntropyLoss({ reduction, ...opts });
      const va = a.forward(x, onehot).data[0], vb = b.forward(x, t).data[0];
      if ('weight' in opts && reduction === 'mean') {
        // torch: probabilities divide by N, class indices by the sum of the target weights (4 + 0.5 + 2 + 2 + 1 = 9.5 ≠ 5 here)
        assertClose([va * N], [vb * (4 + 0.5 + 2 + 2 + 1)], `${what}: same sum, different divisor`, 0, 1e-5);
        assert.ok(Math.abs(va - vb) > 1e-3, `${what}: the divisors differ`);
      } else {
        assertClose([va], [vb], `${what}: value`, 0, 1e-5);
        assertClose(a.backward().data, b.backward().data, `${what}: grad`, 1e-7, 1e-5);
      }
    }
  }
});

test('CrossEntropyLoss with class probabilities: empty input gives NaN for mean (as torch), 0 for sum', () => {
  assert.ok(Number.isNaN(new CrossEntropyLoss().forward(T([], [0, 3]), T([], [0, 3])).data[0]));
  assert.ok(Number.isNaN(new CrossEntropyLoss().forward(T([], [2, 0]), T([], [2, 0])).data[0]), 'torch: input.numel() == 0 → NaN');
  assert.equal(Math.abs(new CrossEntropyLoss({ reduction: 'sum' }).forward(T([], [0, 3]), T([], [0, 3])).data[0]), 0);
});

// ---------------------------------------------------------------------------------------------
// BCE with logits: weight and posWeight.

interface BceCase {
  shape: number[];
  pw: number[] | null;
  w: number[] | null;
}

const BCE_CASES: readonly BceCase[] = [
  { shape: [8, 3], pw: [3], w: null },
  { shape: [8, 3], pw: [3], w: [3] },
  { shape: [8, 3], pw: null, w: [8, 1] },
  { shape: [8, 3], pw: [1, 3], w: [] },
  { shape: [8, 3], pw: [8, 3], w: [8, 3] },
  { shape: [8, 3], pw: [1], w: [1, 1] },
  { shape: [5], pw: [5], w: [5] },
  { shape: [2, 3, 4], pw: [4], w: [3, 1] },
  { shape: [2, 3, 4], pw: [3, 1], w: [2, 1, 4] },
];

test('BCEWithLogitsLoss weight and posWeight (broadcast): values and gradients against float64, the stable form equals the textbook one', () => {
  onBackends((backend) => {
    BCE_CASES.forEach(({ shape, pw, w }, ci) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = T(randomF32(n, 80 + ci, { lo: -5, hi: 5 }), shape);
      const yv = randomF32(n, 81 + ci, { lo: 0, hi: 1 });
      yv[0] = 1;
      yv[1] = 0;
      const y = T(yv, shape);
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const pwT = pw ? T(randomF32(size(pw), 82 + ci, { lo: 0.3, hi: 3 }), pw) : null;
      const wT = w ? T(randomF32(size(w), 83 + ci, { lo: 0.2, hi: 2 }), w) : null;
      const p64 = pwT ? expand64(pwT.data, pwT.shape, shape) : null, w64 = wT ? expand64(wT.data, wT.shape, shape) : null;
      for (const reduction of REDUCTIONS) {
        const what = `${backend} ${JSON.stringify({ shape, pw, w })} ${reduction}`;
        const L = new BCEWithLogitsLoss({ reduction, posWeight: pwT, weight: wT });
        const x64 = f64(x.data), y64 = f64(y.data);
        const want = bce64(x64, y64, reduction, p64, w64);
        assertClose([want], [bceDirect64(x64, y64, reduction, p64, w64)], `${what}: stable reference vs textbook`, 1e-12, 1e-10);
        assertClose(L.forward(x, y).data, [want], `${what} value`, 1e-6, 2e-6);
        assertClose(L.backward().data, numericGrad(() => bce64(x64, y64, reduction, p64, w64), x64), `${what} grad`);
      }
    });
  });
});

test('BCEWithLogitsLoss posWeight: the positive term only; stays finite for huge logits', () => {
  onBackends((backend) => {
    // y = 1: loss = p·softplus(−x) = p × (the loss without posWeight); y = 0: posWeight has no effect
    const x = T([-1.5, 0.3, 2], [3]);
    const plain = new BCEWithLogitsLoss({ reduction: 'sum' });
    const pos = new BCEWithLogitsLoss({ reduction: 'sum', posWeight: T([2.5], [1]) });
    const ones = T([1, 1, 1], [3]), zeros = T([0, 0, 0], [3]);
    assertClose(pos.forward(x, ones).data, [2.5 * plain.forward(x, ones).data[0]], `${backend} y = 1`, 0, 1e-6);
    assertClose(pos.forward(x, zeros).data, plain.forward(x, zeros).data, `${backend} y = 0`, 0, 1e-6);
    assertClose(pos.backward().data, plain.backward().data, `${backend} y = 0 grad`, 0, 1e-6);
    const L = new BCEWithLogitsLoss({ reduction: 'sum', posWeight: T([2], [1]) });
    const v = L.forward(T([1e30, -1e30, 100, -100], [4]), T([0, 1, 1, 0], [4])).data[0];
    // (1 − y)·x + (1 + (p − 1)·y)·(max(−x, 0) + log(1 + exp(−|x|))): 1e30 + 2·1e30 + 0 + 0
    assertClose([v], [3e30], `${backend} huge logits`, 0, 1e-6);
    const g = L.backward().data;
    assert.deepEqual(Array.from(g.subarray(0, 3)), [1, -2, 0], `${backend} gradient ((p·y + 1 − y)·σ(x) − p·y)`);
    assert.ok(g[3] > 0 && g[3] < 1e-40, `${backend}: σ(−100) keeps the left tail: ${g[3]}`);
  });
});

// ---------------------------------------------------------------------------------------------
// The same bits on both backends (every SIMD level × thread count), at sizes that run in parallel.

test('every option gives the same bits on the JS and native backends (value and gradient, every SIMD level × threads)', () => {
  const [N, C] = [300, 130];
  const x = T(randomF32(N * C, 90, { lo: -6, hi: 6 }), [N, C]);
  const weight = T(randomF32(C, 91, { lo: 0.1, hi: 3 }), [C]);
  const t = targets(N, C, 92, -100), t0 = targets(N, C, 92, 0);
  const q = T(probs(N, C, 93, true), [N, C]);
  const y = T(randomF32(N * C, 94, { lo: 0, hi: 1 }), [N, C]);
  const pw = T(randomF32(C, 95, { lo: 0.2, hi: 4 }), [C]), bw = T(randomF32(N, 96, { lo: 0, hi: 2 }), [N, 1]);
  const p = T(randomF32(N * C, 97, { lo: 0, hi: 1 }), [N, C]);
  const runOn = (input: Tensor) => (L: { forward(a: Tensor, b: never): Tensor; backward(): Tensor }, target: unknown) => () => [L.forward(input, target as never).data, L.backward().data];
  const run = runOn(x);
  const cases: [string, () => Float32Array[]][] = [];
  for (const reduction of REDUCTIONS) {
    cases.push(
      [`CE ignoreIndex -100 ${reduction}`, run(new CrossEntropyLoss({ reduction }), t)],
      [`CE ignoreIndex 0 ${reduction}`, run(new CrossEntropyLoss({ reduction, ignoreIndex: 0 }), t0)],
      [`CE labelSmoothing 0.1 ${reduction}`, run(new CrossEntropyLoss({ reduction, labelSmoothing: 0.1 }), t)],
      [`CE weight ${reduction}`, run(new CrossEntropyLoss({ reduction, weight }), t)],
      [`CE weight + labelSmoothing 0.2 ${reduction}`, run(new CrossEntropyLoss({ reduction, weight, labelSmoothing: 0.2 }), t)],
      [`CE probabilities ${reduction}`, run(new CrossEntropyLoss({ reduction }), q)],
      [`CE probabilities + weight + labelSmoothing 0.1 ${reduction}`, run(new CrossEntropyLoss({ reduction, weight, labelSmoothing: 0.1 }), q)],
      [`BCE posWeight ${reduction}`, run(new BCEWithLogitsLoss({ reduction, posWeight: pw }), y)],
      [`BCE posWeight + weight ${reduction}`, run(new BCEWithLogitsLoss({ reduction, posWeight: pw, weight: bw }), y)],
      [`BCE weight ${reduction}`, run(new BCEWithLogitsLoss({ reduction, weight: bw }), y)],
      [`BCELoss ${reduction}`, runOn(p)(new BCELoss({ reduction }), y)],
      [`BCELoss weight ${reduction}`, runOn(p)(new BCELoss({ reduction, weight: bw }), y)],
    );
  }
  for (const [what, fn] of cases) {
    const compared = sameBitsEverywhere(what, fn);
    if (process.env.FASTGRAD_ALLOW_NO_NATIVE !== '1') assert.ok(compared > 0, `${what}: compared on native`);
  }
});

test('BCELoss: torch\'s clamp of each log at -100 (finite at 0 and 1), its epsilon in the gradient, probabilities only', () => {
  const x = fg.tensor([0, 1, 0.25, 0.5], { requiresGrad: true }), y = fg.tensor([1, 0, 1, 0.5]);
  const l = new BCELoss({ reduction: 'none' }).forward(x, y);
  const e = [100, 100, -Math.log(0.25), -Math.log(0.5)];
  (l.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - e[i]) < 1e-5, `loss[${i}] ${v} vs ${e[i]}`));
  l.sum().backward();
  // (x − y) / max((1 − x)·x, 1e-12): −1e12 at x = 0, y = 1; 1e12 at x = 1, y = 0
  const g = x.grad!.data;
  assert.equal(g[0], Math.fround(-1 / Math.fround(1e-12)));
  assert.equal(g[1], Math.fround(1 / Math.fround(1e-12)));
  assert.ok(Math.abs(g[2] - -0.75 / 0.1875) < 1e-5);
  assert.equal(g[3], 0);
  assertRejects(() => new BCELoss().forward(fg.tensor([0.5, 1.5]), fg.tensor([1, 0])), RangeError, /input of BCELoss in \[0, 1\].*received 1\.5 at index 1/);
  assertRejects(() => new BCELoss().forward(fg.tensor([NaN]), fg.tensor([1])), RangeError, /received NaN at index 0/);
  assertRejects(() => new BCELoss({ weight: fg.ones([3]) }).forward(fg.tensor([0.5, 0.5]), fg.tensor([1, 0])), RangeError, /broadcasts to \[2\].*for weight/);
  assert.equal(fg.nn.functional.binaryCrossEntropy(fg.tensor([0.5]), fg.tensor([1])).item(), Math.fround(Math.log(2)));
});

// ---------------------------------------------------------------------------------------------
// Bad options: the right error class, naming the option; nothing changed.

test('bad options are rejected with the right error class naming the option, nothing changed', () => {
  const x = T(randomF32(15, 100), [5, 3]);
  const t = [0, 1, 2, 1, 0];
  // labelSmoothing outside [0, 1] or not a number
  for (const v of [-0.1, 1.5, NaN, Infinity]) assertRejects(() => new CrossEntropyLoss({ labelSmoothing: v }), RangeError, /Expected a number in \[0, 1\] for labelSmoothing but received number/);
  assertRejects(() => new CrossEntropyLoss({ labelSmoothing: '0.1' as never }), TypeError, /for labelSmoothing but received string "0\.1"/);
  // ignoreIndex not an integer
  for (const v of [1.5, NaN, Infinity, 2 ** 60]) assertRejects(() => new CrossEntropyLoss({ ignoreIndex: v }), RangeError, /Expected an integer for ignoreIndex but received number/);
  assertRejects(() => new CrossEntropyLoss({ ignoreIndex: '0' as never }), TypeError, /Expected an integer for ignoreIndex but received string/);
  // weight: not a tensor, not 1-D, wrong length (at forward, when C is known)
  assertRejects(() => new CrossEntropyLoss({ weight: [1, 2, 3] as never }), TypeError, /Expected a 1-D Tensor of class weights \(or null\) for weight but received an Array/);
  assertRejects(() => new CrossEntropyLoss({ weight: T([1, 2, 3, 4, 5, 6], [2, 3]) }), RangeError, /Expected a 1-D Tensor of class weights for weight but received shape \[2, 3\]/);
  const ce = new CrossEntropyLoss({ weight: T([1, 2, 3], [3]) });
  ce.forward(x, t);
  const g = ce.backward().data;
  assertRejects(() => ce.forward(T(randomF32(20, 101), [5, 4]), [0, 1, 2, 3, 0]), RangeError, /Expected 4 class weights \(one per column of input\) for weight but received shape \[3\]/, [x.data]);
  assertSameBits(ce.backward().data, g, { kernel: 'CE backward after a rejected forward' });
  // a target out of range is still rejected when not equal to ignoreIndex
  assertRejects(() => new CrossEntropyLoss({ ignoreIndex: -1 }).forward(x, [0, -100, 1, 2, 0]), RangeError, /Expected a class index in \[0, 2\] for target\[1\] but received number -100/);
  // class probabilities: no ignoreIndex >= 0 (torch), and the shape of input
  const ce0 = new CrossEntropyLoss({ ignoreIndex: 0 });
  ce0.forward(x, t);
  const g0 = ce0.backward().data;
  assertRejects(() => ce0.forward(x, T(probs(5, 3, 102, true), [5, 3])), RangeError, /Expected a negative integer \(with class probabilities no target is ignored, as torch\) for ignoreIndex but received number 0/);
  assertSameBits(ce0.backward().data, g0, { kernel: 'CE backward after a rejected probability target' });
  assertRejects(() => new CrossEntropyLoss().forward(x, T(probs(5, 4, 103, true), [5, 4])), RangeError, /Expected class probabilities of shape \[5, 3\] \(the shape of input\) or 5 class indices for target but received shape \[5, 4\]/);
  assertRejects(() => new CrossEntropyLoss().forward(x, T(new Float32Array(15), [15, 1, 1])), RangeError, /for target but received shape \[15, 1, 1\]/);
  // BCE posWeight / weight: not a tensor, or a shape that does not broadcast to the input (at forward)
  assertRejects(() => new BCEWithLogitsLoss({ posWeight: [1, 2, 3] as never }), TypeError, /Expected a Tensor \(or null\) for posWeight but received an Array/);
  assertRejects(() => new BCEWithLogitsLoss({ weight: 2 as never }), TypeError, /Expected a Tensor \(or null\) for weight but received number 2/);
  const y = T(randomF32(15, 104, { lo: 0, hi: 1 }), [5, 3]);
  const bce = new BCEWithLogitsLoss({ posWeight: T([1, 2, 3], [3]) });
  bce.forward(x, y);
  const gb = bce.backward().data;
  assertRejects(() => bce.forward(T(randomF32(20, 105), [5, 4]), T(new Float32Array(20), [5, 4])), RangeError, /Expected a shape that broadcasts to \[5, 4\] \(the shape of input of BCEWithLogitsLoss; e\.g\. \[4\], one value per class\) for posWeight but received shape \[3\]/);
  assertSameBits(bce.backward().data, gb, { kernel: 'BCE backward after a rejected forward' });
  for (const s of [[4], [2, 3], [1, 5, 3], [3, 1]]) {
    const n = s.reduce((a, b) => a * b, 1);
    assertRejects(() => new BCEWithLogitsLoss({ posWeight: T(new Float32Array(n).fill(1), s) }).forward(x, y), RangeError, /for posWeight but received shape/);
    assertRejects(() => new BCEWithLogitsLoss({ weight: T(new Float32Array(n).fill(1), s) }).forward(x, y), RangeError, /for weight but received shape/);
  }
  // unknown options
  assertRejects(() => new CrossEntropyLoss({ ignore_index: 0 } as never), TypeError, /Unknown option 'ignore_index' for CrossEntropyLoss options; expected one of: reduction, weight, ignoreIndex, labelSmoothing/);
  assertRejects(() => new BCEWithLogitsLoss({ pos_weight: T([1], [1]) } as never), TypeError, /Unknown option 'pos_weight' for BCEWithLogitsLoss options; expected one of: reduction, weight, posWeight/);
  assertRejects(() => new MSELoss({ weight: T([1], [1]) } as never), TypeError, /Unknown option 'weight' for MSELoss options; expected one of: reduction$/);
});

test('loss options are kept as given (the weight tensors by reference, as torch buffers)', () => {
  const w = T([1, 2], [2]), pw = T([3], [1]);
  const ce = new CrossEntropyLoss({ weight: w, ignoreIndex: 1, labelSmoothing: 0.25, reduction: 'sum' });
  assert.equal(ce.weight, w);
  assert.equal(ce.ignoreIndex, 1);
  assert.equal(ce.labelSmoothing, 0.25);
  assert.equal(ce.reduction, 'sum');
  const d = new CrossEntropyLoss();
  assert.deepEqual([d.weight, d.ignoreIndex, d.labelSmoothing, d.reduction], [null, -100, 0, 'mean']);
  const bce = new BCEWithLogitsLoss({ posWeight: pw, weight: null });
  assert.equal(bce.posWeight, pw);
  assert.equal(bce.weight, null);
});
