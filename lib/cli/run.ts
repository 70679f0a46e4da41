// The training loop shared by every experiment: runs each RunDef's updates, records the batch loss of
// every update and the evaluation metrics every evalEvery updates, times the updates, shows progress,
// and stops cleanly on Ctrl-C by writing a checkpoint (fg.save: temp file + fsync + rename) from which
// --resume continues bit for bit: model, optimizer (step count, momentum buffers, NAG's theta) and every
// generator state are saved, and nothing else influences the numbers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { save, read } from '../checkpoint.js';
import type { Module } from '../nn/module.js';
import type { Progress } from './progress.js';

export interface OptimizerLike {
  step(): unknown;
  zeroGrad(): void;
  stateDict(): unknown;
  loadStateDict(s: never): void;
}

/** One training run in progress. */
export interface Trainable {
  readonly model: Module;
  readonly optimizer: OptimizerLike;
  /** Samples per update (the batch size). */
  readonly batch: number;
  /** One parameter update; returns the batch's training loss. */
  step(): number;
  /** Metrics at the current parameters (must not change any state that later updates read). */
  evaluate(): Record<string, number>;
  /** Generator states and other data-loading state (JSON-encodable). */
  extraState(): unknown;
  loadExtraState(s: unknown): void;
}

export interface RunDef {
  /** Unique within the session, e.g. 'autoencoder/nag-0.99/s1'. */
  id: string;
  /** The configuration without the seed, e.g. 'NAG μmax=0.99': the runs of a group differ only in their seed. */
  group: string;
  seed: number;
  label: string;
  updates: number;
  evalEvery: number;
  create(): Trainable;
}

export interface EvalPoint {
  update: number;
  [metric: string]: number;
}

export interface RunResult {
  id: string;
  group: string;
  seed: number;
  label: string;
  updates: number;
  batch: number;
  /** Seconds spent in updates (evaluation excluded), summed over resumed sessions. */
  seconds: number;
  /** CPU seconds of the process (every thread) spent in those updates. */
  cpuSeconds: number;
  msPerUpdate: number;
  samplesPerSec: number;
  /** Batch training loss after each update (index i: update i + 1). */
  loss: number[];
  evals: EvalPoint[];
  /** The last evaluation. */
  final: EvalPoint;
}

/** A run's result so far (what a checkpoint holds of the interrupted run). */
export type PartialResult = Omit<RunResult, 'msPerUpdate' | 'samplesPerSec' | 'final'>;

export interface SessionState {
  version: 1;
  /** Everything that determines the numbers (the resolved configuration). */
  config: unknown;
  done: RunResult[];
  current: { id: string; partial: PartialResult; extra: unknown } | null;
}

export const CHECKPOINT_FILE = 'checkpoint.fgck';

export class Interrupted extends Error {
  constructor(readonly checkpoint: string) {
    super(`interrupted: checkpoint written to ${checkpoint}`);
  }
}

export interface SessionOptions {
  out: string;
  progress: Progress;
  config: unknown;
  /** Stop (as on Ctrl-C) once this many updates have run in this process. */
  interruptAt?: number;
  resume: boolean;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

export class Session {
  readonly results: RunResult[] = [];
  #stop = false;
  #updatesThisProcess = 0;
  #restored: SessionState | null = null;
  #ckPath: string;
  #onSigint = () => {
    this.#stop = true;
  };

  constructor(readonly opts: SessionOptions) {
    this.#ckPath = path.join(opts.out, CHECKPOINT_FILE);
  }

  /** The saved session of <out>/checkpoint.fgck (its config replaces the command line's). */
  static readCheckpoint(out: string): { state: SessionState; model: unknown; optimizer: unknown } {
    const p = path.join(out, CHECKPOINT_FILE);
    if (!fs.existsSync(p)) throw new Error(`no checkpoint to resume at ${p}`);
    const ck = read(p);
    return { state: ck.extra as SessionState, model: ck.model, optimizer: ck.optimizer };
  }

  async runAll(defs: readonly RunDef[]): Promise<RunResult[]> {
    let saved: ReturnType<typeof Session.readCheckpoint> | null = null;
    if (this.opts.resume) saved = Session.readCheckpoint(this.opts.out);
    process.on('SIGINT', this.#onSigint);
    try {
      for (const def of defs) {
        const done = saved?.state.done.find((r) => r.id === def.id);
        if (done) {
          this.results.push(done);
          continue;
        }
        const cur = saved?.state.current?.id === def.id ? saved : null;
        this.results.push(await this.#run(def, cur));
      }
      fs.rmSync(this.#ckPath, { force: true });
      return this.results;
    } finally {
      process.removeListener('SIGINT', this.#onSigint);
    }
  }

  async #run(def: RunDef, saved: ReturnType<typeof Session.readCheckpoint> | null): Promise<RunResult> {
    const tr = def.create();
    const r: PartialResult = { id: def.id, group: def.group, seed: def.seed, label: def.label, updates: def.updates, batch: tr.batch, seconds: 0, cpuSeconds: 0, loss: [], evals: [] };
    if (saved?.state.current) {
      const c = saved.state.current;
      tr.model.loadStateDict(saved.model as never);
      tr.optimizer.loadStateDict(saved.optimizer as never);
      tr.loadExtraState(c.extra);
      Object.assign(r, { seconds: c.partial.seconds, cpuSeconds: c.partial.cpuSeconds, loss: c.partial.loss.slice(), evals: c.partial.evals.slice() });
    } else {
      r.evals.push({ update: 0, ...tr.evaluate() });
    }
    const P = this.opts.progress;
    P.start(def.label, def.updates, r.loss.length);
    const t0 = r.seconds;
    let sessionUpdates = 0;
    try {
      while (r.loss.length < def.updates) {
        await tick();
        if (this.#stop || (this.opts.interruptAt !== undefined && this.#updatesThisProcess >= this.opts.interruptAt)) {
          P.stop();
          this.#checkpoint(def, tr, r);
          throw new Interrupted(this.#ckPath);
        }
        const s = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        const loss = tr.step();
        r.seconds += Number(process.hrtime.bigint() - s) / 1e9;
        const dc = process.cpuUsage(cpu);
        r.cpuSeconds += (dc.user + dc.system) / 1e6;
        r.loss.push(loss);
        this.#updatesThisProcess++;
        sessionUpdates++;
        const u = r.loss.length;
        if (u % def.evalEvery === 0 || u === def.updates) r.evals.push({ update: u, ...tr.evaluate() });
        const el = r.seconds - t0;
        P.update(u, { loss, updatesPerSec: el > 0 ? sessionUpdates / el : 0, samplesPerSec: el > 0 ? (sessionUpdates * tr.batch) / el : 0 });
      }
    } finally {
      P.stop();
    }
    return {
      ...r,
      msPerUpdate: (r.seconds * 1000) / def.updates,
      samplesPerSec: (def.updates * tr.batch) / r.seconds,
      final: r.evals[r.evals.length - 1],
    };
  }

  #checkpoint(def: RunDef, tr: Trainable, r: PartialResult): void {
    fs.mkdirSync(this.opts.out, { recursive: true });
    const state: SessionState = { version: 1, config: this.opts.config, done: this.results, current: { id: def.id, partial: r, extra: tr.extraState() } };
    save(this.#ckPath, { model: tr.model, optimizer: tr.optimizer, step: r.loss.length, extra: state });
  }
}
