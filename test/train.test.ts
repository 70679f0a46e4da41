// fg.train.fit: history and metrics, exact resume (the same bits as an uninterrupted run, from a
// checkpoint taken mid-epoch and at an epoch's end), callbacks, the progress output on a terminal and
// off one, Ctrl-C (finish the step, save, exit), and bad options.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertSameBits } from './support/harness.js';
import { makeTask } from './support/fit-task.js';

const root = path.resolve(__dirname, '..');
const tmp = (name: string) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fg-fit-')), name);
const quiet = { verbose: 0 as const };

function params(m: fg.nn.Module): Float32Array[] {
  return m.parameters().map((p) => p.data.slice());
}

test('fit: history of loss, accuracy, valLoss, valAccuracy and lr per epoch; training learns', async () => {
  fg.manualSeed(3);
  const t = makeTask();
  const scheduler = new fg.optim.StepLR(t.optimizer, { stepSize: 2, gamma: 0.5 });
  const h = await fg.train.fit(t.model, t.loader, { optimizer: t.optimizer, loss: t.loss, epochs: 4, metrics: ['accuracy'], validation: t.valLoader, scheduler, ...quiet });
  assert.deepEqual(h.epoch, [0, 1, 2, 3]);
  assert.equal(h.steps, 4 * 8);
  assert.equal(h.stopReason, 'completed');
  assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss', 'lr', 'valAccuracy', 'valLoss']);
  assert.deepEqual(h.history.lr, [0.02, 0.02, 0.01, 0.01]); // logged before the epoch's scheduler step
  assert.ok(h.history.loss[3] < h.history.loss[0], `loss ${h.history.loss}`);
  assert.ok(h.history.valAccuracy[3] > 0.8, `valAccuracy ${h.history.valAccuracy}`);
  // valLoss / valAccuracy are fg.train.evaluate of the final model
  const ev = await fg.train.evaluate(t.model, t.valLoader, t.loss, [{ name: 'accuracy', fn: fg.train.accuracy }]);
  assert.equal(ev.valLoss, h.history.valLoss[3]);
  assert.equal(ev.valAccuracy, h.history.valAccuracy[3]);
  assert.equal(t.model.training, true);
});

async function uninterrupted(epochs: number) {
  fg.manualSeed(11);
  const t = makeTask();
  const scheduler = new fg.optim.StepLR(t.optimizer, { stepSize: 1, gamma: 0.7 });
  const h = await fg.train.fit(t.model, t.loader, { optimizer: t.optimizer, loss: t.loss, epochs, metrics: ['accuracy'], validation: t.valLoader, scheduler, ...quiet });
  return { h, params: params(t.model) };
}

async function interruptedThenResumed(epochs: number, stopAt: (step: number, endOfEpoch: boolean) => boolean) {
  const file = tmp('run.fgc');
  fg.manualSeed(11);
  const a = makeTask();
  const stopper: fg.train.Callback = {
    onBatchEnd(step, _logs, ctx) {
      if (stopAt(step, false)) ctx.stopTraining = true;
    },
    onEpochEnd(_e, _l, ctx) {
      if (stopAt(ctx.step, true)) ctx.stopTraining = true;
    },
  };
  const first = await fg.train.fit(a.model, a.loader, {
    optimizer: a.optimizer, loss: a.loss, epochs, metrics: ['accuracy'], validation: a.valLoader,
    scheduler: new fg.optim.StepLR(a.optimizer, { stepSize: 1, gamma: 0.7 }), callbacks: [stopper], checkpoint: { path: file, every: 3 }, ...quiet,
  });
  assert.equal(first.stopReason, 'callback');
  fg.manualSeed(999); // the resumed run must not depend on the global generator's state before it
  const b = makeTask({ seed: 6 }); // other initial weights: all of it comes from the checkpoint
  const h = await fg.train.fit(b.model, b.loader, {
    optimizer: b.optimizer, loss: b.loss, epochs, metrics: ['accuracy'], validation: b.valLoader,
    scheduler: new fg.optim.StepLR(b.optimizer, { stepSize: 1, gamma: 0.7 }), checkpoint: { path: file, every: 3 }, resume: true, ...quiet,
  });
  return { first, h, params: params(b.model) };
}

test('fit: exact resume from a mid-epoch checkpoint gives the same bits and history as an uninterrupted run', async () => {
  const ref = await uninterrupted(3);
  const r = await interruptedThenResumed(3, (step, end) => !end && step === 11); // epoch 1, batch 3 of 8
  assert.equal(r.first.steps, 11);
  assert.deepEqual(r.first.epoch, [0]);
  assert.equal(r.h.steps, ref.h.steps);
  assert.deepEqual(r.h.history, ref.h.history);
  ref.params.forEach((p, i) => assertSameBits(r.params[i], p, { kernel: 'fit resume mid-epoch', output: `param ${i}` }));
});

test('fit: exact resume from an end-of-epoch checkpoint', async () => {
  const ref = await uninterrupted(3);
  const r = await interruptedThenResumed(3, (step, end) => end && step === 8);
  assert.deepEqual(r.first.epoch, [0]);
  assert.deepEqual(r.h.history, ref.h.history);
  ref.params.forEach((p, i) => assertSameBits(r.params[i], p, { kernel: 'fit resume epoch end', output: `param ${i}` }));
});

test('fit: EarlyStopping (restoreBestWeights) and ReduceLROnPlateau callbacks', async () => {
  fg.manualSeed(2);
  const t = makeTask();
  // a metric that never improves: stops after patience + 1 epochs
  let calls = 0;
  const worse = { name: 'worse', fn: () => ++calls };
  const es = new fg.train.EarlyStopping({ monitor: 'worse', mode: 'min', patience: 1, restoreBestWeights: true });
  const plateau = new fg.train.ReduceLROnPlateau({ monitor: 'worse', patience: 0, factor: 0.5, mode: 'min' });
  let bestWeights: Float32Array[] = [];
  const snap: fg.train.Callback = {
    onEpochEnd(epoch, _l, ctx) {
      if (epoch === 0) bestWeights = params(ctx.model);
    },
  };
  const h = await fg.train.fit(t.model, t.loader, { optimizer: t.optimizer, loss: t.loss, epochs: 10, metrics: [worse], callbacks: [snap, plateau, es], ...quiet });
  assert.equal(h.stopReason, 'callback');
  assert.deepEqual(h.epoch, [0, 1, 2]);
  assert.equal(es.stoppedEpoch, 2);
  bestWeights.forEach((p, i) => assertSameBits(params(t.model)[i], p, { kernel: 'restoreBestWeights', output: `param ${i}` }));
  assert.deepEqual(h.history.lr, [0.02, 0.02, 0.01]); // lr is logged before the callbacks run
  assert.equal(t.optimizer.paramGroups[0].lr, 0.005);
  assert.throws(() => new fg.train.EarlyStopping({ patience: -1 }), /Expected an integer >= 0 for patience but received number -1/);
  await assert.rejects(
    fg.train.fit(t.model, t.loader, { optimizer: t.optimizer, loss: t.loss, callbacks: [new fg.train.EarlyStopping()], ...quiet }),
    /EarlyStopping's monitor 'valLoss' among the epoch logs \(loss, lr\)/,
  );
});

test('fit: a progress bar per epoch on a terminal (loss, metrics, samples/s); nothing when the output is not a terminal; verbose 2 lines', async () => {
  const run = async (stream: { isTTY?: boolean; columns?: number; write(s: string): boolean }, verbose?: 'auto' | 2) => {
    fg.manualSeed(1);
    const t = makeTask();
    await fg.train.fit(t.model, t.loader, { optimizer: t.optimizer, loss: t.loss, epochs: 2, metrics: ['accuracy'], stream, verbose });
  };
  let tty = '';
  const ttyStream = Object.assign(
    new Writable({
      write(c: Buffer, _e, cb) {
        tty += c.toString();
        cb();
      },
    }),
    { isTTY: true, columns: 200 },
  );
  await run(ttyStream);
  assert.match(tty, /\x1B\[1GEpoch 1\/2 \|=+\| 8\/8 \| loss [\d.]+ \| accuracy [\d.]+ \| lr 0\.02 \| [\d.e+]+ samples\/s \| ETA/);
  assert.match(tty, /Epoch 2\/2 /);
  let plain = '';
  await run({ isTTY: false, write: (s: string) => ((plain += s), true) });
  assert.equal(plain, '');
  let lines = '';
  await run({ isTTY: false, write: (s: string) => ((lines += s), true) }, 2);
  assert.match(lines, /^Epoch 1\/2: loss [\d.]+ \| accuracy [\d.]+ \| lr 0\.02 \| [\d.e+]+ samples\/s\nEpoch 2\/2: /);
  assert.equal(lines.split('\n').length, 3);
});

test('fit: Ctrl-C finishes the step, saves a checkpoint and exits with code 130', async () => {
  const file = tmp('sigint.fgc');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'support', 'fit-sigint.ts'), file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('READY') && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 130, `stdout: ${out}\nstderr: ${err}`);
  assert.ok(!out.includes('RETURNED'));
  const ck = fg.readCheckpoint(file);
  const state = (ck.extra as { fit: { epoch: number; batch: number } }).fit;
  assert.ok(ck.step! >= 2, `step ${ck.step}`);
  assert.equal(state.epoch * 150 + state.batch, ck.step); // 150 batches per epoch: the checkpoint is after a whole step
});

test('fit: bad arguments', async () => {
  const t = makeTask();
  const base = { optimizer: t.optimizer, loss: t.loss, ...quiet };
  await assert.rejects(fg.train.fit({} as never, t.loader, base), /Expected a Module for model/);
  await assert.rejects(fg.train.fit(t.model, [] as never, base), /Expected a DataLoader/);
  await assert.rejects(fg.train.fit(t.model, t.loader, { ...base, epochs: -1 }), /for epochs but received number -1/);
  await assert.rejects(fg.train.fit(t.model, t.loader, { ...base, optimizer: {} as never }), /Expected an fg.optim optimizer for optimizer/);
  await assert.rejects(fg.train.fit(t.model, t.loader, { ...base, metrics: ['f1' as never] }), /for metrics\[0\]/);
  await assert.rejects(fg.train.fit(t.model, t.loader, { ...base, resume: true }), /checkpoint.path with resume: true/);
  await assert.rejects(fg.train.fit(t.model, t.loader, { ...base, checkpoint: { path: '', every: 1 } }), /for checkpoint.path/);
  await assert.rejects(fg.train.fit(t.model, t.loader, { ...base, epoch: 3 } as never), /Unknown option 'epoch'/);
});

test('fit over a worker DataLoader trains to the same bits as over numWorkers 0 (augmentation included)', async () => {
  const spec = { module: path.join(__dirname, 'support', 'dataloader-datasets.ts'), args: { n: 40, dim: 5, augment: true } };
  const run = async (numWorkers: number) => {
    fg.manualSeed(4);
    const model = new fg.nn.Sequential(new fg.nn.Linear(5, 10, { generator: new fg.Generator(8) }), new fg.nn.Tanh(), new fg.nn.Linear(10, 10, { generator: new fg.Generator(9) }));
    const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const loader = new fg.data.DataLoader(spec, { batchSize: 8, shuffle: true, generator: new fg.Generator(12), numWorkers });
    const h = await fg.train.fit(model, loader, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 2, ...quiet });
    return { h, params: params(model) };
  };
  const a = await run(0), b = await run(2);
  assert.equal(b.h.steps, 10);
  assert.deepEqual(b.h.history, a.h.history);
  a.params.forEach((p, i) => assertSameBits(b.params[i], p, { kernel: 'fit numWorkers 2 vs 0', output: `param ${i}` }));
});

test("fit: a chain of built-in layers trains layer-wise with the tape's bits; frozen, hooked, reused and tied parameters and modules from ops take the tape", async () => {
  // the same run by a hand-written loop on the tape (loss.backward())
  const onTape = async (t: ReturnType<typeof makeTask>, epochs: number) => {
    t.model.train();
    for (let e = 0; e < epochs; e++) {
      t.loader.setEpoch(e);
      for await (const [x, y] of t.loader as AsyncIterable<[fg.Tensor, Int32Array]>) {
        t.model.zeroGrad();
        t.loss.forward(t.model.forward(x), y).backward();
        t.optimizer.step();
      }
    }
  };
  /** fit on t, counting the layer-wise backward calls and the steps whose tape was freed after them. */
  const fitCounting = async (t: ReturnType<typeof makeTask>, epochs: number) => {
    let layerwise = 0, freed = 0;
    const bp = t.model.backwardParameters.bind(t.model);
    const fwd = t.model.forward.bind(t.model);
    let out: fg.Tensor | null = null;
    t.model.forward = (x: fg.Tensor) => (out = fwd(x));
    t.model.backwardParameters = (dy: fg.Tensor) => {
      layerwise++;
      bp(dy);
      // fit frees the tape recorded during forward right after (as a tape backward does)
      const node = out!.gradFn as unknown as { freed: boolean } | null;
      queueMicrotask(() => void (node?.freed && freed++));
    };
    const h = await fg.train.fit(t.model, t.loader, { optimizer: t.optimizer, loss: t.loss, epochs, ...quiet });
    return { layerwise, freed, steps: h.steps };
  };
  // batch norm, dropout (the global generator), Adam: layer-wise, the tape's bits
  fg.manualSeed(3);
  const a = makeTask();
  const fa = await fitCounting(a, 2);
  assert.equal(fa.steps, 16);
  assert.equal(fa.layerwise, 16);
  assert.equal(fa.freed, 16, "each layer-wise step freed the forward's tape");
  fg.manualSeed(3);
  const b = makeTask();
  await onTape(b, 2);
  params(b.model).forEach((p, i) => assertSameBits(params(a.model)[i], p, { kernel: 'fit layer-wise vs the tape', output: `param ${i}` }));

  // a frozen first layer stays as it was (the layer-wise backward would have changed it)
  const frozen = makeTask();
  const first = frozen.model.layers[0] as fg.nn.Linear;
  first.requiresGrad_(false);
  const before = params(first);
  const ff = await fitCounting(frozen, 1);
  assert.equal(ff.layerwise, 0);
  params(first).forEach((p, i) => assertSameBits(p, before[i], { kernel: 'fit frozen layer', output: `param ${i}` }));

  // a hook that zeroes a gradient (the tape calls it; SGD without momentum leaves the weight as it was)
  const hooked = makeTask();
  const sgd = new fg.optim.SGD(hooked.model.parameters(), { lr: 0.1 });
  hooked.optimizer = sgd as unknown as typeof hooked.optimizer;
  const last = hooked.model.layers[4] as fg.nn.Linear;
  const handle = last.weight.registerHook((g) => fg.zerosLike(g));
  const w0 = last.weight.data.slice();
  const fh = await fitCounting(hooked, 1);
  handle.remove();
  assert.equal(fh.layerwise, 0);
  assertSameBits(last.weight.data, w0, { kernel: 'fit hooked weight', output: 'weight' });

  // a module used twice, tied weights, a module written from ops: the tape, no error
  const g = new fg.Generator(2);
  const lin = new fg.nn.Linear(4, 4, { generator: g });
  const twice = new fg.nn.Sequential(lin, new fg.nn.Tanh(), lin, new fg.nn.Linear(4, 3, { generator: g }));
  const tiedA = new fg.nn.Linear(4, 4, { generator: g }), tiedB = new fg.nn.Linear(4, 4, { generator: g });
  Object.assign(tiedB, { weight: tiedA.weight }); // tied: one Parameter in two modules
  const tied = new fg.nn.Sequential(tiedA, new fg.nn.ReLU(), tiedB, new fg.nn.Linear(4, 3, { generator: g }));
  assert.equal(tied.parameters().length, 5); // the shared weight once
  class Residual extends fg.nn.Module {
    readonly lin = new fg.nn.Linear(4, 4, { generator: g });
    readonly head = new fg.nn.Linear(4, 3, { generator: g });
    forward(x: fg.Tensor): fg.Tensor {
      return this.head.forward(x.add(this.lin.forward(x).relu()));
    }
  }
  for (const model of [twice, tied, new Residual()]) {
    const t = makeTask();
    const task = { ...t, model: model as unknown as fg.nn.Sequential, optimizer: new fg.optim.SGD(model.parameters(), { lr: 0.05 }) as unknown as typeof t.optimizer };
    const w = params(model);
    const r = await fitCounting(task, 1);
    assert.equal(r.layerwise, 0, model.constructor.name);
    assert.ok(params(model).some((p, i) => p.some((v, k) => v !== w[i][k])), 'trained');
  }
});
