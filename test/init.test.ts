// fg.init: statistics of every random initializer, exact sparsity, echo-state spectral radius checked
// by an independent method, eigenvalues of known matrices, orthogonality, same bits on both backends, bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { householderQ } from '../lib/init/orthogonal.js';
import { assertRejects, assertSameBits, requireNative } from './support/harness.js';

const Z = 5; // confidence bounds at 5 standard errors
const gen = (seed: number) => new fg.Generator(seed);
const W = (out: number, inp: number, ...rest: number[]) => fg.Parameter.zeros([out, inp, ...rest]);

function meanVar(x: ArrayLike<number>): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  return { mean: m, variance: v / x.length };
}

/** Asserts sample mean 0 and variance std^2 within Z standard errors (normal: var of the variance 2 std^4 / n). */
function assertNormalStats(x: Float32Array, std: number, what: string): void {
  const { mean, variance } = meanVar(x);
  assert.ok(Math.abs(mean) < (Z * std) / Math.sqrt(x.length), `${what}: mean ${mean}`);
  assert.ok(Math.abs(variance - std * std) < Z * std * std * Math.sqrt(2 / x.length), `${what}: variance ${variance} vs ${std * std}`);
}

/** Asserts every |x| <= bound, the max close to bound, and the variance bound^2 / 3 within Z standard errors. */
function assertUniformStats(x: Float32Array, bound: number, what: string): void {
  let mx = 0;
  for (const v of x) mx = Math.max(mx, Math.abs(v));
  assert.ok(mx <= Math.fround(bound), `${what}: |w| max ${mx} > ${bound}`);
  assert.ok(mx > bound * (1 - 20 / x.length), `${what}: |w| max ${mx} far below ${bound}`);
  const { mean, variance } = meanVar(x);
  const v = (bound * bound) / 3;
  assert.ok(Math.abs(mean) < Z * Math.sqrt(v / x.length), `${what}: mean ${mean}`);
  assert.ok(Math.abs(variance - v) < Z * Math.sqrt(((4 * bound ** 4) / 45) / x.length), `${what}: variance ${variance} vs ${v}`);
}

test('calculateGain matches torch.nn.init.calculate_gain', () => {
  assert.equal(fg.init.calculateGain('linear'), 1);
  assert.equal(fg.init.calculateGain('sigmoid'), 1);
  assert.equal(fg.init.calculateGain('conv2d'), 1);
  assert.equal(fg.init.calculateGain('tanh'), 5 / 3);
  assert.equal(fg.init.calculateGain('relu'), Math.SQRT2);
  assert.equal(fg.init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(fg.init.calculateGain('leakyRelu', 0.2), Math.sqrt(2 / 1.04));
  assert.equal(fg.init.calculateGain('selu'), 0.75);
  assertRejects(() => fg.init.calculateGain('softsign' as 'relu'), RangeError, /for nonlinearity but received string "softsign"/);
});

test('uniform, normal, constant, zeros: values and moments', () => {
  const u = fg.init.uniform(W(300, 400), { a: -2, b: 3, generator: gen(1) }).data;
  let lo = Infinity, hi = -Infinity;
  for (const v of u) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  assert.ok(lo >= -2 && hi < 3 && lo < -1.99 && hi > 2.99, `range [${lo}, ${hi}]`);
  const mu = meanVar(u);
  assert.ok(Math.abs(mu.mean - 0.5) < Z * Math.sqrt(25 / 12 / u.length) && Math.abs(mu.variance - 25 / 12) < Z * Math.sqrt((625 / 80 - 625 / 144) / u.length));
  const n = fg.init.normal(W(300, 400), { mean: 0, std: 0.001, generator: gen(2) }).data;
  assertNormalStats(n, 0.001, 'normal std 0.001');
  const c = W(3, 5);
  assert.equal(fg.init.constant(c, 0.1), c);
  assert.ok(c.data.every((v) => v === Math.fround(0.1)));
  assert.ok(fg.init.zeros(c).data.every((v) => v === 0));
});

test('xavier and kaiming: bounds and standard deviations from the fans', () => {
  const w = W(256, 300, 3); // fanIn = 900, fanOut = 768
  const xa = Math.sqrt(6 / (900 + 768));
  assertUniformStats(fg.init.xavierUniform(w, { generator: gen(3) }).data, xa, 'xavierUniform');
  assertUniformStats(fg.init.xavierUniform(w, { gain: 2, generator: gen(4) }).data, 2 * xa, 'xavierUniform gain 2');
  assertNormalStats(fg.init.xavierNormal(w, { gain: 5 / 3, generator: gen(5) }).data, (5 / 3) * Math.sqrt(2 / 1668), 'xavierNormal');
  assertUniformStats(fg.init.kaimingUniform(w, { generator: gen(6) }).data, Math.SQRT2 * Math.sqrt(3 / 900), 'kaimingUniform fanIn');
  assertUniformStats(fg.init.kaimingUniform(w, { mode: 'fanOut', nonlinearity: 'relu', generator: gen(7) }).data, Math.SQRT2 * Math.sqrt(3 / 768), 'kaimingUniform fanOut');
  assertNormalStats(fg.init.kaimingNormal(w, { generator: gen(8) }).data, Math.SQRT2 / 30, 'kaimingNormal');
  assertNormalStats(fg.init.kaimingNormal(w, { a: 0.2, mode: 'fanOut', generator: gen(9) }).data, Math.sqrt(2 / 1.04) / Math.sqrt(768), 'kaimingNormal leaky');
  assertNormalStats(fg.init.kaimingNormal(w, { nonlinearity: 'tanh', generator: gen(10) }).data, 5 / 3 / 30, 'kaimingNormal tanh');
  assert.deepEqual(fg.init.fans(w), { fanIn: 900, fanOut: 768 });
});

test('orthogonal: WᵀW = I (tall) or WWᵀ = I (wide), with gain; the QR sign fix gives R a positive diagonal', () => {
  for (const [r, c] of [[50, 20], [20, 50], [33, 33]]) {
    const w = fg.init.orthogonal(W(r, c), { gain: 1.5, generator: gen(r * c) }).data;
    const k = Math.min(r, c);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < Math.max(r, c); t++) s += r >= c ? w[t * c + i] * w[t * c + j] : w[i * c + t] * w[j * c + t];
        assert.ok(Math.abs(s / 2.25 - (i === j ? 1 : 0)) < 1e-5, `${r}x${c} Gram[${i}][${j}] = ${s / 2.25}`);
      }
    }
  }
  // QᵀA = R: upper triangular with a positive diagonal.
  const m = 6, n = 4, a = Float64Array.from({ length: m * n }, (_, i) => Math.sin(i * 1.7) - (i % 5 === 0 ? 2 : 0));
  const q = householderQ(a.slice(), m, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += q[t * n + i] * a[t * n + j];
      if (i > j) assert.ok(Math.abs(s) < 1e-12, `R[${i}][${j}] = ${s}`);
      if (i === j) assert.ok(s > 0, `R[${i}][${i}] = ${s}`);
    }
  }
});

function rowNonzeros(w: Float32Array, rows: number, cols: number): number[] {
  const counts: number[] = [];
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (let j = 0; j < cols; j++) if (w[r * cols + j] !== 0) c++;
    counts.push(c);
  }
  return counts;
}

test('sparse: exactly k nonzero N(0, std²) weights per unit on distinct, uniformly chosen inputs', () => {
  const rows = 400, cols = 250;
  const w = fg.init.sparse(W(rows, cols), { generator: gen(20) }).data;
  assert.deepEqual(rowNonzeros(w, rows, cols), Array(rows).fill(15));
  const nz = w.filter((v) => v !== 0);
  assertNormalStats(nz, 1, 'sparse nonzeros');
  // Every input is picked about rows * k / cols = 24 times: chi-square over the columns.
  const hits = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) if (w[r * cols + j] !== 0) hits[j]++;
  const e = (rows * 15) / cols, chi2 = hits.reduce((s, o) => s + (o - e) ** 2 / e, 0);
  assert.ok(chi2 < cols - 1 + Z * Math.sqrt(2 * (cols - 1)), `column chi-square ${chi2}`);
  const w2 = fg.init.sparse(W(50, 30), { k: 5, std: 0.1, generator: gen(21) }).data;
  assert.deepEqual(rowNonzeros(w2, 50, 30), Array(50).fill(5));
  assert.ok(w2.every((v) => Math.abs(v) < 0.1 * 6));
  const small = fg.init.sparse(W(10, 7), { generator: gen(22) }).data; // in < k: every input
  assert.deepEqual(rowNonzeros(small, 10, 7), Array(10).fill(7));
});

/** Independent check: Gelfand's formula ||A^m||^(1/m) with m = 2^40, by normalized repeated squaring. */
function gelfandRadius(a: ArrayLike<number>, n: number): number {
  let b = Float64Array.from(a), logNorm = 0;
  for (let s = 0; s < 40; s++) {
    const c = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const v = b[i * n + k];
        if (v !== 0) for (let j = 0; j < n; j++) c[i * n + j] += v * b[k * n + j];
      }
    }
    let mx = 0;
    for (const v of c) mx = Math.max(mx, Math.abs(v));
    for (let i = 0; i < c.length; i++) c[i] /= mx;
    logNorm = 2 * logNorm + Math.log(mx);
    b = c;
  }
  return Math.exp(logNorm / 2 ** 40);
}

test('echoState: exactly k per unit, spectral radius within 1e-3 of the target (checked by Gelfand’s formula)', () => {
  for (const [n, k, target] of [[100, 15, 1.1], [60, 5, 0.95], [30, 15, 1.5], [8, 1, 1.2]] as const) {
    const w = W(n, n);
    const r = fg.init.echoState(w, { spectralRadius: target, k, generator: gen(n + k) });
    assert.equal(r.tensor, w);
    assert.deepEqual(rowNonzeros(w.data, n, n), Array(n).fill(Math.min(k, n)));
    const independent = gelfandRadius(w.data, n);
    assert.ok(Math.abs(independent - target) < 1e-3, `n=${n}: Gelfand radius ${independent} vs target ${target}`);
    assert.ok(Math.abs(r.spectralRadius - independent) < 1e-6, `n=${n}: reported ${r.spectralRadius} vs Gelfand ${independent}`);
    assert.equal(r.spectralRadius, fg.init.spectralRadius(w));
  }
});

function sortedEigs(a: number[], n: number): [number, number][] {
  const { re, im } = fg.init.eigenvalues(a, n);
  return Array.from(re, (x, i) => [x, im[i]] as [number, number]).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
}

function assertEigs(got: [number, number][], want: [number, number][], tol: number, what: string): void {
  want.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  assert.equal(got.length, want.length);
  got.forEach(([re, im], i) => assert.ok(Math.abs(re - want[i][0]) < tol && Math.abs(im - want[i][1]) < tol, `${what}: ${re}+${im}i vs ${want[i]}`));
}

test('eigenvalues of known non-symmetric matrices: rotation blocks, a companion matrix, a triangular one', () => {
  // 2R(0.7) ⊕ [[0.5]] ⊕ [[-1.5]], conjugated by a fixed well-conditioned matrix so no structure is visible.
  const c = Math.cos(0.7), s = Math.sin(0.7), n = 4;
  const d = [2 * c, -2 * s, 0, 0, 2 * s, 2 * c, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, -1.5];
  const p = [1, 0.2, 0, 0.1, 0, 1, 0.3, 0, 0.4, 0, 1, 0.2, 0, 0.1, 0, 1];
  const pinv = invert(p, n);
  const a = matmul(matmul(p, d, n), pinv, n);
  assertEigs(sortedEigs(a, n), [[2 * c, -2 * s], [2 * c, 2 * s], [0.5, 0], [-1.5, 0]], 1e-10, 'rotation');
  assert.ok(Math.abs(fg.init.spectralRadius(new fg.Tensor(Float32Array.from(d), [4, 4])) - 2) < 1e-6);
  // Companion matrix of (x² - 6 cos(1.1) x + 9)(x - 1)(x + 2): dominant pair 3e^{±1.1i}.
  const k = Math.cos(1.1), coef = polyMul(polyMul([1, -6 * k, 9], [1, -1]), [1, 2]); // x^4 + c1 x^3 + ...
  const comp = new Array(16).fill(0);
  for (let j = 0; j < 4; j++) comp[j] = -coef[j + 1];
  for (let i = 1; i < 4; i++) comp[i * 4 + i - 1] = 1;
  assertEigs(sortedEigs(comp, 4), [[3 * k, -3 * Math.sin(1.1)], [3 * k, 3 * Math.sin(1.1)], [1, 0], [-2, 0]], 1e-9, 'companion');
  // Upper triangular: the diagonal.
  const t = [3, 1, 4, 1, 0, -5, 9, 2, 0, 0, 2, 6, 0, 0, 0, -0.5];
  assertEigs(sortedEigs(t, 4), [[3, 0], [-5, 0], [2, 0], [-0.5, 0]], 1e-12, 'triangular');
});

function matmul(a: number[], b: number[], n: number): number[] {
  const c = new Array(n * n).fill(0);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
  return c;
}

function invert(a: number[], n: number): number[] {
  const m = a.map((v) => v), inv: number[] = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[piv * n + col])) piv = r;
    for (let j = 0; j < n; j++) {
      [m[col * n + j], m[piv * n + j]] = [m[piv * n + j], m[col * n + j]];
      [inv[col * n + j], inv[piv * n + j]] = [inv[piv * n + j], inv[col * n + j]];
    }
    const d = m[col * n + col];
    for (let j = 0; j < n; j++) { m[col * n + j] /= d; inv[col * n + j] /= d; }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col];
      for (let j = 0; j < n; j++) { m[r * n + j] -= f * m[col * n + j]; inv[r * n + j] -= f * inv[col * n + j]; }
    }
  }
  return inv;
}

function polyMul(a: number[], b: number[]): number[] {
  const c = new Array(a.length + b.length - 1).fill(0);
  a.forEach((x, i) => b.forEach((y, j) => (c[i + j] += x * y)));
  return c;
}

test('every random initializer gives the same bits on both backends', () => {
  requireNative();
  const prev = fg.getBackend();
  const run = () => [
    fg.init.uniform(W(33, 17), { a: -1, b: 2, generator: gen(1) }).data,
    fg.init.normal(W(33, 17), { std: 0.5, generator: gen(2) }).data,
    fg.init.xavierUniform(W(64, 65), { generator: gen(3) }).data,
    fg.init.kaimingNormal(W(64, 65), { generator: gen(4) }).data,
    fg.init.orthogonal(W(20, 30), { generator: gen(5) }).data,
    fg.init.sparse(W(40, 50), { generator: gen(6) }).data,
    fg.init.echoState(W(40, 40), { generator: gen(7) }).tensor.data,
  ];
  try {
    fg.setBackend('js');
    const js = run();
    fg.setBackend('native');
    const nat = run();
    js.forEach((x, i) => assertSameBits(nat[i], x, { kernel: `init #${i}` }));
  } finally {
    fg.setBackend(prev);
  }
});

test('bad input: clear errors naming the argument, nothing written', () => {
  const w = fg.init.normal(W(4, 5), { generator: gen(1) });
  const keep = [w.data];
  assertRejects(() => fg.init.uniform(w, { a: 1, b: 0 }), RangeError, /for b but received number 0/, keep);
  assertRejects(() => fg.init.normal(w, { std: -1 }), RangeError, /for std but received number -1/, keep);
  assertRejects(() => fg.init.normal(w, { sd: 1 } as never), TypeError, /Unknown option 'sd'/, keep);
  assertRejects(() => fg.init.normal(w.data as never), TypeError, /Expected a Tensor for tensor but received Float32Array/, keep);
  assertRejects(() => fg.init.uniform(w, { generator: { seed: 1 } as never }), TypeError, /Generator for generator/, keep);
  assertRejects(() => fg.init.xavierUniform(fg.Parameter.zeros([5])), RangeError, /at least 2 dimensions/);
  assertRejects(() => fg.init.kaimingNormal(w, { mode: 'fan_in' as 'fanIn' }), RangeError, /'fanIn' or 'fanOut' for mode/, keep);
  assertRejects(() => fg.init.kaimingNormal(w, { nonlinearity: 'gelu' as 'relu' }), RangeError, /nonlinearity/, keep);
  assertRejects(() => fg.init.sparse(w, { k: 0 }), RangeError, /for k but received number 0/, keep);
  assertRejects(() => fg.init.sparse(w, { std: 0 }), RangeError, /for std/, keep);
  assertRejects(() => fg.init.sparse(fg.Parameter.zeros([2, 3, 4])), RangeError, /2-D/);
  assertRejects(() => fg.init.echoState(w), RangeError, /square/, keep);
  assertRejects(() => fg.init.echoState(W(4, 4), { spectralRadius: 0 }), RangeError, /spectralRadius/);
  assertRejects(() => fg.init.constant(w, NaN), RangeError, /finite number for value/, keep);
  assertRejects(() => fg.init.orthogonal(fg.Parameter.zeros([3])), RangeError, /at least 2 dimensions/);
  assertRejects(() => fg.init.spectralRadius(new fg.Tensor(Float32Array.of(1, NaN, 0, 1), [2, 2])), RangeError, /finite entries for a\[1\]/);
  assertRejects(() => fg.init.eigenvalues([1, 2, 3], 2), RangeError, /4 entries/);
});
