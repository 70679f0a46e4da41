// Orthogonal initialization (Saxe et al.; torch.nn.init.orthogonal_): a normal matrix's Q factor.
import { formatShape, type Tensor } from '../tensor.js';
import { num, prepare, type GeneratorOptions } from './common.js';

/**
 * Householder QR of a (m × n, m >= n, row-major float64; destroyed). Returns the thin Q (m × n) with
 * the sign fix Q[:, j] *= sign(R[j][j]) (sign(0) taken as +1), which makes the factorization unique
 * (R with a non-negative diagonal) and Q Haar-distributed for a Gaussian a.
 */
export function householderQ(a: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const rdiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, a[i * n + k]);
    const alpha = a[k * n + k] > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    let vn = 0;
    for (let i = k; i < m; i++) {
      v[i - k] = a[i * n + k] - (i === k ? alpha : 0);
      vn = Math.hypot(vn, v[i - k]);
    }
    if (vn > 0) for (let i = 0; i < v.length; i++) v[i] /= vn;
    // A[k:, k:] -= 2 v (v^T A[k:, k:])
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * a[i * n + j];
      s *= 2;
      for (let i = k; i < m; i++) a[i * n + j] -= s * v[i - k];
    }
    rdiag[k] = a[k * n + k];
    vs.push(v);
  }
  // Q = H_0 H_1 ... H_{n-1} I[:, :n], applied right to left.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * q[i * n + j];
      s *= 2;
      for (let i = k; i < m; i++) q[i * n + j] -= s * v[i - k];
    }
  }
  for (let j = 0; j < n; j++) {
    if (rdiag[j] < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
  }
  return q;
}

/**
 * Fills w (rows = shape[0], cols = the rest flattened) with gain * Q: rows of Q orthonormal when
 * rows <= cols, columns orthonormal otherwise. Q comes from a float64 Householder QR of an N(0, 1)
 * matrix drawn from the generator (transposed first when rows < cols), with the sign fix.
 */
export function orthogonal<T extends Tensor>(w: T, opts?: { gain?: number } & GeneratorOptions): T {
  const { o, gen } = prepare(w, opts, 'orthogonal', ['gain']);
  const gain = num(o.gain, 'gain', 1);
  if (w.shape.length < 2) throw new RangeError(`Expected a tensor with at least 2 dimensions for tensor but received shape ${formatShape(w.shape)}`);
  const rows = w.shape[0], cols = rows === 0 ? 0 : w.size / rows;
  if (w.size === 0) return w;
  const g = gen.normal(new Float32Array(rows * cols));
  const tall = rows >= cols;
  const m = tall ? rows : cols, n = tall ? cols : rows;
  const a = new Float64Array(m * n);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) a[tall ? r * n + c : c * n + r] = g[r * cols + c];
  const q = householderQ(a, m, n);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) w.data[r * cols + c] = gain * (tall ? q[r * n + c] : q[c * n + r]);
  return w;
}
