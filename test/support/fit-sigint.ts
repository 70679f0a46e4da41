// Run by test/train.test.ts in a child process: fit with a slow dataset; prints READY after the first
// step so the test can send SIGINT. argv: checkpoint path.
import * as fg from '../../lib/index.js';
import { blobs } from './fit-task.js';

const path = process.argv[2];
const { x, labels } = blobs(600, 1);
const ds = new fg.data.TensorDataset(x, labels);
const slow = {
  length: ds.length,
  get(i: number) {
    const end = Date.now() + 2;
    while (Date.now() < end) {
      /* a slow read */
    }
    return ds.get(i);
  },
};
const model = new fg.nn.Sequential(new fg.nn.Linear(4, 8, { generator: new fg.Generator(1) }), new fg.nn.ReLU(), new fg.nn.Linear(8, 3, { generator: new fg.Generator(2) }));
const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.1 });
let told = false;
void fg.train
  .fit(model, new fg.data.DataLoader(slow, { batchSize: 4 }), {
    optimizer,
    loss: new fg.nn.CrossEntropyLoss(),
    epochs: 50,
    checkpoint: { path },
    callbacks: [
      {
        onBatchEnd(step) {
          if (!told && step >= 2) {
            told = true;
            process.stdout.write('READY\n');
          }
        },
      },
    ],
  })
  .then(() => {
    process.stdout.write('RETURNED\n');
  });
