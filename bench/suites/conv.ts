// Convolution, pooling and layer norm: forward+backward of Conv2d(64, 64, 3, padding 1) on (32, 64, 56, 56)
// and (16, 64, 28, 28), the second convolution of the CLI's MNIST CNN (8 → 16 maps, 5×5, on 12×12), a 1×1
// conv, a stride-2 conv, MaxPool2d(2) and LayerNorm(512) on (4096, 512), on the native backend
// (GEMMs, im2col/col2im, the pools and layer norm native),
// with GFLOP/s and % of the machine's FMA peak for the convolutions (forward + dW + dX = 3 GEMMs of
// 2·N·O·P·K flops each). PyTorch (bench/anchor.ts: /usr/bin/python3 with torch, if importable) times the same modules in the same
// run with the same thread count, as the anchor: the row's note gives fastgrad's time / PyTorch's.
//
// Alone: `npm run bench -- --only conv`.
import * as fg from '../../lib/index.js';
import { torchTimes } from '../anchor.js';
import { randomInto, timeMedian, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

interface Case {
  name: string;
  kind: 'conv' | 'maxpool' | 'layernorm';
  x: number[];
  /** conv: [in, out, k, stride, padding]; maxpool: [k]; layernorm: [D]. */
  args: number[];
}

const CASES: Case[] = [
  { name: 'Conv2d(64, 64, 3, padding 1) fwd+bwd, 56x56', kind: 'conv', x: [32, 64, 56, 56], args: [64, 64, 3, 1, 1] },
  { name: 'Conv2d(64, 64, 3, padding 1) fwd+bwd', kind: 'conv', x: [16, 64, 28, 28], args: [64, 64, 3, 1, 1] },
  { name: 'Conv2d(8, 16, 5) fwd+bwd, MNIST-size', kind: 'conv', x: [50, 8, 12, 12], args: [8, 16, 5, 1, 0] },
  { name: 'Conv2d(64, 128, 1) fwd+bwd', kind: 'conv', x: [16, 64, 28, 28], args: [64, 128, 1, 1, 0] },
  { name: 'Conv2d(64, 128, 3, stride 2, padding 1) fwd+bwd', kind: 'conv', x: [16, 64, 28, 28], args: [64, 128, 3, 2, 1] },
  { name: 'MaxPool2d(2) fwd+bwd', kind: 'maxpool', x: [16, 64, 56, 56], args: [2] },
  { name: 'LayerNorm(512) fwd+bwd', kind: 'layernorm', x: [4096, 512], args: [512] },
];

function build(c: Case): fg.nn.Module {
  if (c.kind === 'conv') {
    const [i, o, k, s, p] = c.args;
    return new fg.nn.Conv2d(i, o, k, { stride: s, padding: p, generator: new fg.Generator(1) });
  }
  if (c.kind === 'maxpool') return new fg.nn.MaxPool2d(c.args[0]);
  return new fg.nn.LayerNorm(c.args[0]);
}

/** Flops of forward + dW + dX for a convolution case (0 for the others). */
function flops(c: Case): number {
  if (c.kind !== 'conv') return 0;
  const [N, C, H, W] = c.x, [, O, k, s, p] = c.args;
  const OH = Math.floor((H + 2 * p - k) / s) + 1, OW = Math.floor((W + 2 * p - k) / s) + 1;
  return 3 * 2 * N * O * OH * OW * C * k * k;
}

const TORCH_STEP_FOR = `
def step_for(c):
    x = torch.randn(*c['x'], requires_grad=True)
    if c['kind'] == 'conv':
        i, o, k, s, p = c['args']
        m = torch.nn.Conv2d(i, o, k, stride=s, padding=p)
    elif c['kind'] == 'maxpool':
        m = torch.nn.MaxPool2d(c['args'][0])
    else:
        m = torch.nn.LayerNorm(c['args'][0])
    def step():
        y = m(x)
        y.backward(torch.ones_like(y))
    return step
`;

function run(ctx: BenchContext): BenchRow[] {
  const rows: BenchRow[] = [];
  const cases = ctx.quick ? CASES.filter((c) => c.kind !== 'conv' || c.args[2] === 1) : CASES;
  const reps = ctx.quick ? 3 : 7;
  const before = fg.getBackend();
  try {
    if (ctx.native) fg.setBackend('native');
    for (const c of cases) {
      const m = build(c);
      const size = c.x.reduce((a, d) => a * d, 1);
      const x = new fg.Tensor(randomInto(new Float32Array(size), 1), c.x);
      const y0 = m.forward(x);
      const dy = new fg.Tensor(new Float32Array(y0.size).fill(1), y0.shape);
      const ms = timeMedian(() => {
        m.forward(x);
        fg.nn.layerwiseBackward(m, dy);
      }, { reps, warmup: 1 });
      const f = flops(c);
      const row: BenchRow = { suite: 'conv', case: c.name, backend: ctx.native ? 'native' : 'js', size: `[${c.x.join(', ')}]`, medianMs: ms };
      if (f) {
        row.gflops = f / (ms * 1e6);
        row.pctPeak = (100 * row.gflops) / ctx.fmaPeakGFlops;
      }
      rows.push(row);
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
    const ms = t.ms[c.name];
    const f = flops(c);
    rows.push({ suite: 'conv', case: c.name, backend: `pytorch ${t.version}`, size: mine.size, medianMs: ms, ...(f ? { gflops: f / (ms * 1e6), pctPeak: (100 * f) / (ms * 1e6) / ctx.fmaPeakGFlops } : {}) });
    mine.note = `${(mine.medianMs / ms).toFixed(2)}x PyTorch's time`;
  }
  return rows;
}

export const suite: BenchSuite = { name: 'conv', run };
