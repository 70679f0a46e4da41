// Weights that travel: state dicts saved from PyTorch 1.13 models as safetensors
// (test/fixtures/safetensors/torch_*.safetensors, written by scripts/torch-safetensors-models.py) load
// into the same fastgrad models by torch's own keys (running_mean, running_var, the 0-d I64
// num_batches_tracked, weight_ih_l0 …, nested lstm.* / head.*) with strict checking, and give torch's
// outputs on both backends. torch computed in float64 on the saved float32 weights; tolerance
// |got − want| ≤ 1e-5 + 1e-4·|want|.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertClose, eachBackend } from './support/harness.js';

const dir = path.join(__dirname, 'fixtures', 'safetensors');
const want = JSON.parse(readFileSync(path.join(dir, 'torch_models.json'), 'utf8'));
const T = (a: { shape: number[]; data: number[] }) => new fg.Tensor(Float32Array.from(a.data), a.shape);
const ATOL = 1e-5, RTOL = 1e-4;

test('a CNN state dict saved by PyTorch (BatchNorm running statistics, I64 counters) loads and gives torch outputs', () => {
  const { tensors, dtypes, metadata } = fg.loadSafetensors(path.join(dir, 'torch_cnn.safetensors'));
  assert.equal(dtypes['1.num_batches_tracked'], 'I64');
  assert.deepEqual({ ...metadata }, { format: 'pt' });
  eachBackend((backend) => {
    const { nn } = fg;
    const net = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1, groups: 2 }), new nn.BatchNorm2d(8), new nn.GELU(),
      new nn.AdaptiveAvgPool2d(2), new nn.Flatten(), new nn.LayerNorm(32), new nn.Linear(32, 5),
    );
    net.loadStateDict(tensors);
    const bn = net.children()[1] as InstanceType<typeof nn.BatchNorm2d>;
    assert.equal(bn.numBatchesTracked, 3, 'the I64 counter');
    assert.ok(bn.runningVar!.data.some((v) => v !== 1), 'running statistics loaded');
    net.eval();
    const y = net.forward(T(want.cnn.x));
    assert.deepEqual(y.shape, want.cnn.y.shape);
    assertClose(y.data, want.cnn.y.data, `CNN (${backend})`, ATOL, RTOL);
  });
});

class Seq extends fg.nn.Module {
  readonly lstm = this.registerModule('lstm', new fg.nn.LSTM(3, 6, { numLayers: 2, batchFirst: true }));
  readonly head = this.registerModule('head', new fg.nn.Linear(6, 2));
  forward(x: fg.Tensor): [fg.Tensor, fg.Tensor, fg.Tensor] {
    const [out, [h, c]] = this.lstm.forward(x);
    return [this.head.forward(out), h, c];
  }
}

test('an LSTM model state dict saved by PyTorch loads by torch keys and gives torch outputs', () => {
  const { tensors } = fg.loadSafetensors(path.join(dir, 'torch_lstm.safetensors'));
  assert.ok('lstm.weight_ih_l1' in tensors && 'lstm.bias_hh_l0' in tensors && 'head.weight' in tensors);
  eachBackend((backend) => {
    const m = new Seq();
    m.loadStateDict(tensors);
    const [y, h, c] = m.forward(T(want.lstm.x));
    assert.deepEqual(y.shape, want.lstm.y.shape);
    assertClose(y.data, want.lstm.y.data, `LSTM model output (${backend})`, ATOL, RTOL);
    assertClose(h.data, want.lstm.hN.data, `LSTM hN (${backend})`, ATOL, RTOL);
    assertClose(c.data, want.lstm.cN.data, `LSTM cN (${backend})`, ATOL, RTOL);
  });
});

test('a fastgrad model saved as safetensors loads back by the same torch keys (BatchNorm counters as 0-d I64)', () => {
  const { nn } = fg;
  const a = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
  a.forward(new fg.Tensor(Float32Array.from({ length: 2 * 25 }, (_, i) => Math.sin(i)), [2, 1, 5, 5]));
  const file = path.join(require('node:os').tmpdir(), `fg-torch-keys-${process.pid}.safetensors`);
  fg.saveSafetensors(file, a.stateDict());
  const back = fg.loadSafetensors(file);
  require('node:fs').unlinkSync(file);
  assert.deepEqual(Object.keys(back.tensors).sort(), ['0.bias', '0.weight', '1.bias', '1.num_batches_tracked', '1.running_mean', '1.running_var', '1.weight']);
  assert.equal(back.dtypes['1.num_batches_tracked'], 'I64');
  const b = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2));
  b.loadStateDict(back.tensors);
  assert.equal((b.children()[1] as InstanceType<typeof nn.BatchNorm2d>).numBatchesTracked, 1);
  assert.deepEqual((b.children()[1] as InstanceType<typeof nn.BatchNorm2d>).runningMean!.data, (a.children()[1] as InstanceType<typeof nn.BatchNorm2d>).runningMean!.data);
});
