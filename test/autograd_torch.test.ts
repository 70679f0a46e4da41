// The tape against PyTorch 1.13: forward values and gradients of test/fixtures/autograd_torch.json
// (written by scripts/torch-autograd-vectors.py in float64), on both backends, to float32 accuracy.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { nativeKernelsOrNull } from './support/harness.js';

type T = fg.Tensor;
interface Arr { shape: number[]; data: number[] }
interface Case { name: string; inputs: Arr[]; ints: Arr[]; r: number[]; out: Arr; grads: number[][] }

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'autograd_torch.json'), 'utf8')) as { cases: Case[] };

const mse = new fg.nn.MSELoss(), ce = new fg.nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
const nll = new fg.nn.NLLLoss({ weight: fg.tensor([1, 2, 0.5, 1, 3]) });
const bce = new fg.nn.BCELoss({ weight: fg.tensor([0.5, 2, 1]) });
const l1 = new fg.nn.L1Loss(), sl1 = new fg.nn.SmoothL1Loss({ beta: 0.7 }), hub = new fg.nn.HuberLoss({ delta: 0.8, reduction: 'sum' });

const FNS: Record<string, (xs: T[], ints: fg.Tensor<'int32'>[]) => T> = {
  'add broadcast [2,3,4]+[3,1]': ([a, b]) => a.add(b),
  'sub broadcast [3,4]-[4]': ([a, b]) => a.sub(b),
  'mul broadcast [2,1,4]*[3,1]': ([a, b]) => a.mul(b),
  'div [3,4]/[3,1]': ([a, b]) => a.div(b),
  'pow tensor': ([a, b]) => a.pow(b),
  'pow 3': ([a]) => a.pow(3),
  maximum: ([a, b]) => a.maximum(b),
  'unary chain': ([a]) => a.tanh().exp().sigmoid().sqrt().log().neg().abs().relu().square(),
  clamp: ([a]) => a.clamp(-1, 0.5),
  'sum dims keepdim': ([a]) => a.sum([0, 2], true),
  'mean dim': ([a]) => a.mean(1),
  'var dim unbiased': ([a]) => a.var(2),
  'var all biased': ([a]) => a.var(null, { unbiased: false }),
  'max dim values': ([a]) => a.max(1).values,
  'min dim keepdim values': ([a]) => a.min(0, true).values,
  'softmax dim 0': ([a]) => a.softmax(0),
  'log_softmax dim 1': ([a]) => a.logSoftmax(1),
  'matmul 2d': ([a, b]) => a.matmul(b),
  'matmul batched broadcast': ([a, b]) => a.matmul(b),
  'matmul 1d 2d': ([a, b]) => a.matmul(b),
  'matmul x wT': ([a, b]) => a.matmul(b.t()),
  'reshape permute': ([a]) => a.reshape(4, -1).t().reshape(2, 3, 2).permute(2, 0, 1),
  'expand narrow': ([a]) => a.expand(2, 3, 4).narrow(2, 1, 2),
  'cat stack': ([a, b]) => fg.stack([fg.cat([a, b], 1), fg.cat([b, a], 1)], 0),
  index_select: ([a], [i]) => a.indexSelect(0, i),
  gather: ([a], [i]) => a.gather(1, i),
  'mse + cross entropy': ([a, b], [i]) => mse.forward(a, b).add(ce.forward(a, i)),
  'nll weight': ([a], [i]) => nll.forward(a.logSoftmax(1), i),
  'l1 smooth_l1 huber': ([a, b]) => l1.forward(a, b).add(sl1.forward(a, b)).add(hub.forward(a, b)),
  'sort values dim 1 descending': ([a]) => a.sort(1, true).values,
  'topk smallest': ([a]) => a.topk(2, 0, false).values,
  'cumsum cumprod': ([a]) => a.cumsum(1).mul(a.cumprod(2)),
  'select masked_fill': ([a], [m]) => a.select(1, 1).maskedFill(m, -3),
  'bce weight': ([a, b]) => bce.forward(a, b),
  'repeat flip clone': ([a]) => a.repeat(2, 1, 3).flip(0, 2).clone(),
  'logsumexp prod': ([a]) => a.logsumexp([0, 2], true).mul(a.prod(1, true)),
  'sin cos rsqrt reciprocal': ([a]) => a.sin().mul(a.cos()).add(a.rsqrt()).sub(a.reciprocal()),
  'scatter value and src': ([a, s], [i]) => a.scatter(1, i, s).add(a.scatter(1, i, -0.5).mul(a)),
  'scatter_add duplicates': ([a, s], [i]) => a.scatterAdd(0, i, s),
  'masked_select broadcast': ([a], [m]) => a.maskedSelect(m),
  'tril triu': ([a]) => a.tril(-1).add(a.triu(1).mul(2)),
  'diag 2d 1d roll': ([a, v]) => a.diag(1).mul(v).add(v.diag(-1).narrow(0, 1, 3).narrow(1, 0, 3).sum(0)).add(v.roll(2)),
  'roll dims outer dot': ([a, v, w]) => a.roll([1, -2], [0, 1]).add(fg.ops.outer(v, w).mul(fg.ops.dot(v, v))),
  'log1p expm1': ([a]) => a.log1p().mul(a.expm1()),
};

function close(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i], a = actual[i];
    assert.ok(Math.abs(a - e) <= 2e-5 + 2e-4 * Math.abs(e), `${what}[${i}]: ${a} vs torch ${e}`);
  }
}

test('every fixture case has an implementation here', () => {
  for (const c of fixture.cases) assert.ok(FNS[c.name], `no implementation for '${c.name}'`);
  assert.ok(fixture.cases.length >= 37);
});

for (const backend of nativeKernelsOrNull() ? ['js', 'native'] : ['js']) {
  test(`forward values and gradients match PyTorch 1.13 (${backend})`, () => {
    const prev = fg.getBackend();
    fg.setBackend(backend as 'js' | 'native');
    try {
      for (const c of fixture.cases) {
        const xs = c.inputs.map((a) => fg.tensor(a.data, { shape: a.shape, requiresGrad: true }));
        const ints = c.ints.map((a) => fg.tensor(a.data, { shape: a.shape, dtype: 'int32' }) as unknown as fg.Tensor<'int32'>);
        const out = FNS[c.name](xs, ints);
        assert.deepEqual(out.shape, c.out.shape, `${c.name}: shape`);
        close(out.data, c.out.data, `${c.name} (${backend}) out`);
        out.mul(fg.tensor(c.r, { shape: out.shape.slice() })).sum().backward();
        xs.forEach((x, i) => {
          assert.ok(x.grad, `${c.name} (${backend}): input ${i} has a gradient`);
          close(x.grad.data, c.grads[i], `${c.name} (${backend}) grad ${i}`);
        });
      }
    } finally {
      fg.setBackend(prev);
    }
  });
}
