// Child process of test/buffers.test.ts (run with --expose-gc): trains a small network on the tape with
// the buffer cache on and off, holding what a user may hold (results, views, .data arrays, old .grad
// tensors, gradients a hook saw) under GC pressure, and prints a JSON report.
import * as fg from '../../lib/index.js';
import { cacheInfo, setCacheLimit } from '../../lib/backend/buffers.js';
import { randomF32 } from './harness.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

interface Held {
  what: string;
  get: () => Float32Array;
  copy: Float32Array;
}

function run(cache: boolean, steps: number) {
  setCacheLimit(cache ? 256 * 2 ** 20 : 0);
  fg.emptyCache();
  const h0 = cacheInfo().hits;
  const B = 32, D = 64, H = 48;
  const x = fg.tensor(randomF32(B * D, 1), { shape: [B, D] });
  const w1 = fg.tensor(randomF32(D * H, 2, { lo: -0.2, hi: 0.2 }), { shape: [D, H], requiresGrad: true });
  const b1 = fg.tensor(randomF32(H, 3), { shape: [H], requiresGrad: true });
  const w2 = fg.tensor(randomF32(H * H, 4, { lo: -0.2, hi: 0.2 }), { shape: [H, H], requiresGrad: true });
  const w3 = fg.tensor(randomF32(D * H, 5, { lo: -0.2, hi: 0.2 }), { shape: [D, H], requiresGrad: true });
  const params = [w1, b1, w2, w3];
  const held: Held[] = [];
  const hold = (what: string, get: () => Float32Array) => held.push({ what, get, copy: get().slice() });
  let hook = w2.registerHook((g) => void hold('gradient seen by a hook', () => g.data));
  for (let s = 0; s < steps; s++) {
    const h1 = x.matmul(w1).add(b1).tanh(); // broadcast bias, unary
    const v = h1.reshape([B * H]); // a view sharing h1's storage
    const h2 = h1.matmul(w2.t()).mul(0.5).add(h1); // lazy transpose, fan-out of h1
    const p = h2.softmax(1);
    const back = p.matmul(w3.t()); // [B, D], lazy transpose of a leaf
    const loss = back.sub(x).square().mean().add(p.var(0).sum());
    if (s % 3 === 0) hold(`result h2 of step ${s}`, () => h2.data);
    if (s % 4 === 1) hold(`view of h1 of step ${s}`, () => v.data);
    if (s % 5 === 2) {
      const arr = p.data; // the array escapes to user code; the tensor is dropped
      hold(`.data of p of step ${s}`, () => arr);
    }
    if (s % 7 === 3) {
      const d = h1.detach();
      hold(`detached h1 of step ${s}`, () => d.data);
    }
    loss.backward();
    if (s % 6 === 4) {
      const g = w1.grad!;
      hold(`old w1.grad of step ${s}`, () => g.data);
    }
    fg.noGrad(() => {
      for (const q of params) {
        q.sub_(q.grad!.mul(0.05));
        q.grad = null;
      }
    });
    if (s === steps >> 1) hook.remove();
    if (s % 5 === 0) {
      // garbage and collections between steps
      for (let k = 0; k < 20; k++) new Float32Array(4096).fill(k);
      gc!();
    }
  }
  gc!();
  hook = null as never;
  const problems: string[] = [];
  for (const h of held) {
    const now = h.get();
    for (let i = 0; i < now.length; i++) {
      if (!Object.is(now[i], h.copy[i])) {
        problems.push(`${h.what}: element ${i} changed from ${h.copy[i]} to ${now[i]}`);
        break;
      }
    }
  }
  return { params: params.map((q) => Array.from(new Uint32Array(q.data.buffer, q.data.byteOffset, q.size))), problems, hits: cacheInfo().hits - h0, held: held.length };
}

const steps = Number(process.argv[2] ?? 60);
const off = run(false, steps);
const on = run(true, steps);
const info = fg.backendInfo().cache;
fg.emptyCache();
const after = fg.backendInfo().cache;
process.stdout.write(JSON.stringify({ off, on, info, after }) + '\n');
