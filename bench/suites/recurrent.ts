// LSTM and GRU: forward + backward (through the tape) of LSTM(256, 256) and GRU(256, 256) over 64 steps at
// batch 32 (time-major (64, 32, 256)), on the native backend, with GFLOP/s and % of the machine's FMA
// peak for the GEMMs (forward: the input projection and 64 recurrent products; backward: twice that:
// dX and dW_ih over all steps, the 64 dh products and dW_hh). PyTorch (bench/anchor.ts: /usr/bin/python3 with
// torch, if importable) times the same modules in the same run with the same thread count, as the
// anchor: the row's note gives fastgrad's time / PyTorch's.
//
// Alone: `npm run bench -- --only recurrent`.
import * as fg from '../../lib/index.js';
import { torchTimes } from '../anchor.js';
import { randomInto, timeMedian, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

interface Case {
  name: string;
  mode: 'LSTM' | 'GRU';
  /** T, N, I, H */
  dims: [number, number, number, number];
}

const CASES: Case[] = [
  { name: 'LSTM(256, 256) T=64 N=32 fwd+bwd', mode: 'LSTM', dims: [64, 32, 256, 256] },
  { name: 'GRU(256, 256) T=64 N=32 fwd+bwd', mode: 'GRU', dims: [64, 32, 256, 256] },
];

function flops(c: Case): number {
  const [T, N, I, H] = c.dims, G = (c.mode === 'LSTM' ? 4 : 3) * H;
  return 3 * 2 * T * N * G * (I + H);
}

const TORCH_STEP_FOR = `
def step_for(c):
    T, N, I, H = c['dims']
    m = (torch.nn.LSTM if c['mode'] == 'LSTM' else torch.nn.GRU)(I, H)
    x = torch.randn(T, N, I, requires_grad=True)
    def step():
        y = m(x)[0]
        y.backward(torch.ones_like(y))
    return step
`;

function run(ctx: BenchContext): BenchRow[] {
  const rows: BenchRow[] = [];
  const cases = ctx.quick ? CASES.slice(0, 1) : CASES;
  const reps = ctx.quick ? 3 : 7;
  const before = fg.getBackend();
  try {
    if (ctx.native) fg.setBackend('native');
    for (const c of cases) {
      const [T, N, I, H] = c.dims;
      const m = c.mode === 'LSTM' ? new fg.nn.LSTM(I, H, { generator: new fg.Generator(1) }) : new fg.nn.GRU(I, H, { generator: new fg.Generator(1) });
      const x = new fg.Tensor(randomInto(new Float32Array(T * N * I), 1), [T, N, I]).requiresGrad_();
      const dy = new fg.Tensor(new Float32Array(T * N * H).fill(1), [T, N, H]);
      const ms = timeMedian(() => {
        const y = (m.forward(x) as [fg.Tensor, unknown])[0];
        y.backward(dy);
      }, { reps, warmup: 1 });
      const f = flops(c);
      rows.push({ suite: 'recurrent', case: c.name, backend: ctx.native ? 'native' : 'js', size: `[${T}, ${N}, ${I}]`, medianMs: ms, gflops: f / (ms * 1e6), pctPeak: (100 * f) / (ms * 1e6) / ctx.fmaPeakGFlops });
    }
  } finally {
    fg.setBackend(before);
  }
  const t = torchTimes(TORCH_STEP_FOR, cases, ctx.threads, reps);
  for (const c of cases) {
    const mine = rows.find((r) => r.case === c.name)!;
    if (typeof t === 'string') {
      mine.note = t;
      continue;
    }
    const ms = t.ms[c.name], f = flops(c);
    rows.push({ suite: 'recurrent', case: c.name, backend: `pytorch ${t.version}`, size: mine.size, medianMs: ms, gflops: f / (ms * 1e6), pctPeak: (100 * f) / (ms * 1e6) / ctx.fmaPeakGFlops });
    mine.note = `${(mine.medianMs / ms).toFixed(2)}x PyTorch's time`;
  }
  return rows;
}

export const suite: BenchSuite = { name: 'recurrent', run };
