// Eigenvalues of a general real square matrix in float64: Householder reduction to upper Hessenberg
// form, then the Francis double-shift QR iteration (the EISPACK hqr scheme, with exceptional shifts
// at iterations 10, 20, ...). Right for complex eigenvalue pairs, which a plain power method is not.
// O(n^3); meant for moderate sizes (a few hundred: echo-state reservoirs).
import { checkInteger, rangeError, typeError } from '../validate.js';

/** Reduces a (n × n, row-major, float64) to upper Hessenberg form in place (orthogonal similarity). */
export function hessenberg(a: Float64Array, n: number): void {
  const v = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm = Math.hypot(norm, a[i * n + k]);
    if (norm === 0) continue;
    const x0 = a[(k + 1) * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    let vn = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = a[i * n + k] - (i === k + 1 ? alpha : 0);
      vn = Math.hypot(vn, v[i]);
    }
    if (vn === 0) continue;
    for (let i = k + 1; i < n; i++) v[i] /= vn;
    // A = H A: rows k+1.., columns k..
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k + 1; i < n; i++) s += v[i] * a[i * n + j];
      s *= 2;
      for (let i = k + 1; i < n; i++) a[i * n + j] -= s * v[i];
    }
    // A = A H: every row, columns k+1..
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += a[i * n + j] * v[j];
      s *= 2;
      for (let j = k + 1; j < n; j++) a[i * n + j] -= s * v[j];
    }
    a[(k + 1) * n + k] = alpha;
    for (let i = k + 2; i < n; i++) a[i * n + k] = 0;
  }
}

const sign = (a: number, b: number): number => (b >= 0 ? Math.abs(a) : -Math.abs(a));

/**
 * Eigenvalues (re, im) of an upper Hessenberg matrix h (n × n, row-major; destroyed), by the
 * Francis double-shift QR iteration with deflation. Throws if an eigenvalue needs more than 100 iterations.
 */
export function hessenbergEigenvalues(h: Float64Array, n: number): { re: Float64Array; im: Float64Array } {
  // 1-based view as in the classic formulation: A(i, j) = h[(i-1) n + (j-1)].
  const at = (i: number, j: number) => (i - 1) * n + (j - 1);
  const wr = new Float64Array(n), wi = new Float64Array(n);
  let anorm = 0;
  for (let i = 1; i <= n; i++) for (let j = Math.max(i - 1, 1); j <= n; j++) anorm += Math.abs(h[at(i, j)]);
  let nn = n, t = 0;
  let p = 0, q = 0, r = 0, s = 0, w = 0, x = 0, y = 0, z = 0;
  while (nn >= 1) {
    let its = 0, l: number;
    do {
      for (l = nn; l >= 2; l--) {
        s = Math.abs(h[at(l - 1, l - 1)]) + Math.abs(h[at(l, l)]);
        if (s === 0) s = anorm;
        if (Math.abs(h[at(l, l - 1)]) + s === s) {
          h[at(l, l - 1)] = 0;
          break;
        }
      }
      x = h[at(nn, nn)];
      if (l === nn) {
        wr[nn - 1] = x + t;
        wi[nn - 1] = 0;
        nn--;
      } else {
        y = h[at(nn - 1, nn - 1)];
        w = h[at(nn, nn - 1)] * h[at(nn - 1, nn)];
        if (l === nn - 1) {
          p = 0.5 * (y - x);
          q = p * p + w;
          z = Math.sqrt(Math.abs(q));
          x += t;
          if (q >= 0) {
            z = p + sign(z, p);
            wr[nn - 2] = wr[nn - 1] = x + z;
            if (z) wr[nn - 1] = x - w / z;
            wi[nn - 2] = wi[nn - 1] = 0;
          } else {
            wr[nn - 2] = wr[nn - 1] = x + p;
            wi[nn - 2] = -z;
            wi[nn - 1] = z;
          }
          nn -= 2;
        } else {
          if (its === 100) throw new Error(`fastgrad: the QR iteration did not converge for eigenvalue ${nn} of ${n}`);
          if (its % 10 === 0 && its > 0) {
            // Exceptional shift.
            t += x;
            for (let i = 1; i <= nn; i++) h[at(i, i)] -= x;
            s = Math.abs(h[at(nn, nn - 1)]) + Math.abs(h[at(nn - 1, nn - 2)]);
            y = x = 0.75 * s;
            w = -0.4375 * s * s;
          }
          ++its;
          let m: number;
          for (m = nn - 2; m >= l; m--) {
            z = h[at(m, m)];
            r = x - z;
            s = y - z;
            p = (r * s - w) / h[at(m + 1, m)] + h[at(m, m + 1)];
            q = h[at(m + 1, m + 1)] - z - r - s;
            r = h[at(m + 2, m + 1)];
            s = Math.abs(p) + Math.abs(q) + Math.abs(r);
            p /= s;
            q /= s;
            r /= s;
            if (m === l) break;
            const u = Math.abs(h[at(m, m - 1)]) * (Math.abs(q) + Math.abs(r));
            const v = Math.abs(p) * (Math.abs(h[at(m - 1, m - 1)]) + Math.abs(z) + Math.abs(h[at(m + 1, m + 1)]));
            if (u + v === v) break;
          }
          for (let i = m + 2; i <= nn; i++) {
            h[at(i, i - 2)] = 0;
            if (i !== m + 2) h[at(i, i - 3)] = 0;
          }
          for (let k = m; k <= nn - 1; k++) {
            if (k !== m) {
              p = h[at(k, k - 1)];
              q = h[at(k + 1, k - 1)];
              r = k !== nn - 1 ? h[at(k + 2, k - 1)] : 0;
              x = Math.abs(p) + Math.abs(q) + Math.abs(r);
              if (x !== 0) {
                p /= x;
                q /= x;
                r /= x;
              }
            }
            s = sign(Math.sqrt(p * p + q * q + r * r), p);
            if (s !== 0) {
              if (k === m) {
                if (l !== m) h[at(k, k - 1)] = -h[at(k, k - 1)];
              } else h[at(k, k - 1)] = -s * x;
              p += s;
              x = p / s;
              y = q / s;
              z = r / s;
              q /= p;
              r /= p;
              for (let j = k; j <= nn; j++) {
                p = h[at(k, j)] + q * h[at(k + 1, j)];
                if (k !== nn - 1) {
                  p += r * h[at(k + 2, j)];
                  h[at(k + 2, j)] -= p * z;
                }
                h[at(k + 1, j)] -= p * y;
                h[at(k, j)] -= p * x;
              }
              const mmin = nn < k + 3 ? nn : k + 3;
              for (let i = l; i <= mmin; i++) {
                p = x * h[at(i, k)] + y * h[at(i, k + 1)];
                if (k !== nn - 1) {
                  p += z * h[at(i, k + 2)];
                  h[at(i, k + 2)] -= p * r;
                }
                h[at(i, k + 1)] -= p * q;
                h[at(i, k)] -= p;
              }
            }
          }
        }
      }
    } while (l < nn - 1);
  }
  return { re: wr, im: wi };
}

/** All eigenvalues of a general real n × n matrix (row-major, finite entries; not modified), in float64. */
export function eigenvalues(a: ArrayLike<number>, n: number): { re: Float64Array; im: Float64Array } {
  checkInteger(n, 'n', 0);
  if (!a || typeof a !== 'object' || typeof a.length !== 'number') throw typeError('an array of numbers', 'a', a);
  if (a.length !== n * n) throw rangeError(`${n * n} entries (n × n)`, 'a', a);
  const h = Float64Array.from(a);
  for (let i = 0; i < h.length; i++) if (!Number.isFinite(h[i])) throw rangeError('finite entries', `a[${i}]`, a[i]);
  hessenberg(h, n);
  return hessenbergEigenvalues(h, n);
}

/** max |lambda_i| over the eigenvalues of a general real n × n matrix, in float64. */
export function spectralRadiusOf(a: ArrayLike<number>, n: number): number {
  if (n === 0) return 0;
  const { re, im } = eigenvalues(a, n);
  let r = 0;
  for (let i = 0; i < n; i++) r = Math.max(r, Math.hypot(re[i], im[i]));
  return r;
}
