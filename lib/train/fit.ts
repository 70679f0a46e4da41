// fg.train.fit(model, loader, options): the training loop (Keras's model.fit, Lightning's Trainer.fit).
//
// Per epoch: loader.setEpoch(epoch); for each batch [input, target]: model.zeroGrad(), output =
// model.forward(input), loss = lossFn.forward(output, target), backward (backward.ts), optimizer.step();
// then validation (model.eval(), no gradients), scheduler.step(), callbacks' onEpochEnd, a checkpoint.
// The epoch's loss and metrics are means over samples (float64 sums of batch value × batch size).
//
// Checkpoints (fg.save, atomic): model, optimizer, step, and in extra everything else a resumed run
// needs to give the same bits as an uninterrupted one: the epoch, the batches done in it, the training
// loader's generator state at the epoch's start (so the epoch's seed and order are drawn again and the
// done batches skipped without loading), the global generator (dropout) and the validation loader's
// generator, the epoch's running sums, the history, the scheduler's and callbacks' state dicts.
//
// Ctrl-C (SIGINT) during fit: the current step finishes, a checkpoint is saved (with checkpoint.path),
// and the process exits with code 130 (onInterrupt 'exit', default) or fit returns (onInterrupt 'stop').
// A second Ctrl-C exits at once.
import { Module } from '../nn/module.js';
import { Optimizer } from '../optim/optimizer.js';
import { ReduceLROnPlateau as PlateauScheduler } from '../optim/lr_scheduler.js';
import { defaultGenerator, Generator, type GeneratorState } from '../random.js';
import { read as readCheckpoint, save } from '../checkpoint.js';
import { Tensor } from '../tensor.js';
import { checkInteger, checkOptions, typeError } from '../validate.js';
import * as fs from 'node:fs';
import { backwardFor, type LossFunction } from './backward.js';
import type { Callback, FitContext } from './callbacks.js';
import { resolveMetrics, type MetricSpec } from './metrics.js';
import { EpochProgress, type ProgressStream, type Verbose } from './progress.js';

/** A loader fit can drive: an async iterable of [input, target] batches; fg.data.DataLoader adds resume and setEpoch. */
export interface FitLoader extends AsyncIterable<unknown> {
  readonly length?: number;
  readonly generator?: Generator;
  setEpoch?(epoch: number): void;
  iterate?(opts: { skip?: number }): AsyncIterator<unknown>;
}

export interface Scheduler {
  step(metric?: number): void;
  stateDict(): unknown;
  loadStateDict(s: never): void;
}

export interface FitOptions {
  optimizer: Optimizer;
  /** A loss module (fg.nn.CrossEntropyLoss, MSELoss, ...). */
  loss: LossFunction;
  /** Epochs to train (default 1). */
  epochs?: number;
  /** Stepped once per epoch (ReduceLROnPlateau: with the monitored valLoss, or loss without validation). */
  scheduler?: Scheduler;
  /** 'accuracy' or { name, fn(output, target) }, averaged per epoch; validation logs them as valName. */
  metrics?: MetricSpec[];
  /** A loader of [input, target] batches evaluated after each epoch (valLoss, valMetrics). */
  validation?: FitLoader;
  callbacks?: Callback[];
  /** Save to path after every epoch, and every `every` steps when given; atomic (fg.save). */
  checkpoint?: { path: string; every?: number };
  /** Continue from checkpoint.path (true) or from this file; a missing file starts afresh. */
  resume?: boolean | string;
  /** 'auto' (default): a progress bar per epoch on a terminal, nothing otherwise; 0 nothing; 1 the bar; 2 one line per epoch. */
  verbose?: Verbose;
  /** Where the progress goes (default process.stdout). */
  stream?: ProgressStream;
  /** On Ctrl-C, after the step and the checkpoint: 'exit' (code 130, default) or 'stop' (fit returns). */
  onInterrupt?: 'exit' | 'stop';
}

export interface History {
  /** Per epoch: loss, the metrics, valLoss and valMetrics with validation, lr (group 0's). */
  history: Record<string, number[]>;
  /** The epochs the history covers (0-based). */
  epoch: number[];
  /** Optimizer steps taken, in all (a resumed run counts the steps before it). */
  steps: number;
  /** Why fit returned. */
  stopReason: 'completed' | 'callback' | 'interrupted';
}

interface EpochSums {
  samples: number;
  loss: number;
  metrics: Record<string, number>;
}

interface ResumeState {
  epoch: number;
  batch: number;
  trainGenAtEpochStart: GeneratorState | null;
  globalGen: GeneratorState;
  valGen: GeneratorState | null;
  sums: EpochSums;
  history: Record<string, number[]>;
  epochs: number[];
  scheduler: unknown;
  callbacks: unknown[];
}

function batchParts(batch: unknown): [Tensor, unknown] {
  if (!Array.isArray(batch) || batch.length < 2 || !(batch[0] instanceof Tensor)) {
    throw typeError('a batch [input: Tensor, target]', 'loader batch', batch);
  }
  return [batch[0], batch[1]];
}

const now = () => performance.now();
const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/** Trains model on loader; resolves with the history. See the top of this file. */
export async function fit(model: Module, loader: FitLoader, opts: FitOptions): Promise<History> {
  checkOptions(opts, 'fit options', ['optimizer', 'loss', 'epochs', 'scheduler', 'metrics', 'validation', 'callbacks', 'checkpoint', 'resume', 'verbose', 'stream', 'onInterrupt']);
  if (!(model instanceof Module)) throw typeError('a Module', 'model', model);
  if (!loader || typeof (loader as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') throw typeError('a DataLoader (an async iterable of batches)', 'loader', loader);
  if (!opts || !(opts.optimizer instanceof Optimizer)) throw typeError('an fg.optim optimizer', 'optimizer', opts?.optimizer);
  if (!opts.loss || typeof opts.loss.forward !== 'function' || typeof opts.loss.backward !== 'function') throw typeError('a loss module (forward and backward)', 'loss', opts.loss);
  const epochs = opts.epochs ?? 1;
  checkInteger(epochs, 'epochs', 0);
  const metrics = resolveMetrics(opts.metrics);
  const callbacks = opts.callbacks ?? [];
  if (!Array.isArray(callbacks)) throw typeError('an array of callbacks', 'callbacks', callbacks);
  const ck = opts.checkpoint;
  if (ck !== undefined) {
    checkOptions(ck, 'checkpoint', ['path', 'every']);
    if (typeof ck.path !== 'string' || ck.path === '') throw typeError('a file path', 'checkpoint.path', ck.path);
    if (ck.every !== undefined) checkInteger(ck.every, 'checkpoint.every', 1);
  }
  const resumePath = opts.resume === true ? ck?.path : typeof opts.resume === 'string' ? opts.resume : undefined;
  if (opts.resume === true && !ck) throw new TypeError('Expected checkpoint.path with resume: true');
  if (opts.resume !== undefined && typeof opts.resume !== 'boolean' && typeof opts.resume !== 'string') throw typeError('a boolean or a checkpoint path', 'resume', opts.resume);
  const onInterrupt = opts.onInterrupt ?? 'exit';
  if (onInterrupt !== 'exit' && onInterrupt !== 'stop') throw typeError("'exit' or 'stop'", 'onInterrupt', onInterrupt);
  const { optimizer, loss: lossFn, scheduler, validation } = opts;
  const progress = new EpochProgress(opts.verbose ?? 'auto', opts.stream ?? process.stdout);
  const trainGen = loader.generator ?? null;
  const valGen = validation?.generator ?? null;

  let step = 0, startEpoch = 0, skip = 0;
  let history: Record<string, number[]> = {}, epochList: number[] = [];
  let sums: EpochSums = { samples: 0, loss: 0, metrics: {} };
  let restoreGlobalAfterFirstBatch: GeneratorState | null = null;

  const ctx: FitContext = {
    model,
    optimizer,
    stopTraining: false,
    get step() {
      return step;
    },
    epochs,
  };

  // ---- resume
  if (resumePath !== undefined && fs.existsSync(resumePath)) {
    const c = readCheckpoint(resumePath);
    const r = (c.extra as { fit?: ResumeState } | undefined)?.fit;
    if (!r || !c.model || !c.optimizer) throw new Error(`Checkpoint ${resumePath} was not written by fg.train.fit (no fit state)`);
    model.loadStateDict(c.model);
    optimizer.loadStateDict(c.optimizer as never);
    if (scheduler && r.scheduler !== null) scheduler.loadStateDict(r.scheduler as never);
    callbacks.forEach((cb, i) => {
      if (cb.loadStateDict && r.callbacks[i] !== undefined && r.callbacks[i] !== null) cb.loadStateDict(r.callbacks[i]);
    });
    step = c.step ?? 0;
    startEpoch = r.epoch;
    skip = r.batch;
    history = r.history;
    epochList = r.epochs;
    sums = r.sums;
    defaultGenerator.setState(r.globalGen);
    if (valGen && r.valGen) valGen.setState(r.valGen);
    if (trainGen && r.trainGenAtEpochStart) trainGen.setState(r.trainGenAtEpochStart);
    // the epoch's draws (seed, order) happen again; then the global stream continues where it was
    if (skip > 0) restoreGlobalAfterFirstBatch = r.globalGen;
  }

  let trainGenAtEpochStart: GeneratorState | null = trainGen ? trainGen.getState() : null;
  let epoch = startEpoch, batchInEpoch = skip;

  const saveCheckpoint = (atEpochEnd: boolean) => {
    if (!ck) return;
    const state: ResumeState = {
      epoch: atEpochEnd ? epoch + 1 : epoch,
      batch: atEpochEnd ? 0 : batchInEpoch,
      trainGenAtEpochStart: atEpochEnd ? (trainGen?.getState() ?? null) : trainGenAtEpochStart,
      globalGen: defaultGenerator.getState(),
      valGen: valGen?.getState() ?? null,
      sums: atEpochEnd ? { samples: 0, loss: 0, metrics: {} } : sums,
      history,
      epochs: epochList,
      scheduler: scheduler ? scheduler.stateDict() : null,
      callbacks: callbacks.map((cb) => (cb.stateDict ? cb.stateDict() : null)),
    };
    save(ck.path, { model, optimizer, step, extra: { fit: state } });
  };

  // ---- Ctrl-C
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
  };
  process.on('SIGINT', onSigint);

  let stopReason: History['stopReason'] = 'completed';
  try {
    for (const cb of callbacks) cb.onTrainBegin?.(ctx);
    model.train();
    const backward = backwardFor(model, lossFn);
    for (; epoch < epochs; epoch++) {
      if (batchInEpoch === 0) trainGenAtEpochStart = trainGen ? trainGen.getState() : null;
      loader.setEpoch?.(epoch);
      for (const cb of callbacks) cb.onEpochBegin?.(epoch, ctx);
      let total = 0;
      try {
        total = loader.length ?? 0;
      } catch {
        total = 0;
      }
      progress.start(epoch, epochs, total, batchInEpoch);
      const t0 = now();
      let samplesThisRun = 0, lastYield = now();
      const it = batchInEpoch > 0 ? loader.iterate!({ skip: batchInEpoch }) : loader[Symbol.asyncIterator]();
      if (batchInEpoch > 0 && typeof loader.iterate !== 'function') throw new TypeError('Expected a loader with iterate({ skip }) (an fg.data.DataLoader) to resume in the middle of an epoch');
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          if (restoreGlobalAfterFirstBatch) {
            defaultGenerator.setState(restoreGlobalAfterFirstBatch);
            restoreGlobalAfterFirstBatch = null;
          }
          const [input, target] = batchParts(r.value);
          const n = input.shape[0];
          model.zeroGrad();
          const output = model.forward(input);
          const loss = lossFn.forward(output, target);
          backward(loss);
          optimizer.step();
          step++;
          batchInEpoch++;
          const lossValue = loss.data[0];
          const logs: Record<string, number> = { loss: lossValue };
          sums.samples += n;
          sums.loss += lossValue * n;
          samplesThisRun += n;
          for (const m of metrics) {
            const v = m.fn(output, target);
            logs[m.name] = v;
            sums.metrics[m.name] = (sums.metrics[m.name] ?? 0) + v * n;
          }
          for (const cb of callbacks) cb.onBatchEnd?.(step, logs, ctx);
          const means: Record<string, number> = { loss: sums.loss / sums.samples };
          for (const m of metrics) means[m.name] = sums.metrics[m.name] / sums.samples;
          progress.update(batchInEpoch, means, (samplesThisRun * 1000) / Math.max(1e-9, now() - t0));
          if (ck?.every && step % ck.every === 0) saveCheckpoint(false);
          if (now() - lastYield > 20) {
            await yieldToEventLoop(); // lets Ctrl-C (and other events) in during an all-synchronous epoch
            lastYield = now();
          }
          if (interrupted || ctx.stopTraining) break;
        }
      } finally {
        if (interrupted || ctx.stopTraining) await it.return?.(undefined);
      }
      if (restoreGlobalAfterFirstBatch) {
        // resumed after the epoch's last batch: no batch came, the global stream continues here
        defaultGenerator.setState(restoreGlobalAfterFirstBatch);
        restoreGlobalAfterFirstBatch = null;
      }
      if (interrupted || ctx.stopTraining) {
        progress.stop();
        saveCheckpoint(false);
        stopReason = interrupted ? 'interrupted' : 'callback';
        break;
      }
      const sps = (samplesThisRun * 1000) / Math.max(1e-9, now() - t0);
      const logs: Record<string, number> = { loss: sums.samples ? sums.loss / sums.samples : NaN };
      for (const m of metrics) logs[m.name] = sums.samples ? sums.metrics[m.name] / sums.samples : NaN;
      if (validation) Object.assign(logs, await evaluate(model, validation, lossFn, metrics));
      const group0 = optimizer.paramGroups[0] as unknown as { lr?: unknown };
      if (typeof group0?.lr === 'number') logs.lr = group0.lr;
      if (scheduler) {
        if (scheduler instanceof PlateauScheduler) scheduler.step(logs.valLoss ?? logs.loss);
        else scheduler.step();
      }
      for (const cb of callbacks) cb.onEpochEnd?.(epoch, logs, ctx);
      for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
      epochList.push(epoch);
      progress.end(epoch, epochs, logs, sps);
      sums = { samples: 0, loss: 0, metrics: {} };
      saveCheckpoint(true);
      batchInEpoch = 0;
      if (interrupted || ctx.stopTraining) {
        stopReason = interrupted ? 'interrupted' : 'callback';
        epoch++;
        break;
      }
    }
    for (const cb of callbacks) cb.onTrainEnd?.(ctx);
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSigint);
  }
  if (interrupted && onInterrupt === 'exit') process.exit(130);
  return { history, epoch: epochList, steps: step, stopReason };
}

/** The mean loss and metrics over a loader in eval mode (no gradients), as valLoss, valName. */
export async function evaluate(model: Module, loader: AsyncIterable<unknown>, lossFn: LossFunction, metrics: { name: string; fn: (o: Tensor, t: unknown) => number }[]): Promise<Record<string, number>> {
  const wasTraining = model.training;
  model.eval();
  let samples = 0, loss = 0;
  const m: Record<string, number> = {};
  try {
    for await (const batch of loader) {
      const [input, target] = batchParts(batch);
      const n = input.shape[0];
      const output = model.forward(input);
      loss += lossFn.forward(output, target).data[0] * n;
      for (const x of metrics) m[x.name] = (m[x.name] ?? 0) + x.fn(output, target) * n;
      samples += n;
    }
  } finally {
    model.train(wasTraining);
  }
  const out: Record<string, number> = { valLoss: samples ? loss / samples : NaN };
  for (const x of metrics) out[`val${x.name[0].toUpperCase()}${x.name.slice(1)}`] = samples ? m[x.name] / samples : NaN;
  return out;
}
