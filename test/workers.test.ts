// worker_threads (docs/reliability.md "Workers"): four workers and the main thread train small networks
// (fg.nn: Linear, BatchNorm1d, Tanh, MSELoss, Adam) at once on the native backend and get the single-threaded bits; a worker terminated while it runs
// native kernels (sync or async) takes nothing down; the thread policy inside a worker.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as fg from '../lib/index.js';
import { workerThreads } from '../lib/backend/native.js';
import { assertSameBits, requireNative } from './support/harness.js';
import { trainSmall } from './support/train.js';

const root = path.resolve(__dirname, '..');
const STEPS = 60;

/** Worker source: registers tsx, loads fastgrad and the small network, then runs `body`. */
function script(body: string): string {
  return `
    require('tsx/cjs/api').register();
    const { parentPort, workerData } = require('node:worker_threads');
    const fg = require(${JSON.stringify(path.join(root, 'lib', 'index.ts'))});
    const { smallNet, trainSmall } = require(${JSON.stringify(path.join(root, 'test', 'support', 'train.ts'))});
    ${body}
  `;
}

interface TrainReply {
  backend: string;
  threads: number;
  losses: number[];
  params: Float32Array[];
}

function startWorker(body: string, workerData: unknown, env?: NodeJS.ProcessEnv): Worker {
  return new Worker(script(body), { eval: true, workerData, env: env ?? process.env });
}

function reply<T>(w: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited with code ${code} before replying`)));
  });
}

const TRAIN = `
  const r = trainSmall(workerData.seed, workerData.steps);
  parentPort.postMessage({ backend: fg.getBackend(), threads: fg.getNumThreads(), ...r });
`;

function assertSameRun(got: { losses: number[]; params: Float32Array[] }, want: { losses: number[]; params: Float32Array[] }, what: string): void {
  assert.deepEqual(got.losses, want.losses, `${what}: losses`);
  want.params.forEach((p, i) => assertSameBits(got.params[i], p, { kernel: what, output: `param ${i}` }));
}

test('four workers and the main thread train at once and equal single-threaded runs bit for bit', async () => {
  requireNative();
  const seeds = [101, 202, 303, 404];
  const workers = seeds.map((seed) => startWorker(TRAIN, { seed, steps: STEPS }));
  const pending = workers.map((w) => reply<TrainReply>(w));
  const mainRun = trainSmall(505, STEPS); // runs while the workers train
  const results = await Promise.all(pending);
  const prev = fg.getNumThreads();
  fg.setNumThreads(1);
  try {
    results.forEach((r, i) => {
      assert.equal(r.backend, 'native');
      assert.equal(r.threads, 1, 'a worker defaults to one native thread');
      assert.ok(r.losses[STEPS - 1] < r.losses[0], 'the network learns');
      assertSameRun(r, trainSmall(seeds[i], STEPS), `worker seed ${seeds[i]}`);
    });
    assertSameRun(mainRun, trainSmall(505, STEPS), 'main thread');
  } finally {
    fg.setNumThreads(prev);
  }
});

test('terminating workers mid-training (sync kernels and async kernels in flight) crashes nothing; the others finish correctly', async () => {
  requireNative();
  const loopSync = `
    const net = smallNet(workerData.seed, 256, 32);
    net.step();
    parentPort.postMessage('running');
    for (;;) net.step();
  `;
  const loopAsync = `
    const net = smallNet(workerData.seed, 256, 32);
    const x = new fg.Tensor(new Float32Array(4e6).fill(1.5), [1000, 40, 100]);
    const a = new fg.Tensor(new Float32Array(512 * 512).fill(0.25), [512, 512]);
    (async () => {
      await net.stepAsync();
      parentPort.postMessage('running');
      for (;;) { await net.stepAsync(); await fg.nn.functional.batchNormTrainAsync(x); await fg.ops.matmulAsync(a, a); }
    })();
  `;
  const victims = [startWorker(loopSync, { seed: 7 }), startWorker(loopAsync, { seed: 8 })];
  const running = victims.map((v) => reply<string>(v)); // listen before any message can arrive
  const survivors = [11, 12].map((seed) => ({ seed, w: startWorker(TRAIN, { seed, steps: STEPS }) }));
  const done = survivors.map(({ w }) => reply<TrainReply>(w));
  assert.deepEqual(await Promise.all(running), ['running', 'running']);
  await new Promise((r) => setTimeout(r, 50));
  const codes = await Promise.all(victims.map((v) => v.terminate()));
  assert.deepEqual(codes, [1, 1], 'terminate() reports exit code 1');
  const results = await Promise.all(done);
  results.forEach((r, i) => assertSameRun(r, trainSmall(survivors[i].seed, STEPS), `survivor seed ${survivors[i].seed}`));
  // The main thread's addon instance still works.
  assert.deepEqual(fg.ops.add(fg.Tensor.from([1, 2]), 1).toArray(), [2, 3]);
});

function withoutThreadsEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FASTGRAD_NUM_THREADS;
  return env;
}

test('thread policy: 1 native thread in a worker by default; FASTGRAD_NUM_THREADS in its env and setNumThreads override it', async () => {
  requireNative();
  const body = `
    const before = fg.getNumThreads();
    fg.setNumThreads(3);
    parentPort.postMessage({ before, after: fg.getNumThreads() });
  `;
  const plain = await reply<{ before: number; after: number }>(startWorker(body, null, withoutThreadsEnv()));
  assert.deepEqual(plain, { before: 1, after: 3 });
  const env2 = await reply<{ before: number }>(startWorker(body, null, { ...process.env, FASTGRAD_NUM_THREADS: '2' }));
  assert.equal(env2.before, 2);
  const bogus = await reply<{ before: number }>(startWorker(body, null, { ...process.env, FASTGRAD_NUM_THREADS: 'lots' }));
  assert.equal(bogus.before, 1);
  // A worker's setting is its own: the main thread's count did not change.
  assert.notEqual(fg.getNumThreads(), 3);
  assert.equal(workerThreads(undefined), 1);
  assert.equal(workerThreads(' 4 '), 4);
  assert.equal(workerThreads('0'), 1);
  assert.equal(workerThreads('2000'), 1);
  assert.equal(workerThreads('1.5'), 1);
});
