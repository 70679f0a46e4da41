// LSTM and GRU: forward against a float64 reference of torch's equations, float64 finite-difference
// gradients of every input (x, h0, c0, every weight and bias) through loss.backward() for several
// layers, batchFirst, no bias, unbatched; the same bits on both backends, every SIMD level and thread
// count (layers and the raw cell kernels); torch's parameter names; errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import type { RnnKernels } from '../lib/backend/kernels.js';
import { assertClose, assertRejects, assertSameBits, forEachNativeConfig, jsKernels, randomF32, requireNative } from './support/harness.js';
import { checkGradients, f64, sameBitsEverywhere } from './support/layers.js';

const { LSTM, GRU } = fg.nn;
type Mode = 'LSTM' | 'GRU';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * Float64 torch equations, time-major x (T, N, I); params per layer [wih, whh, bih?, bhh?];
 * returns [output (T·N·H) | hN (L·N·H) | cN (L·N·H, LSTM only)].
 */
function recurrent64(mode: Mode, x: Float64Array, T: number, N: number, I: number, H: number, L: number, params: Float64Array[][],
  h0: Float64Array | null, c0: Float64Array | null): Float64Array {
  const Gn = mode === 'LSTM' ? 4 : 3;
  let seq = x, inSize = I;
  const hN: number[] = [], cN: number[] = [];
  for (let l = 0; l < L; l++) {
    const [wih, whh, bih, bhh] = params[l];
    const out = new Float64Array(T * N * H);
    let h = h0 ? h0.slice(l * N * H, (l + 1) * N * H) : new Float64Array(N * H);
    let c = c0 ? c0.slice(l * N * H, (l + 1) * N * H) : new Float64Array(N * H);
    for (let t = 0; t < T; t++) {
      const hNew = new Float64Array(N * H), cNew = new Float64Array(N * H);
      for (let n = 0; n < N; n++) {
        const xg = new Float64Array(Gn * H), hg = new Float64Array(Gn * H);
        for (let q = 0; q < Gn * H; q++) {
          let a = bih ? bih[q] : 0, b = bhh ? bhh[q] : 0;
          for (let i = 0; i < inSize; i++) a += wih[q * inSize + i] * seq[(t * N + n) * inSize + i];
          for (let i = 0; i < H; i++) b += whh[q * H + i] * h[n * H + i];
          xg[q] = a;
          hg[q] = b;
        }
        for (let j = 0; j < H; j++) {
          const o = n * H + j;
          if (mode === 'LSTM') {
            const ig = sig(xg[j] + hg[j]), fg_ = sig(xg[H + j] + hg[H + j]), gg = Math.tanh(xg[2 * H + j] + hg[2 * H + j]), og = sig(xg[3 * H + j] + hg[3 * H + j]);
            cNew[o] = fg_ * c[o] + ig * gg;
            hNew[o] = og * Math.tanh(cNew[o]);
          } else {
            const r = sig(xg[j] + hg[j]), z = sig(xg[H + j] + hg[H + j]);
            const nn = Math.tanh(xg[2 * H + j] + r * hg[2 * H + j]);
            hNew[o] = (1 - z) * nn + z * h[o];
          }
        }
      }
      h = hNew;
      c = cNew;
      out.set(h, t * N * H);
    }
    hN.push(...h);
    cN.push(...c);
    seq = out;
    inSize = H;
  }
  return Float64Array.from([...seq, ...hN, ...(mode === 'LSTM' ? cN : [])]);
}

/** (A, B, C) -> (B, A, C). */
function swap01(a: ArrayLike<number>, A: number, B: number, C: number): Float64Array {
  const o = new Float64Array(A * B * C);
  for (let i = 0; i < A; i++) for (let j = 0; j < B; j++) for (let k = 0; k < C; k++) o[(j * A + i) * C + k] = a[(i * B + j) * C + k];
  return o;
}

interface Case {
  mode: Mode;
  T: number;
  N: number;
  I: number;
  H: number;
  L: number;
  bias?: boolean;
  batchFirst?: boolean;
  unbatched?: boolean;
  state?: boolean;
}

function make(c: Case, seed: number): fg.nn.LSTM | fg.nn.GRU {
  const opts = { numLayers: c.L, bias: c.bias ?? true, batchFirst: c.batchFirst ?? false, generator: fg.manualSeed(seed) };
  return c.mode === 'LSTM' ? new LSTM(c.I, c.H, opts) : new GRU(c.I, c.H, opts);
}

/** Runs the layer; returns output, hN, cN (or null) and the loss Σ out·r1 + Σ hN·r2 (+ Σ cN·r3). */
function runCase(c: Case, m: fg.nn.LSTM | fg.nn.GRU, x: fg.Tensor, h0: fg.Tensor | undefined, c0: fg.Tensor | undefined, r: Float32Array) {
  let out: fg.Tensor, hN: fg.Tensor, cN: fg.Tensor | null = null;
  if (c.mode === 'LSTM') {
    const res = (m as fg.nn.LSTM).forward(x, h0 && c0 ? [h0, c0] : undefined);
    [out, [hN, cN]] = res;
  } else {
    [out, hN] = (m as fg.nn.GRU).forward(x, h0);
  }
  const parts = [out, hN, ...(cN ? [cN] : [])];
  let off = 0, loss: fg.Tensor | null = null;
  for (const p of parts) {
    const w = new fg.Tensor(r.slice(off, off + p.size), p.shape);
    off += p.size;
    const term = p.mul(w).sum();
    loss = loss ? loss.add(term) : term;
  }
  return { out, hN, cN, loss: loss! };
}

const CASES: Case[] = [
  { mode: 'LSTM', T: 4, N: 3, I: 5, H: 4, L: 1 },
  { mode: 'LSTM', T: 3, N: 2, I: 3, H: 5, L: 2, state: true },
  { mode: 'LSTM', T: 3, N: 2, I: 4, H: 3, L: 1, bias: false, batchFirst: true, state: true },
  { mode: 'LSTM', T: 5, N: 1, I: 2, H: 3, L: 2, unbatched: true, state: true },
  { mode: 'GRU', T: 4, N: 3, I: 5, H: 4, L: 1 },
  { mode: 'GRU', T: 3, N: 2, I: 3, H: 5, L: 2, state: true },
  { mode: 'GRU', T: 3, N: 2, I: 4, H: 3, L: 1, bias: false, batchFirst: true, state: true },
  { mode: 'GRU', T: 5, N: 1, I: 2, H: 3, L: 2, unbatched: true, state: true },
];

function describeCase(c: Case): string {
  return `${c.mode} T=${c.T} N=${c.N} I=${c.I} H=${c.H} L=${c.L}${c.bias === false ? ' no bias' : ''}${c.batchFirst ? ' batchFirst' : ''}${c.unbatched ? ' unbatched' : ''}${c.state ? ' with state' : ''}`;
}

test('LSTM and GRU match float64 torch equations and float64 finite differences of every input', () => {
  CASES.forEach((c, k) => {
    const what = describeCase(c);
    const m = make(c, 10 + k);
    const { T, N, I, H, L } = c;
    const xShape = c.unbatched ? [T, I] : c.batchFirst ? [N, T, I] : [T, N, I];
    const sShape = c.unbatched ? [L, H] : [L, N, H];
    const x = new fg.Tensor(randomF32(T * N * I, 100 + k), xShape).requiresGrad_();
    const h0 = c.state ? new fg.Tensor(randomF32(L * N * H, 200 + k, { lo: -0.8, hi: 0.8 }), sShape).requiresGrad_() : undefined;
    const c0 = c.state && c.mode === 'LSTM' ? new fg.Tensor(randomF32(L * N * H, 300 + k), sShape).requiresGrad_() : undefined;
    const nOut = T * N * H + L * N * H * (c.mode === 'LSTM' ? 2 : 1);
    const r = randomF32(nOut, 400 + k);
    const { out, hN, cN, loss } = runCase(c, m, x, h0, c0, r);
    assert.deepEqual(out.shape, c.unbatched ? [T, H] : c.batchFirst ? [N, T, H] : [T, N, H], `${what}: output shape`);
    assert.deepEqual(hN.shape, sShape, `${what}: hN shape`);
    if (cN) assert.deepEqual(cN.shape, sShape, `${what}: cN shape`);
    assert.equal(out.gradFn?.name !== undefined, true, `${what}: output is on the tape`);
    loss.backward();
    const params = m.parameters();
    const P = c.bias === false ? 2 : 4;
    // the reference works time-major; the layer's own layout is converted around it
    const tm = (v: Float64Array) => (c.batchFirst ? swap01(v, N, T, I) : v);
    const unTm = (y: Float64Array) => {
      if (!c.batchFirst) return y;
      const o = swap01(y.subarray(0, T * N * H), T, N, H);
      return Float64Array.from([...o, ...y.subarray(T * N * H)]);
    };
    const withState = c.state ? (c.mode === 'LSTM' ? 2 : 1) : 0;
    const ref = (v: Float64Array[]) => {
      const ps: Float64Array[][] = [];
      for (let l = 0; l < L; l++) ps.push(v.slice(1 + withState + l * P, 1 + withState + (l + 1) * P));
      return unTm(recurrent64(c.mode, tm(v[0]), T, N, I, H, L, ps, c.state ? v[1] : null, c.state && c.mode === 'LSTM' ? v[2] : null));
    };
    const inputs = [f64(x.data), ...(h0 ? [f64(h0.data)] : []), ...(c0 ? [f64(c0.data)] : []), ...params.map((p) => f64(p.data))];
    const got = Float32Array.from([...out.data, ...hN.data, ...(cN ? cN.data : [])]);
    assertClose(got, ref(inputs), `${what}: forward`, 2e-6, 2e-5);
    const analytic = [x.grad!.data, ...(h0 ? [h0.grad!.data] : []), ...(c0 ? [c0.grad!.data] : []), ...params.map((p) => p.grad!.data)];
    checkGradients(what, ref, inputs, f64(r), analytic, 1e-4, 1e-3);
  });
});

test('LSTM and GRU give the same bits on both backends, every SIMD level and thread count (forward and gradients)', () => {
  requireNative();
  for (const mode of ['LSTM', 'GRU'] as const) {
    // N·H large enough for the cell kernels and the GEMMs to be cut between threads; H not a multiple of 16 (vector tails)
    const c: Case = { mode, T: 4, N: 40, I: 19, H: 101, L: 2, state: true };
    const { T, N, I, H, L } = c;
    const x = randomF32(T * N * I, 7), h0 = randomF32(L * N * H, 8), c0 = randomF32(L * N * H, 9);
    const r = randomF32(T * N * H + 2 * L * N * H, 11);
    sameBitsEverywhere(`${mode} layer`, () => {
      const m = make(c, 5);
      const xt = new fg.Tensor(x.slice(), [T, N, I]).requiresGrad_();
      const ht = new fg.Tensor(h0.slice(), [L, N, H]).requiresGrad_();
      const ct = mode === 'LSTM' ? new fg.Tensor(c0.slice(), [L, N, H]).requiresGrad_() : undefined;
      const { out, hN, cN, loss } = runCase(c, m, xt, ht, ct, r);
      loss.backward();
      return [out.data, hN.data, ...(cN ? [cN.data] : []), xt.grad!.data, ht.grad!.data, ...(ct ? [ct.grad!.data] : []), ...m.parameters().map((p) => p.grad!.data)];
    });
  }
  // bidirectional with dropout between layers (flip, cat and the dropout mask are exact or seeded)
  const xb = randomF32(3 * 8 * 5, 12);
  sameBitsEverywhere('bidirectional GRU with dropout', () => {
    const m = new GRU(5, 20, { numLayers: 2, bidirectional: true, dropout: 0.3, generator: new fg.Generator(3) });
    const xt = new fg.Tensor(xb.slice(), [3, 8, 5]).requiresGrad_();
    const [out, hN] = m.forward(xt);
    out.sum().add(hN.mul(hN).sum()).backward();
    return [out.data, hN.data, xt.grad!.data, ...m.parameters().map((p) => p.grad!.data)];
  });
});

test('the raw LSTM and GRU cell kernels give the same bits everywhere, specials included', () => {
  requireNative();
  const N = 37, H = 45;
  const big = (n: number, seed: number) => {
    const a = randomF32(n, seed, { lo: -12, hi: 12 });
    const sp = [0, -0, 1e-30, -1e-30, 20, -20, 100, -100, Infinity, -Infinity, NaN, 0.5];
    for (let i = 0; i < sp.length; i++) a[i * 7] = sp[i];
    return a;
  };
  const xg4 = big(N * 4 * H, 1), hg4 = big(N * 4 * H, 2), xg3 = big(N * 3 * H, 3), hg3 = big(N * 3 * H, 4);
  const cp = big(N * H, 5), hp = big(N * H, 6), dy = big(N * H, 7), dhr = big(N * H, 8), dc = big(N * H, 9);
  const run = (k: RnnKernels) => {
    const gates = new Float32Array(N * 4 * H).fill(7), c = new Float32Array(N * H).fill(7), h = new Float32Array(N * H).fill(7);
    k.lstmForward(xg4, hg4, cp, N, H, gates, c, h);
    const dG = new Float32Array(N * 4 * H).fill(7), dcp = dc.slice();
    k.lstmBackward(dy, dhr, dcp, gates, cp, c, N, H, dG, dcp);
    const gg = new Float32Array(N * 4 * H).fill(7), gh = new Float32Array(N * H).fill(7);
    k.gruForward(xg3, hg3, hp, N, H, gg, gh);
    const dxg = new Float32Array(N * 3 * H).fill(7), dhg = new Float32Array(N * 3 * H).fill(7), dhp = new Float32Array(N * H).fill(7);
    k.gruBackward(dy, dhr, gg, hp, N, H, dxg, dhg, dhp);
    return [gates, c, h, dG, dcp, gg, gh, dxg, dhg, dhp];
  };
  const want = run(jsKernels().rnn);
  // σ and tanh saturate exactly: the specials reach 0, 1 and ±1
  assert.equal(want[0][9 * 7], 0, 'sigmoid(-inf + -inf) = 0');
  let compared = 0;
  forEachNativeConfig((level, threads, K) => {
    run(K.rnn).forEach((g, o) => assertSameBits(g, want[o], { kernel: 'rnn cells', level, threads, output: String(o), size: g.length }));
    compared++;
  });
  assert.ok(compared > 0 || process.env.FASTGRAD_ALLOW_NO_NATIVE === '1');
});

test('LSTM and GRU use torch parameter names and shapes, and load a state dict by them', () => {
  const m = new LSTM(3, 4, { numLayers: 2 });
  assert.deepEqual(m.namedParameters().map(([n, p]) => [n, p.shape]), [
    ['weight_ih_l0', [16, 3]], ['weight_hh_l0', [16, 4]], ['bias_ih_l0', [16]], ['bias_hh_l0', [16]],
    ['weight_ih_l1', [16, 4]], ['weight_hh_l1', [16, 4]], ['bias_ih_l1', [16]], ['bias_hh_l1', [16]],
  ]);
  const g = new GRU(3, 4, { bias: false });
  assert.deepEqual(g.namedParameters().map(([n, p]) => [n, p.shape]), [['weight_ih_l0', [12, 3]], ['weight_hh_l0', [12, 4]]]);
  // torch's init: every value in [−1/√H, 1/√H)
  for (const p of m.parameters()) assert.ok(p.data.every((v) => Math.abs(v) <= 0.5), 'init bound 1/sqrt(H)');
  const other = new LSTM(3, 4, { numLayers: 2 });
  other.loadStateDict(m.stateDict());
  const x = new fg.Tensor(randomF32(2 * 3 * 3, 1), [2, 3, 3]);
  assert.deepEqual(other.forward(x)[0].data, m.forward(x)[0].data);
});

test('bidirectional: torch\'s names and shapes (_reverse, 2·H inputs above layer 0); the reverse direction is the layer run over the flipped sequence', () => {
  const m = new GRU(3, 4, { numLayers: 2, bidirectional: true });
  assert.deepEqual(m.namedParameters().map(([n, p]) => [n, p.shape]).filter(([n]) => (n as string).startsWith('weight_ih')), [
    ['weight_ih_l0', [12, 3]], ['weight_ih_l0_reverse', [12, 3]], ['weight_ih_l1', [12, 8]], ['weight_ih_l1_reverse', [12, 8]],
  ]);
  const x = new fg.Tensor(randomF32(5 * 2 * 3, 3), [5, 2, 3]);
  const [out, hN] = m.forward(x);
  assert.deepEqual(out.shape, [5, 2, 8]);
  assert.deepEqual(hN.shape, [4, 2, 4]);
  // one layer, reverse half = a forward GRU with the _reverse weights over x flipped in time, flipped back
  const one = new GRU(3, 4, { bidirectional: true }), fwd = new GRU(3, 4);
  const sd = one.stateDict();
  fwd.loadStateDict(Object.fromEntries(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((k) => [`${k}_l0`, sd[`${k}_l0_reverse`]])));
  const [o1, h1] = one.forward(x), [o2, h2] = fwd.forward(x.flip(0));
  assert.deepEqual(Array.from(o1.narrow(2, 4, 4).data), Array.from(o2.flip(0).data));
  assert.deepEqual(Array.from(h1.narrow(0, 1, 1).data), Array.from(h2.data));
});

test('dropout between layers: training only, not after the last layer, seeded by the generator, gradients through the mask', () => {
  const x = new fg.Tensor(randomF32(4 * 2 * 3, 5), [4, 2, 3]).requiresGrad_();
  const make = (dropout: number) => new LSTM(3, 5, { numLayers: 2, dropout, generator: new fg.Generator(7) });
  const plain = make(0), dropped = make(0.5);
  assert.equal(dropped.name, 'LSTM(3, 5, numLayers=2, dropout=0.5)');
  const [a] = plain.forward(x), [b] = dropped.forward(x);
  assert.notDeepEqual(Array.from(a.data), Array.from(b.data));
  dropped.eval();
  assert.deepEqual(Array.from(dropped.forward(x)[0].data), Array.from(a.data)); // eval: no dropout
  const single = new LSTM(3, 5, { dropout: 0.5, generator: new fg.Generator(7) }), ref = new LSTM(3, 5, { generator: new fg.Generator(7) });
  assert.deepEqual(Array.from(single.forward(x)[0].data), Array.from(ref.forward(x)[0].data)); // one layer: nothing to drop
  // the same generator seed gives the same masks
  const d1 = new LSTM(3, 5, { numLayers: 2, dropout: 0.5, generator: new fg.Generator(9) });
  const d2 = new LSTM(3, 5, { numLayers: 2, dropout: 0.5, generator: new fg.Generator(9) });
  assert.deepEqual(Array.from(d1.forward(x)[0].data), Array.from(d2.forward(x)[0].data));
  b.sum().backward();
  assert.ok(x.grad && x.grad.data.some((v) => v !== 0));
});

test('LSTM and GRU outside grad mode record nothing; no-grad outputs equal the recorded ones', () => {
  const m = new GRU(3, 4);
  const x = new fg.Tensor(randomF32(2 * 2 * 3, 1), [2, 2, 3]);
  const [a] = m.forward(x);
  const [b] = fg.noGrad(() => m.forward(x));
  assert.notEqual(a.gradFn, null);
  assert.equal(b.gradFn, null);
  assert.deepEqual(a.data, b.data);
});

test('LSTM and GRU reject bad inputs and options, naming the argument and the rule', () => {
  const m = new LSTM(3, 4, { numLayers: 2 });
  const x = new fg.Tensor(new Float32Array(2 * 5 * 3), [2, 5, 3]);
  assertRejects(() => m.forward(new fg.Tensor(new Float32Array(2 * 5 * 2), [2, 5, 2])), RangeError, /Expected x of shape \[T, N, 3\].*LSTM\(3, 4, numLayers=2\).*received shape \[2, 5, 2\]/);
  assertRejects(() => m.forward(new fg.Tensor(new Float32Array(3), [3])), RangeError, /Expected x of shape/);
  assertRejects(() => m.forward(new fg.Tensor(new Float32Array(0), [0, 5, 3])), RangeError, /sequence length of at least 1/);
  const bad = new fg.Tensor(new Float32Array(1 * 5 * 4), [1, 5, 4]);
  assertRejects(() => m.forward(x, [bad, bad]), RangeError, /Expected h0 of shape \[2, 5, 4\].*received shape \[1, 5, 4\]/);
  const good = new fg.Tensor(new Float32Array(2 * 5 * 4), [2, 5, 4]);
  assertRejects(() => m.forward(x, [good, bad]), RangeError, /Expected c0 of shape \[2, 5, 4\]/);
  assertRejects(() => m.forward(x, [good] as unknown as [fg.Tensor, fg.Tensor]), TypeError, /hx of LSTM/);
  assertRejects(() => new GRU(3, 4).forward(x.narrow(2, 0, 3), 5 as unknown as fg.Tensor), TypeError, /h0 of GRU/);
  assertRejects(() => new GRU(0, 4), RangeError, /inputSize of GRU/);
  assertRejects(() => new LSTM(3, 4, { numLayers: 0 }), RangeError, /numLayers of LSTM/);
  assertRejects(() => new LSTM(3, 4, { dropout: 1.5 }), RangeError, /a probability in \[0, 1\] for dropout of LSTM/);
  assertRejects(() => new GRU(3, 4, { bidirectional: 'yes' as never }), TypeError, /bidirectional of GRU/);
  const bi = new LSTM(3, 4, { bidirectional: true });
  assertRejects(() => bi.forward(x, [bad, bad]), RangeError, /Expected h0 of shape \[2, 5, 4\] \(\[numLayers × 2, N, hiddenSize\]\) for LSTM\(3, 4, bidirectional\)/);
  assertRejects(() => new GRU(3, 4, { batchFirst: 1 as unknown as boolean }), TypeError, /batchFirst of GRU/);
  assertRejects(() => new GRU(3, 4, { projSize: 2 } as unknown as fg.nn.RecurrentOptions), TypeError, /Unknown option 'projSize'/);
});
