// Trains a classifier on examples/data/flowers.csv, read from disk by two worker threads through a
// worker dataset (examples/csv-dataset.ts), with fg.train.fit. Run: node --import tsx examples/csv-train.ts
import * as path from 'node:path';
import * as fg from '../lib/index.js';

const csv = path.join(__dirname, 'data', 'flowers.csv');
const dataset = (split: 'train' | 'val') => ({ module: path.join(__dirname, 'csv-dataset.ts'), args: { path: csv, split } });

const train = new fg.data.DataLoader(dataset('train'), { batchSize: 16, shuffle: true, generator: new fg.Generator(1), numWorkers: 2, persistentWorkers: true });
const val = new fg.data.DataLoader(dataset('val'), { batchSize: 60 });

const gen = new fg.Generator(7);
const model = new fg.nn.Sequential(new fg.nn.Linear(4, 16, { generator: gen }), new fg.nn.ReLU(), new fg.nn.Linear(16, 3, { generator: gen }));
const optimizer = new fg.optim.Adam(model.parameters(), { lr: 0.01 });

async function main(): Promise<void> {
  const { history } = await fg.train.fit(model, train, {
    optimizer,
    loss: new fg.nn.CrossEntropyLoss(),
    epochs: 15,
    metrics: ['accuracy'],
    validation: val,
    callbacks: [new fg.train.EarlyStopping({ monitor: 'valLoss', patience: 3 })],
    verbose: process.stdout.isTTY ? 'auto' : 2,
  });
  await train.close(); // stops the persistent workers
  const last = history.valAccuracy.length - 1;
  console.log(`validation accuracy ${(100 * history.valAccuracy[last]).toFixed(1)}% after ${last + 1} epochs (${train.numWorkers} workers, ${fg.getBackend()} backend)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
