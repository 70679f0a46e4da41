// fit's callbacks (Keras's protocol, camelCased): hooks called by the loop, a shared FitContext whose
// stopTraining ends the run after the current epoch (or step), and optional stateDict()/loadStateDict()
// that fit saves in its checkpoints so a resumed run continues with the same callback state.
import type { Module, StateDict } from '../nn/module.js';
import { ReduceLROnPlateau as PlateauScheduler, type PlateauOptions, type PlateauStateDict } from '../optim/lr_scheduler.js';
import type { Optimizer } from '../optim/optimizer.js';
import { checkFinite, checkInteger, checkOptions, rangeError, typeError } from '../validate.js';

/** What callbacks see of the run. */
export interface FitContext {
  readonly model: Module;
  readonly optimizer: Optimizer;
  /** Set true to end the run: after this step (from onBatchEnd) or this epoch (from onEpochEnd). */
  stopTraining: boolean;
  /** Optimizer steps so far (over all epochs). */
  readonly step: number;
  readonly epochs: number;
}

export interface Callback {
  onTrainBegin?(ctx: FitContext): void;
  onEpochBegin?(epoch: number, ctx: FitContext): void;
  /** After each optimizer step: logs has this batch's loss and metrics. */
  onBatchEnd?(step: number, logs: Record<string, number>, ctx: FitContext): void;
  /** After each epoch (and validation): logs has the epoch's loss, metrics, valLoss, valMetrics, lr. */
  onEpochEnd?(epoch: number, logs: Record<string, number>, ctx: FitContext): void;
  onTrainEnd?(ctx: FitContext): void;
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

type Mode = 'min' | 'max' | 'auto';

function modeOf(mode: Mode, monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|auc|precision|recall|f1/i.test(monitor) ? 'max' : 'min';
}

function monitored(logs: Record<string, number>, monitor: string, who: string): number | null {
  const v = logs[monitor];
  if (v === undefined) {
    throw new RangeError(`Expected ${who}'s monitor '${monitor}' among the epoch logs (${Object.keys(logs).join(', ')})`);
  }
  return Number.isNaN(v) ? null : v;
}

export interface EarlyStoppingOptions {
  /** The epoch log to watch (default 'valLoss'). */
  monitor?: string;
  /** An improvement smaller than this does not count (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 'min', 'max' or 'auto' (max for accuracy-like names; default). */
  mode?: Mode;
  /** Load the best epoch's weights when stopping (default false). */
  restoreBestWeights?: boolean;
}

/** Keras's EarlyStopping: stops when the monitored value has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
  best: number;
  wait = 0;
  /** The epoch that stopped the run (null while running). */
  stoppedEpoch: number | null = null;
  #bestWeights: StateDict | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    checkOptions(options, 'EarlyStopping options', ['monitor', 'minDelta', 'patience', 'mode', 'restoreBestWeights']);
    const opts = options as EarlyStoppingOptions;
    const monitor = opts.monitor ?? 'valLoss';
    if (typeof monitor !== 'string') throw typeError('a log name', 'monitor', monitor);
    const minDelta = opts.minDelta ?? 0;
    checkFinite(minDelta, 'minDelta');
    const patience = opts.patience ?? 0;
    checkInteger(patience, 'patience', 0);
    const mode = opts.mode ?? 'auto';
    if (!['min', 'max', 'auto'].includes(mode)) throw rangeError("'min', 'max' or 'auto'", 'mode', mode);
    this.monitor = monitor;
    this.minDelta = Math.abs(minDelta);
    this.patience = patience;
    this.mode = modeOf(mode, monitor);
    const restore = opts.restoreBestWeights ?? false;
    if (typeof restore !== 'boolean') throw typeError('a boolean', 'restoreBestWeights', restore);
    this.restoreBestWeights = restore;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  #improved(v: number): boolean {
    return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }

  onEpochEnd(epoch: number, logs: Record<string, number>, ctx: FitContext): void {
    const v = monitored(logs, this.monitor, 'EarlyStopping');
    if (v !== null && this.#improved(v)) {
      this.best = v;
      this.wait = 0;
      if (this.restoreBestWeights) this.#bestWeights = ctx.model.stateDict();
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
      if (this.restoreBestWeights && this.#bestWeights) ctx.model.loadStateDict(this.#bestWeights);
    }
  }

  stateDict(): unknown {
    return { best: this.best, wait: this.wait, stoppedEpoch: this.stoppedEpoch, bestWeights: this.#bestWeights };
  }

  loadStateDict(s: unknown): void {
    const st = s as { best: number; wait: number; stoppedEpoch: number | null; bestWeights: StateDict | null };
    this.best = st.best;
    this.wait = st.wait;
    this.stoppedEpoch = st.stoppedEpoch;
    this.#bestWeights = st.bestWeights ?? null;
  }
}

export interface ReduceLROnPlateauOptions extends Omit<PlateauOptions, 'mode'> {
  /** The epoch log to watch (default 'valLoss'). */
  monitor?: string;
  mode?: Mode;
}

/** fg.optim.ReduceLROnPlateau driven by an epoch log: multiplies the lr by factor after `patience` epochs without improvement. */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly #opts: PlateauOptions;
  scheduler: PlateauScheduler | null = null;
  #pending: PlateauStateDict | null = null;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    const { monitor = 'valLoss', mode = 'auto', ...rest } = opts;
    if (typeof monitor !== 'string') throw typeError('a log name', 'monitor', monitor);
    if (!['min', 'max', 'auto'].includes(mode)) throw rangeError("'min', 'max' or 'auto'", 'mode', mode);
    this.monitor = monitor;
    this.#opts = { ...rest, mode: modeOf(mode, monitor) };
  }

  onTrainBegin(ctx: FitContext): void {
    this.scheduler = new PlateauScheduler(ctx.optimizer, this.#opts);
    if (this.#pending) this.scheduler.loadStateDict(this.#pending);
    this.#pending = null;
  }

  onEpochEnd(_epoch: number, logs: Record<string, number>): void {
    const v = monitored(logs, this.monitor, 'ReduceLROnPlateau');
    this.scheduler!.step(v ?? NaN);
  }

  stateDict(): unknown {
    return this.scheduler ? this.scheduler.stateDict() : this.#pending;
  }

  loadStateDict(s: unknown): void {
    if (this.scheduler) this.scheduler.loadStateDict(s as PlateauStateDict);
    else this.#pending = s as PlateauStateDict;
  }
}
