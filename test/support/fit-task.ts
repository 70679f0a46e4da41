// A small classification task for the fit tests: two noisy blobs per class in 4-D, an MLP with
// dropout (drawing from the global generator) and batch norm, and the loaders over it.
import * as fg from '../../lib/index.js';

export function blobs(n: number, seed: number): { x: fg.Tensor; labels: Int32Array } {
  const g = new fg.Generator(seed);
  const noise = g.normal(new Float32Array(n * 4), 0, 0.6);
  const xs = new Float32Array(n * 4), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let k = 0; k < 4; k++) xs[i * 4 + k] = (k === c ? 2 : 0) - (k === 3 ? c : 0) + noise[i * 4 + k];
  }
  return { x: new fg.Tensor(xs, [n, 4]), labels };
}

export function makeTask(opts: { seed?: number; lr?: number } = {}) {
  const gen = new fg.Generator(opts.seed ?? 5);
  const model = new fg.nn.Sequential(
    new fg.nn.Linear(4, 16, { generator: gen }),
    new fg.nn.BatchNorm1d(16),
    new fg.nn.ReLU(),
    new fg.nn.Dropout(0.2),
    new fg.nn.Linear(16, 3, { generator: gen }),
  );
  const optimizer = new fg.optim.Adam(model.parameters(), { lr: opts.lr ?? 0.02 });
  const train = blobs(60, 1), val = blobs(30, 2);
  const loader = new fg.data.DataLoader(new fg.data.TensorDataset(train.x, train.labels), { batchSize: 8, shuffle: true, generator: new fg.Generator(77) });
  const valLoader = new fg.data.DataLoader(new fg.data.TensorDataset(val.x, val.labels), { batchSize: 16 });
  return { model, optimizer, loader, valLoader, loss: new fg.nn.CrossEntropyLoss() };
}
