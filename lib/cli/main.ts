// fastgrad CLI: `fastgrad <autoencoder|batchnorm|cnn|rnn|quadratic|all> [flags]` and the subcommands of
// commands.ts (bin/fastgrad.cjs calls main()).
// Exit codes: 0 done, 1 runtime error (one line on stderr), 2 bad command line (one line on stderr),
// 130 interrupted by Ctrl-C after writing <out>/checkpoint.fgck (continue with --resume).
import * as os from 'node:os';
import * as path from 'node:path';
import { backendInfo, setBackend, setNumThreads } from '../backend/select.js';
import { parseArgs, usage, UsageError, type Command, type FlagValue, type OptimizerName } from './args.js';
import { SUBCOMMANDS } from './commands.js';
import { quadraticRuns, type QuadraticConfig } from './quadratic.js';
import { autoencoderRuns, type AutoencoderConfig } from './autoencoder.js';
import { batchnormRuns, type BatchnormConfig } from './batchnorm.js';
import { cnnRuns, type CnnConfig } from './cnn.js';
import { DEFAULT_LR } from './common.js';
import { makeProgress } from './progress.js';
import { writeReport, type ExperimentReport } from './report.js';
import { verdictWord, type VerdictSettings } from './verdict.js';
import { rnnRuns, type RnnConfig } from './rnn.js';
import { Interrupted, Session, type RunDef, type RunResult } from './run.js';

export type Preset = 'tiny' | 'short' | 'full';

/** Everything that determines the numbers of a session (saved in checkpoints; --resume reuses it). */
export interface SessionConfig {
  command: Command;
  preset: Preset;
  autoencoder?: AutoencoderConfig & { lrs: Partial<Record<OptimizerName, number>> };
  batchnorm?: BatchnormConfig;
  cnn?: CnnConfig;
  rnn?: RnnConfig;
  quadratic?: QuadraticConfig;
  /** The seeds every configuration runs with. */
  seeds: number[];
}

/** Seeds per configuration unless --seeds says otherwise (tiny: 2, to keep the CI runs short). */
const SEEDS: Record<Preset, number> = { tiny: 2, short: 3, full: 3 };

// The short preset's budgets were chosen by measurement (docs/results.md, "npm start: the short preset"):
// the smallest budgets at which each paper's claim shows in every seed, within npm start's 2 minutes.
const AE_PRESETS: Record<Preset, Omit<AutoencoderConfig, 'seed'>> = {
  tiny: { dataset: 'curves', optimizers: ['sgd', 'momentum', 'nag'], lr: 0.05, muMax: [0.99], schedule: 'sutskever', period: 2, finalPhase: 0, batch: 10, updates: 6, evalEvery: 3, trainSize: 100, evalSize: 50 },
  short: { dataset: 'mnist', optimizers: ['sgd', 'momentum', 'nag'], lr: null, muMax: [0.99], schedule: 'sutskever', period: 50, finalPhase: 0, batch: 100, updates: 800, evalEvery: 100, trainSize: 8000, evalSize: 500 },
  full: { dataset: 'mnist', optimizers: ['sgd', 'momentum', 'nag'], lr: null, muMax: [0.9, 0.99, 0.995, 0.999], schedule: 'sutskever', period: 250, finalPhase: 1000, batch: 200, updates: 750000, evalEvery: 5000, trainSize: 8000, evalSize: 2000 },
};
const BN_PRESETS: Record<Preset, Omit<BatchnormConfig, 'seed'>> = {
  tiny: { lr: 0.05, batch: 20, updates: 10, evalEvery: 5, trainSize: 200, evalSize: 100 },
  short: { lr: 0.05, batch: 60, updates: 600, evalEvery: 50, trainSize: 8000, evalSize: 2000 },
  full: { lr: 0.05, batch: 60, updates: 50000, evalEvery: 1000, trainSize: 8000, evalSize: 2000 },
};
const CNN_PRESETS: Record<Preset, Omit<CnnConfig, 'seed'>> = {
  tiny: { channels: [4, 8], lr: 0.05, batch: 20, updates: 10, evalEvery: 5, trainSize: 200, evalSize: 100 },
  short: { channels: [8, 16], lr: 0.05, batch: 50, updates: 200, evalEvery: 40, trainSize: 8000, evalSize: 1000 },
  full: { channels: [8, 16], lr: 0.05, batch: 50, updates: 20000, evalEvery: 500, trainSize: 8000, evalSize: 2000 },
};
const RNN_PRESETS: Record<Preset, Omit<RnnConfig, 'seed'>> = {
  tiny: { seqLen: 8, hidden: 16, lr: 0.05, muMax: 0.9, schedule: 'constant', clip: 1, batch: 10, updates: 10, evalEvery: 5, evalSize: 50 },
  short: { seqLen: 10, hidden: 100, lr: 0.05, muMax: 0.9, schedule: 'constant', clip: 1, batch: 50, updates: 1000, evalEvery: 50, evalSize: 500 },
  full: { seqLen: 50, hidden: 100, lr: 0.05, muMax: 0.9, schedule: 'constant', clip: 1, batch: 100, updates: 5000, evalEvery: 100, evalSize: 1000 },
};
/** λ from 1 to 100; large ε puts the steepest direction at λε = 0.9 (NAG's μ(1 − λε) = 0.09 against μ = 0.9), small ε at 0.01. */
const QUADRATIC: Omit<QuadraticConfig, 'seed'> = { eigenvalues: [1, 5, 25, 100], mu: 0.9, lrs: [0.0001, 0.009], updates: 100 };
const Q_PRESETS: Record<Preset, Omit<QuadraticConfig, 'seed'>> = { tiny: { ...QUADRATIC, updates: 30 }, short: QUADRATIC, full: { ...QUADRATIC, updates: 300 } };

type Flags = Record<string, FlagValue>;

function pick<T>(flags: Flags, name: string, fallback: T): T {
  return (name in flags ? flags[name] : fallback) as T;
}

function common(flags: Flags, p: { batch: number; updates: number; evalEvery: number }) {
  return { batch: pick(flags, 'batch', p.batch), updates: pick(flags, 'updates', p.updates), evalEvery: pick(flags, 'eval-every', p.evalEvery) };
}

export function resolveConfig(command: Command, flags: Flags): SessionConfig {
  const preset = pick<Preset>(flags, 'preset', 'short');
  const seed = pick(flags, 'seed', 1);
  const seeds = Array.from({ length: pick(flags, 'seeds', SEEDS[preset]) }, (_, k) => seed + 10 * k);
  const cfg: SessionConfig = { command, preset, seeds };
  if (command === 'autoencoder' || command === 'all') {
    const p = AE_PRESETS[preset];
    const c: AutoencoderConfig = {
      ...p,
      ...common(flags, p),
      dataset: pick(flags, 'dataset', p.dataset),
      optimizers: pick(flags, 'optimizer', p.optimizers).slice() as OptimizerName[],
      lr: pick<number | null>(flags, 'lr', p.lr),
      muMax: pick(flags, 'mu-max', p.muMax).slice() as number[],
      schedule: pick(flags, 'schedule', p.schedule),
      period: pick(flags, 'period', p.period),
      finalPhase: pick(flags, 'final-phase', p.finalPhase),
      trainSize: pick(flags, 'train-size', p.trainSize),
      evalSize: pick(flags, 'eval-size', p.evalSize),
      seed,
    };
    if (c.batch > c.trainSize) throw new UsageError(`--batch (${c.batch}) must not exceed --train-size (${c.trainSize})`);
    const lrs: Partial<Record<OptimizerName, number>> = {};
    for (const o of c.optimizers) lrs[o] = c.lr ?? DEFAULT_LR[o];
    cfg.autoencoder = { ...c, lrs };
  }
  if (command === 'batchnorm' || command === 'all') {
    const p = BN_PRESETS[preset];
    const c: BatchnormConfig = { ...p, ...common(flags, p), lr: pick(flags, 'lr', p.lr), trainSize: pick(flags, 'train-size', p.trainSize), evalSize: pick(flags, 'eval-size', p.evalSize), seed };
    if (c.batch > c.trainSize) throw new UsageError(`--batch (${c.batch}) must not exceed --train-size (${c.trainSize})`);
    cfg.batchnorm = c;
  }
  if (command === 'cnn' || command === 'all') {
    const p = CNN_PRESETS[preset];
    const ch = pick<readonly number[]>(flags, 'channels', p.channels);
    if (ch.length !== 2 || !ch.every(Number.isInteger)) throw new UsageError(`--channels expects two integers (the feature maps of the two convolutions) but received '${ch.join(',')}'`);
    const c: CnnConfig = { ...p, ...common(flags, p), channels: [ch[0], ch[1]], lr: pick(flags, 'lr', p.lr), trainSize: pick(flags, 'train-size', p.trainSize), evalSize: pick(flags, 'eval-size', p.evalSize), seed };
    if (c.batch > c.trainSize) throw new UsageError(`--batch (${c.batch}) must not exceed --train-size (${c.trainSize})`);
    cfg.cnn = c;
  }
  if (command === 'rnn' || command === 'all') {
    const p = RNN_PRESETS[preset];
    cfg.rnn = {
      ...p,
      ...common(flags, p),
      seqLen: pick(flags, 'seq-len', p.seqLen),
      hidden: pick(flags, 'hidden', p.hidden),
      lr: pick(flags, 'lr', p.lr),
      muMax: (pick<readonly number[]>(flags, 'mu-max', [p.muMax]))[0],
      schedule: pick(flags, 'schedule', p.schedule),
      clip: pick(flags, 'clip', p.clip),
      evalSize: pick(flags, 'eval-size', p.evalSize),
      seed,
    };
  }
  if (command === 'quadratic' || command === 'all') {
    const p = Q_PRESETS[preset];
    cfg.quadratic = { ...p, updates: pick(flags, 'updates', p.updates), mu: (pick<readonly number[]>(flags, 'mu-max', [p.mu]))[0], seed };
  }
  return cfg;
}

function describeSetup(cfg: SessionConfig): Record<ExperimentReport['name'], string> {
  const a = cfg.autoencoder, b = cfg.batchnorm, c = cfg.cnn, r = cfg.rnn, q = cfg.quadratic;
  return {
    autoencoder: a
      ? `${a.dataset === 'mnist' ? 'MNIST 784-1000-500-250-30-250-500-1000-784' : 'CURVES-like 784-400-200-100-50-25-6-25-50-100-200-400-784'}, sigmoid units (linear code layer), sparse init (15 per unit), logistic outputs with cross-entropy; ` +
        `${a.updates} updates of batch ${a.batch} on ${a.trainSize} training images; learning rates ${JSON.stringify(a.lrs)}; μ schedule ${a.schedule === 'sutskever' ? `μ_t = min(1 − 2^(−1−log2(⌊t/${a.period}⌋+1)), μmax) (the paper's period: 250)` : 'constant'} (μmax ${a.muMax.join(', ')})${a.finalPhase ? `, last ${a.finalPhase} updates at μ = min(0.9, μmax)` : ''}. ` +
        `Error = training squared error (per-image sum over pixels, mean over the first ${a.evalSize} training images; NAG at θ). Seeds ${cfg.seeds.join(', ')} (data split: seed ${a.seed}).`
      : '',
    batchnorm: b
      ? `784-100-100-100-10 MLP, ReLU units (BN-x5-Sigmoid: sigmoid), He-normal weights, batch norm before each hidden nonlinearity (BN runs), SGD lr ${b.lr} (BN-x5: ${5 * b.lr}, BN-x30 and the control baseline-x30: ${30 * b.lr}), batch ${b.batch}, ${b.updates} updates on ${b.trainSize} training images; test accuracy on ${b.evalSize} test images (eval mode: running statistics; update 0 with the evaluation images' batch statistics); percentiles of the input of unit 0 of the last hidden layer over those images. Seeds ${cfg.seeds.join(', ')} (data split: seed ${b.seed}).`
      : '',
    cnn: c
      ? `Conv2d(1, ${c.channels[0]}, 5) → ReLU → MaxPool2d(2) → Conv2d(${c.channels[0]}, ${c.channels[1]}, 5) → ReLU → MaxPool2d(2) → Linear(${16 * c.channels[1]}, 10) on 28 × 28 MNIST digits, He-normal weights; BN runs put BatchNorm2d (one γ, β per feature map, statistics over batch × height × width) after each convolution (which then has no bias); SGD lr ${c.lr} (BN-x5: ${5 * c.lr}), batch ${c.batch}, ${c.updates} updates on ${c.trainSize} training images; test accuracy on ${c.evalSize} test images (eval mode: running statistics; update 0 with the evaluation images' batch statistics). Seeds ${cfg.seeds.join(', ')} (data split: seed ${c.seed}).`
      : '',
    rnn: r
      ? `Addition problem, T = ${r.seqLen}, tanh RNN with ${r.hidden} units + linear read-out, NAG lr ${r.lr}, μ ${r.schedule} (μmax ${r.muMax}), gradient-norm clip ${r.clip}, batch ${r.batch}, ${r.updates} updates; MSE on ${r.evalSize} held-out sequences (predicting 1 gives ≈ 0.167). Seeds ${cfg.seeds.join(', ')}.`
      : '',
    quadratic: q
      ? `q(x) = xᵀAx/2 + bᵀx in ${q.eigenvalues.length} dimensions, A = Q diag(${q.eigenvalues.join(', ')}) Qᵀ with a random rotation Q, b and the start x₀ ~ N(0, 1) (drawn from each seed); fg.optim.Momentum and fg.optim.NAG with constant μ = ${q.mu} at ε = ${q.lrs.join(' and ')}, ${q.updates} updates; every iterate θ (NAG: θ, not the look-ahead point) is recorded in eigencoordinates z = Qᵀ(θ − x*). Seeds ${cfg.seeds.join(', ')}.`
      : '',
  };
}

function runDefs(cfg: SessionConfig): { name: ExperimentReport['name']; defs: RunDef[] }[] {
  const out: { name: ExperimentReport['name']; defs: RunDef[] }[] = [];
  const a = cfg.autoencoder;
  if (a) out.push({ name: 'autoencoder', defs: autoencoderRuns(a, (o) => a.lrs[o] as number, cfg.seeds) });
  if (cfg.batchnorm) out.push({ name: 'batchnorm', defs: batchnormRuns(cfg.batchnorm, cfg.seeds) });
  if (cfg.cnn) out.push({ name: 'cnn', defs: cnnRuns(cfg.cnn, cfg.seeds) });
  if (cfg.rnn) out.push({ name: 'rnn', defs: rnnRuns(cfg.rnn, cfg.seeds) });
  if (cfg.quadratic) out.push({ name: 'quadratic', defs: quadraticRuns(cfg.quadratic, cfg.seeds) });
  return out;
}

const TITLES: Record<ExperimentReport['name'], string> = {
  autoencoder: 'Deep autoencoder (Sutskever et al. 2013)',
  batchnorm: 'Batch normalization on MNIST (Ioffe & Szegedy 2015)',
  cnn: 'Batch normalization in a convolutional network on MNIST (Ioffe & Szegedy 2015)',
  rnn: 'Echo-state vs naive initialization of a tanh RNN (addition problem)',
  quadratic: 'Classical momentum vs NAG on a quadratic (Sutskever et al. 2013, section 2.1)',
};

/** What the verdicts need of the configuration (the test that recomputes them from results.json uses it too). */
export function verdictSettings(cfg: Pick<SessionConfig, 'quadratic'>): VerdictSettings {
  return { aeMuMax: 0.99, quadratic: cfg.quadratic };
}

/** Flags that do not change the numbers, so they may differ when resuming. */
const RESUME_FLAGS = ['resume', 'out', 'backend', 'threads', 'no-progress'];

function line(s: string): string {
  return s.split('\n')[0];
}

export async function main(argv: readonly string[]): Promise<number> {
  const sub = argv.length && Object.prototype.hasOwnProperty.call(SUBCOMMANDS, argv[0]) ? SUBCOMMANDS[argv[0]] : undefined;
  if (sub) return sub.main(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`fastgrad: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const { command, flags } = parsed;
  if (flags.help) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const out = path.resolve(pick(flags, 'out', 'report'));
  try {
    if ('backend' in flags) setBackend(flags.backend as 'js' | 'native');
    if ('threads' in flags) setNumThreads(flags.threads as number);
    let cfg: SessionConfig;
    if (flags.resume) {
      const extra = Object.keys(flags).filter((k) => !RESUME_FLAGS.includes(k));
      if (extra.length) throw new UsageError(`--resume takes the configuration from the checkpoint: --${extra[0]} cannot be combined with it (allowed: ${RESUME_FLAGS.map((f) => `--${f}`).join(', ')})`);
      cfg = Session.readCheckpoint(out).state.config as SessionConfig;
      if (cfg.command !== command) throw new UsageError(`the checkpoint in ${out} is of 'fastgrad ${cfg.command}', not '${command}'`);
    } else {
      cfg = resolveConfig(command, flags);
    }
    const session = new Session({
      out,
      config: cfg,
      progress: makeProgress(flags['no-progress'] === true),
      interruptAt: flags['interrupt-at'] as number | undefined,
      resume: flags.resume === true,
    });
    const groups = runDefs(cfg);
    const results = await session.runAll(groups.flatMap((g) => g.defs));
    const byId = new Map<string, RunResult>(results.map((r) => [r.id, r]));
    const setup = describeSetup(cfg);
    const reports: ExperimentReport[] = groups.map((g) => ({ name: g.name, title: TITLES[g.name], setup: setup[g.name], runs: g.defs.map((d) => byId.get(d.id) as RunResult) }));
    const info = backendInfo();
    const { file, verdicts } = writeReport(out, {
      backend: info.backend,
      simd: info.backend === 'native' ? info.simd : 'none (TypeScript)',
      threads: info.threads,
      node: process.version,
      cpu: `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${os.cpus().length}`,
      loadAverage: os.loadavg()[0],
      date: new Date().toISOString(),
    }, cfg, reports, verdictSettings(cfg));
    for (const v of verdicts) process.stdout.write(`verdict (${v.experiment}): ${verdictWord(v)}: ${v.claim}\n  measured: ${v.measured}\n`);
    process.stdout.write(`report: ${file} (and ${path.join(out, 'index.html')})\n`);
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) {
      process.stderr.write(`fastgrad: ${e.message}; continue with: fastgrad ${command} --resume --out ${out}\n`);
      return 130;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`fastgrad: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`fastgrad: error: ${line(e instanceof Error ? e.message : String(e))}\n`);
    if (process.env.FASTGRAD_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
