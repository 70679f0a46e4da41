// Exhaustive accuracy of the native exp, log, tanh, sigmoid against float64 Math over every binary32 input
// whose result is not a saturated constant (about 8e9 inputs; ~30 min on one core). The figures are in
// docs/numerics.md ("Unary family"). Run: `FASTGRAD_NUM_THREADS=1 node --import tsx bench/unary-ulp.ts [exp|log|tanh|sigmoid]`.
import { allKernels } from '../lib/backend/select.js';
import type { UnaryOp } from '../lib/backend/kernels.js';
const native = allKernels().native;
if (!native) throw new Error("unary-ulp needs the native addon (npm run build:native)");
const K = native;
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
function ulpError(f: number, ref: number): number {
  if (ref !== ref) return f !== f ? 0 : Infinity;
  const rf = Math.fround(ref);
  if (rf === Infinity || rf === -Infinity) return f === rf ? 0 : Infinity;
  if (f !== f || f === Infinity || f === -Infinity) return Infinity;
  const a = Math.abs(ref);
  if (a < 1.1754943508222875e-38) return Math.abs(f - ref) / 1.401298464324817e-45;
  f64[0] = a;
  const e = Number(u64[0] >> 52n) - 1023;
  return Math.abs(f - ref) / 2 ** (e - 23);
}
// Bit ranges [lo, hi) holding every input whose result is not a saturated constant (0, 1, inf, NaN):
// exp: [-104, 89]; log: x > 0; tanh: odd (sign bit copied), |x| < 9.1; sigmoid: [-104, 17.4].
const F = new Float32Array(1), U = new Uint32Array(F.buffer);
const bits = (v: number) => { F[0] = v; return U[0]; };
const ranges: Record<string, [number, number][]> = {
  exp: [[0, bits(89) + 1], [0x80000000, bits(-104) + 1]],
  log: [[0, 0x7f800001]],
  tanh: [[0, bits(9.1)]],
  sigmoid: [[0, bits(17.4)], [0x80000000, bits(-104) + 1]],
};
const ops: [UnaryOp, (x: number) => number][] = [['exp', Math.exp], ['log', Math.log], ['tanh', Math.tanh], ['sigmoid', (x) => 1 / (1 + Math.exp(-x))]];
const which = process.argv[2];
const CH = 1 << 22;
const u = new Uint32Array(CH), x = new Float32Array(u.buffer), y = new Float32Array(CH);
for (const [op, ref] of ops) {
  if (which && which !== op) continue;
  let worst = 0, wx = 0, over05 = 0, over1 = 0;
  let count = 0;
  for (const [lo, hi] of ranges[op]) for (let b0 = lo; b0 < hi; b0 += CH) {
    const len = Math.min(CH, hi - b0);
    for (let i = 0; i < CH; i++) u[i] = i < len ? b0 + i : lo;
    count += len;
    if ((count & 0xfffffff) < CH) console.error(`${op} ${count}`);
    K.unary.map(op, x, y);
    for (let i = 0; i < CH; i++) {
      const e = ulpError(y[i], ref(x[i]));
      if (e > 0.5) { over05++; if (e > 1) over1++; }
      if (e > worst) { worst = e; wx = x[i]; }
    }
  }
  console.log(`${op} (${count} inputs): worst ${worst.toFixed(4)} ulp at x = ${wx} (0x${(new Uint32Array(Float32Array.of(wx).buffer))[0].toString(16)}); inputs > 0.5 ulp: ${over05}, > 1 ulp: ${over1}`);
}
