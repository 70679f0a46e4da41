// fastgrad's layers against PyTorch 1.13 (test/fixtures/layers_torch.json, written by
// scripts/torch-layer-vectors.py): each case builds the layer with the same arguments, loads torch's
// state_dict by its own keys, runs the same inputs and compares the outputs and the gradients of
// L = Σ out·r (through loss.backward()) with every input and parameter, on both backends.
// torch computed in float64 from binary32 inputs and parameters, so the reference is the exact math;
// tolerance |got − want| ≤ ATOL + RTOL·|want|, ATOL = 5e-6, RTOL = 5e-5 (fastgrad computes in binary32:
// a few ulps per op and sums of up to a few hundred terms; every case passes at 1e-6 + 1e-5·|want| today).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertClose, eachBackend } from './support/harness.js';

interface Arr {
  shape: number[];
  data: number[];
}

interface Case {
  name: string;
  layer: string;
  args: unknown[];
  options: Record<string, unknown>;
  state: Record<string, Arr>;
  inputs: Arr[];
  indices: Arr | null;
  r: number[][];
  outputs: Arr[];
  inputGrads: number[][];
  paramGrads: Record<string, number[]>;
}

const ATOL = 5e-6, RTOL = 5e-5;
const fixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'layers_torch.json'), 'utf8')) as { torch: string; cases: Case[] };

function build(c: Case): fg.nn.Module {
  const Ctor = (fg.nn as unknown as Record<string, new (...a: unknown[]) => fg.nn.Module>)[c.layer];
  assert.equal(typeof Ctor, 'function', `fg.nn.${c.layer}`);
  const args = Object.keys(c.options).length ? [...c.args, c.options] : c.args;
  return new Ctor(...args);
}

function run(c: Case, m: fg.nn.Module, xs: fg.Tensor[]): fg.Tensor[] {
  if (c.indices) return [m.forward(new fg.Tensor(Float32Array.from(c.indices.data), c.indices.shape))];
  if (c.layer === 'LSTM') {
    const [out, [hN, cN]] = m.forward(xs[0], xs.length === 3 ? [xs[1], xs[2]] : undefined) as [fg.Tensor, [fg.Tensor, fg.Tensor]];
    return [out, hN, cN];
  }
  if (c.layer === 'GRU') return m.forward(xs[0], xs[1]) as [fg.Tensor, fg.Tensor];
  return [m.forward(xs[0])];
}

test('the fixture covers every layer the script lists', () => {
  assert.match(fixture.torch, /^1\.13/);
  const layers = new Set(fixture.cases.map((c) => c.layer));
  for (const l of ['Conv2d', 'Conv1d', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'LayerNorm', 'Embedding', 'GELU', 'SiLU', 'LeakyReLU', 'ELU', 'LSTM', 'GRU']) {
    assert.ok(layers.has(l), l);
  }
  assert.ok(fixture.cases.some((c) => c.layer === 'GELU' && c.options.approximate === 'tanh'));
});

for (const c of fixture.cases) {
  test(`${c.name} matches PyTorch 1.13 (outputs and gradients) on both backends`, () => {
    eachBackend((backend) => {
      const what = `${c.name} (${backend})`;
      const m = build(c);
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, new fg.Tensor(Float32Array.from(v.data), v.shape)])));
      const xs = c.inputs.map((a) => new fg.Tensor(Float32Array.from(a.data), a.shape).requiresGrad_());
      const outs = run(c, m, xs);
      assert.equal(outs.length, c.outputs.length, `${what}: number of outputs`);
      let loss: fg.Tensor | null = null;
      outs.forEach((o, k) => {
        assert.deepEqual(o.shape, c.outputs[k].shape, `${what}: output ${k} shape`);
        assertClose(o.data, c.outputs[k].data, `${what}: output ${k}`, ATOL, RTOL);
        const term = o.mul(new fg.Tensor(Float32Array.from(c.r[k]), o.shape)).sum();
        loss = loss ? loss.add(term) : term;
      });
      loss!.backward();
      xs.forEach((x, k) => assertClose(x.grad!.data, c.inputGrads[k], `${what}: gradient of input ${k}`, ATOL, RTOL));
      const named = m.namedParameters();
      assert.deepEqual(named.map(([n]) => n).sort(), Object.keys(c.paramGrads).sort(), `${what}: parameter names`);
      for (const [n, p] of named) assertClose(p.grad!.data, c.paramGrads[n], `${what}: gradient of ${n}`, ATOL, RTOL);
    });
  });
}

// fg.nn.functional forms against the same vectors: parameters are plain tensors that require grad.
type Fn = (c: Case, x: fg.Tensor | undefined, p: Record<string, fg.Tensor>) => fg.Tensor;
const F = fg.nn.functional;
const FUNCTIONAL: Record<string, Fn> = {
  Conv2d: (c, x, p) => {
    const { bias: _bias, ...opts } = c.options;
    return F.conv2d(x!, p.weight, p.bias ?? null, opts as Parameters<typeof F.conv2d>[3]);
  },
  MaxPool2d: (c, x) => F.maxPool2d(x!, c.args[0] as number, c.options),
  AvgPool2d: (c, x) => F.avgPool2d(x!, c.args[0] as number, c.options),
  AdaptiveAvgPool2d: (c, x) => F.adaptiveAvgPool2d(x!, c.args[0] as number),
  LayerNorm: (c, x, p) => F.layerNorm(x!, c.args[0] as number[], { weight: p.weight, bias: p.bias, eps: c.options.eps as number | undefined }),
  Embedding: (c, _x, p) => F.embedding(new fg.Tensor(Float32Array.from(c.indices!.data), c.indices!.shape), p.weight, { paddingIdx: c.options.paddingIdx as number }),
  GELU: (c, x) => F.gelu(x!, c.options),
  SiLU: (_c, x) => F.silu(x!),
  LeakyReLU: (c, x) => F.leakyRelu(x!, c.options),
  ELU: (c, x) => F.elu(x!, c.options),
};

test('fg.nn.functional forms (conv2d, pools, layerNorm, embedding, activations) match PyTorch 1.13 on both backends', () => {
  let n = 0;
  for (const c of fixture.cases) {
    const fn = FUNCTIONAL[c.layer];
    if (!fn) continue;
    n++;
    eachBackend((backend) => {
      const what = `functional ${c.name} (${backend})`;
      const x = c.inputs[0] ? new fg.Tensor(Float32Array.from(c.inputs[0].data), c.inputs[0].shape).requiresGrad_() : undefined;
      const p = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, new fg.Tensor(Float32Array.from(v.data), v.shape).requiresGrad_()]));
      const y = fn(c, x, p);
      assertClose(y.data, c.outputs[0].data, `${what}: output`, ATOL, RTOL);
      y.mul(new fg.Tensor(Float32Array.from(c.r[0]), y.shape)).sum().backward();
      if (x) assertClose(x.grad!.data, c.inputGrads[0], `${what}: gradient of x`, ATOL, RTOL);
      for (const [k, g] of Object.entries(c.paramGrads)) assertClose(p[k].grad!.data, g, `${what}: gradient of ${k}`, ATOL, RTOL);
    });
  }
  assert.ok(n >= 15, `only ${n} functional cases`);
});

test('functional forms reject bad arguments naming the function and the argument', () => {
  const x = new fg.Tensor(new Float32Array(24), [2, 3, 4]);
  assert.throws(() => F.layerNorm(x, [3, 4], { weight: new fg.Tensor(new Float32Array(12), [3, 4]) }), /weight and bias both given or both omitted for layerNorm/);
  assert.throws(() => F.layerNorm(x, [3, 4], { weight: new fg.Tensor(new Float32Array(4), [4]), bias: new fg.Tensor(new Float32Array(4), [4]) }), /Expected weight of shape \[3, 4\].*received shape \[4\]/);
  assert.throws(() => F.layerNorm(x, [4, 4]), /Expected x of shape \[\.\.\., 4, 4\]/);
  assert.throws(() => F.embedding(Int32Array.of(0, 5), new fg.Tensor(new Float32Array(10), [5, 2])), /indices in \[0, 5\).*input of embedding.*element 1 is 5/);
  assert.throws(() => F.embedding(Int32Array.of(0), new fg.Tensor(new Float32Array(10), [10])), /weight of shape \[numEmbeddings, embeddingDim\]/);
  assert.throws(() => F.maxPool2d(new fg.Tensor(new Float32Array(4), [4]), 2), /MaxPool2d/);
  assert.throws(() => F.leakyRelu(x, { slope: 1 } as never), /Unknown option 'slope'/);
});
