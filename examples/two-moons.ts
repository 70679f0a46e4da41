// A small MLP learns the two-moons problem: Linear -> BatchNorm1d -> ReLU -> a residual block written
// from ops -> Linear, cross-entropy, loss.backward(), NAG with the momentum schedule of Sutskever et al. Run: node --import tsx examples/two-moons.ts
import * as fg from '../lib/index.js';

const gen = new fg.Generator(7);
const n = 512;
const xs = new Float32Array(n * 2);
const labels = new Int32Array(n);
const noise = fg.init.normal(fg.Tensor.zeros([n * 2]), { std: 0.1, generator: gen }).data;
for (let i = 0; i < n; i++) {
  const c = i % 2, t = (Math.PI * (i >> 1)) / (n / 2);
  xs[2 * i] = (c ? 1 - Math.cos(t) : Math.cos(t)) + noise[2 * i];
  xs[2 * i + 1] = (c ? 0.5 - Math.sin(t) : Math.sin(t)) + noise[2 * i + 1];
  labels[i] = c;
}
const x = new fg.Tensor(xs, [n, 2]);

/** A residual block written from ops: x + W2·relu(W1·x) — no backward to write. */
class Residual extends fg.nn.Module {
  readonly inner: fg.nn.Linear;
  readonly outer: fg.nn.Linear;

  constructor(width: number) {
    super();
    this.inner = new fg.nn.Linear(width, width, { generator: gen }); // registered as 'inner', as in torch
    this.outer = new fg.nn.Linear(width, width, { generator: gen });
  }

  forward(x: fg.Tensor): fg.Tensor {
    return x.add(this.outer.forward(this.inner.forward(x).relu()));
  }
}

const model = new fg.nn.Sequential(
  new fg.nn.Linear(2, 32, { generator: gen }),
  new fg.nn.BatchNorm1d(32),
  new fg.nn.ReLU(),
  new Residual(32),
  new fg.nn.Linear(32, 2, { generator: gen }),
);
const lossFn = new fg.nn.CrossEntropyLoss();
const opt = new fg.optim.NAG(model.parameters(), { lr: 0.1, momentum: fg.optim.sutskever({ muMax: 0.9 }) });

for (let step = 0; step <= 300; step++) {
  model.zeroGrad();
  const loss = lossFn.forward(model.forward(x), labels);
  loss.backward(); // the tape: every parameter's .grad
  opt.step();
  if (step % 100 === 0) console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
}
opt.useTheta(); // NAG keeps the look-ahead point in the parameters; evaluate at theta
model.eval();
const pred = fg.noGrad(() => model.forward(x).argmax(1)).data;
let correct = 0;
for (let i = 0; i < n; i++) correct += pred[i] === labels[i] ? 1 : 0;
const info = fg.backendInfo();
console.log(`accuracy ${((100 * correct) / n).toFixed(1)}% on the ${info.backend} backend${info.backend === 'native' ? ` (${info.simd}, ${info.threads} threads)` : ''}`);
