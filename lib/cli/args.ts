// Command-line parsing for the fastgrad CLI: `fastgrad <experiment> [--flag value ...]`.
// Every flag is declared once (FLAGS) with its type and which subcommands take it; a bad flag is a
// UsageError whose message is the one line the CLI prints (exit code 2).

import { SUBCOMMANDS } from './commands.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const COMMANDS = ['autoencoder', 'batchnorm', 'cnn', 'rnn', 'quadratic', 'all'] as const;
export type Command = (typeof COMMANDS)[number];

export const OPTIMIZERS = ['sgd', 'momentum', 'nag', 'adam', 'adamw', 'adagrad', 'rmsprop', 'nadam', 'radam', 'adamax'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

type Kind =
  | { type: 'int'; min: number }
  | { type: 'number'; min: number; exclusive?: boolean; max?: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list-enum'; values: readonly string[] }
  | { type: 'list-number'; min: number; max: number }
  | { type: 'string' }
  | { type: 'bool' };

interface FlagSpec {
  kind: Kind;
  /** Subcommands that take the flag. */
  on: readonly Command[];
  help: string;
}

const ALL: readonly Command[] = COMMANDS;
const AE: readonly Command[] = ['autoencoder'];
const TRAIN: readonly Command[] = ['autoencoder', 'batchnorm', 'cnn', 'rnn'];
const RUNS: readonly Command[] = ['autoencoder', 'batchnorm', 'cnn', 'rnn', 'quadratic'];

export const FLAGS: Readonly<Record<string, FlagSpec>> = {
  dataset: { kind: { type: 'enum', values: ['mnist', 'curves'] }, on: AE, help: 'mnist (784-1000-500-250-30) or curves (784-400-200-100-50-25-6)' },
  optimizer: { kind: { type: 'list-enum', values: OPTIMIZERS }, on: AE, help: `comma-separated list of ${OPTIMIZERS.join('|')}` },
  lr: { kind: { type: 'number', min: 0, exclusive: true }, on: TRAIN, help: 'learning rate (> 0)' },
  'mu-max': { kind: { type: 'list-number', min: 0, max: 1 }, on: ['autoencoder', 'rnn', 'quadratic'], help: 'comma-separated μmax values in [0, 1] for momentum/nag (quadratic: the constant μ)' },
  schedule: { kind: { type: 'enum', values: ['sutskever', 'constant'] }, on: ['autoencoder', 'rnn'], help: 'momentum schedule: sutskever (μ_t = min(1 − 2^(−1−log2(⌊t/period⌋+1)), μmax)) or constant μmax' },
  period: { kind: { type: 'int', min: 1 }, on: AE, help: 'updates per step of the sutskever schedule (the paper: 250)' },
  'final-phase': { kind: { type: 'int', min: 0 }, on: AE, help: 'updates at the end with μ = min(0.9, μmax) (the paper: 1000)' },
  batch: { kind: { type: 'int', min: 1 }, on: TRAIN, help: 'mini-batch size' },
  updates: { kind: { type: 'int', min: 1 }, on: RUNS, help: 'number of parameter updates per run' },
  'eval-every': { kind: { type: 'int', min: 1 }, on: TRAIN, help: 'evaluate every this many updates' },
  'train-size': { kind: { type: 'int', min: 1 }, on: ['autoencoder', 'batchnorm', 'cnn'], help: 'training images used' },
  'eval-size': { kind: { type: 'int', min: 1 }, on: ['autoencoder', 'batchnorm', 'cnn', 'rnn'], help: 'images (sequences) in the evaluation set' },
  channels: { kind: { type: 'list-number', min: 1, max: 1024 }, on: ['cnn'], help: 'feature maps of the two convolutions, e.g. 8,16' },
  'seq-len': { kind: { type: 'int', min: 2 }, on: ['rnn'], help: 'sequence length of the addition problem' },
  hidden: { kind: { type: 'int', min: 1 }, on: ['rnn'], help: 'RNN hidden units' },
  clip: { kind: { type: 'number', min: 0 }, on: ['rnn'], help: 'gradient-norm clipping threshold (0: off)' },
  preset: { kind: { type: 'enum', values: ['tiny', 'short', 'full'] }, on: ALL, help: "budget: tiny (seconds, CI), short (npm start, under 2 minutes), full (the paper's scale: days)" },
  seed: { kind: { type: 'int', min: 0 }, on: ALL, help: 'first seed: the runs use seed, seed + 10, seed + 20, ... (data split: seed)' },
  seeds: { kind: { type: 'int', min: 1 }, on: ALL, help: 'seeds per configuration (default 3; tiny preset: 2)' },
  threads: { kind: { type: 'int', min: 1 }, on: ALL, help: 'native threads (fg.setNumThreads)' },
  backend: { kind: { type: 'enum', values: ['native', 'js'] }, on: ALL, help: 'kernel backend' },
  out: { kind: { type: 'string' }, on: ALL, help: 'report folder (default ./report)' },
  resume: { kind: { type: 'bool' }, on: ALL, help: 'continue from <out>/checkpoint.fgck' },
  'interrupt-at': { kind: { type: 'int', min: 0 }, on: ALL, help: 'act as if Ctrl-C came after this many updates of the first run (testing)' },
  'no-progress': { kind: { type: 'bool' }, on: ALL, help: 'no progress bars or lines' },
  help: { kind: { type: 'bool' }, on: ALL, help: 'this text' },
};

export type FlagValue = number | string | boolean | readonly string[] | readonly number[];

export interface Parsed {
  command: Command;
  flags: Record<string, FlagValue>;
}

function value(name: string, kind: Kind, raw: string): FlagValue {
  const bad = (what: string): never => {
    throw new UsageError(`--${name} expects ${what} but received '${raw}'`);
  };
  const num = (s: string): number => {
    const v = s.trim() === '' ? NaN : Number(s);
    return Number.isFinite(v) ? v : bad('a number');
  };
  switch (kind.type) {
    case 'int': {
      const v = num(raw);
      if (!Number.isSafeInteger(v) || v < kind.min) bad(`an integer >= ${kind.min}`);
      return v;
    }
    case 'number': {
      const v = num(raw);
      if (kind.exclusive ? !(v > kind.min) : !(v >= kind.min)) bad(`a number ${kind.exclusive ? '>' : '>='} ${kind.min}`);
      return v;
    }
    case 'enum':
      if (!kind.values.includes(raw)) bad(`one of ${kind.values.join('|')}`);
      return raw;
    case 'list-enum': {
      const items = raw.split(',');
      for (const it of items) if (!kind.values.includes(it)) throw new UsageError(`--${name} expects a comma-separated list of ${kind.values.join('|')} but received '${it}'`);
      return items;
    }
    case 'list-number': {
      const items = raw.split(',').map((s) => num(s));
      for (const v of items) if (!(v >= kind.min && v <= kind.max)) bad(`comma-separated numbers in [${kind.min}, ${kind.max}]`);
      return items;
    }
    case 'string':
      if (raw === '') bad('a non-empty value');
      return raw;
    case 'bool':
      return true;
  }
}

/** Parses argv (without node and the script). Throws UsageError with a one-line message. */
export function parseArgs(argv: readonly string[]): Parsed {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') return { command: 'all', flags: { help: true } };
  if (!(COMMANDS as readonly string[]).includes(cmd)) throw new UsageError(`unknown command '${cmd}': expected one of ${[...COMMANDS, ...Object.keys(SUBCOMMANDS)].join('|')}`);
  const command = cmd as Command;
  const flags: Record<string, FlagValue> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}' (flags look like --name value)`);
    let name = a.slice(2);
    let raw: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      raw = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = Object.prototype.hasOwnProperty.call(FLAGS, name) ? FLAGS[name] : undefined;
    if (!spec) throw new UsageError(`unknown flag --${name} for '${command}' (see fastgrad --help)`);
    if (!spec.on.includes(command)) throw new UsageError(`--${name} does not apply to '${command}' (it is for ${spec.on.join(', ')})`);
    if (name in flags) throw new UsageError(`--${name} given twice`);
    if (spec.kind.type === 'bool') {
      if (raw !== undefined) throw new UsageError(`--${name} takes no value but received '${raw}'`);
      flags[name] = true;
      continue;
    }
    if (raw === undefined) {
      raw = rest[++i];
      if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    }
    flags[name] = value(name, spec.kind, raw);
  }
  return { command, flags };
}

export function usage(): string {
  const lines = [
    `Usage: fastgrad <${[...COMMANDS, ...Object.keys(SUBCOMMANDS)].join('|')}> [flags]`,
    '',
    '  autoencoder  deep autoencoders of Sutskever et al. 2013 (Table 1: SGD, CM, NAG by μmax; also Adam, ...)',
    '  batchnorm    Ioffe & Szegedy 2015 on MNIST: baseline, BN, BN-x5, BN-x30, BN-x5-Sigmoid (+ baseline-x30)',
    '  cnn          batch norm in a convolutional net on MNIST: baseline, BN (BatchNorm2d after each conv), BN-x5',
    '  rnn          echo-state vs naive initialization of a tanh RNN on the addition problem (NAG)',
    '  quadratic    classical momentum vs NAG on a quadratic: effective momentum per eigendirection',
    '  all          all five at the chosen --preset (npm start: short), each ending in a verdict',
    ...Object.entries(SUBCOMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`),
    '',
    'Flags:',
  ];
  for (const [name, s] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(13)} ${s.help}${s.on.length < COMMANDS.length ? ` [${s.on.join(', ')}]` : ''}`);
  return lines.join('\n');
}
