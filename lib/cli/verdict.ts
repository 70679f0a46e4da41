// The verdict of each experiment: the paper's claim in one sentence, what this session measured
// (mean ± standard deviation over the seeds) and whether the claim held, computed from the runs'
// numbers only (so a test recomputes them from results.json). A claim "held" when its criterion is
// met in every seed (paired: the runs of one seed share their initialization and data), which is
// stricter than comparing means; otherwise it "did not hold at this budget", and the verdict points to
// the longer runs in docs/results.md.
import type { EvalPoint, RunResult } from './run.js';
import { effectiveMomentum, formulaMomentum, type QuadraticConfig } from './quadratic.js';
import { fmt, groups, meanSd } from './stats.js';

export type ExperimentName = 'autoencoder' | 'batchnorm' | 'cnn' | 'rnn' | 'quadratic';

/** What the verdicts read: the experiments' runs and the few settings the criteria need. */
export interface VerdictInput {
  name: ExperimentName;
  runs: RunResult[];
}

export interface VerdictSettings {
  /** The μmax the autoencoder's verdict compares NAG and CM at (the paper's best MNIST row: 0.99). */
  aeMuMax?: number;
  quadratic?: Pick<QuadraticConfig, 'eigenvalues' | 'mu' | 'lrs'>;
}

export interface Verdict {
  experiment: ExperimentName;
  /** The paper's claim, one sentence. */
  claim: string;
  /** This session's numbers (mean ± sd over the seeds). */
  measured: string;
  /** What "held" means here. */
  criterion: string;
  held: boolean;
  /** Where the longer run is. */
  longer: string;
}

/** The largest |measured − formula| the quadratic's effective momenta may show and still "hold". */
export const MOMENTUM_TOLERANCE = 1e-4;
/** Mean squared error below which the addition problem counts as solved (the mean predictor: ≈ 0.167). */
export const RNN_SOLVED = 0.01;

const RESULTS = 'docs/results.md';
const HELD = 'held';
const NOT_HELD = 'did not hold at this budget';

export function verdictWord(v: Verdict): string {
  return v.held ? HELD : NOT_HELD;
}

/** Final values of a metric in a group, by seed. */
function finals(g: Map<string, RunResult[]>, group: string, metric: string): number[] | null {
  const runs = g.get(group);
  return runs ? runs.map((r) => r.final[metric]) : null;
}

function seedsOf(g: Map<string, RunResult[]>, group: string): number[] {
  return (g.get(group) ?? []).map((r) => r.seed);
}

/** Every pair (same seed) satisfies p; NaN fails. */
function paired(a: number[], b: number[], p: (x: number, y: number) => boolean): boolean {
  return a.length > 0 && a.length === b.length && a.every((x, i) => p(x, b[i]));
}

function autoencoder(runs: RunResult[], s: VerdictSettings): Verdict[] {
  const g = groups(runs);
  const mus = [...g.keys()].filter((k) => k.startsWith('NAG μmax=')).map((k) => Number(k.slice('NAG μmax='.length)));
  const mu = s.aeMuMax !== undefined && mus.includes(s.aeMuMax) ? s.aeMuMax : Math.max(...mus);
  const nag = finals(g, `NAG μmax=${mu}`, 'squaredError');
  const cm = finals(g, `CM μmax=${mu}`, 'squaredError');
  const sgd = finals(g, 'SGD', 'squaredError');
  const out: Verdict[] = [];
  const longer = `${RESULTS}, "Deep autoencoder": at 15,000 updates NAG μmax 0.99 reaches 0.41 against CM's 0.68 and SGD's 7.47`;
  const n = (nag ?? cm ?? sgd ?? []).length;
  if (nag && cm) {
    out.push({
      experiment: 'autoencoder',
      claim: `With μmax = ${mu}, Nesterov's accelerated gradient reaches a lower training error than classical momentum (Sutskever et al. 2013, Table 1, MNIST: NAG 0.73, CM 0.77 at μmax 0.99).`,
      measured: `final training squared error over ${n} seeds: NAG ${meanSd(nag)}, CM ${meanSd(cm)}`,
      criterion: 'NAG below CM in every seed',
      held: paired(nag, cm, (a, b) => a < b),
      longer,
    });
  }
  if (sgd && (nag || cm)) {
    const best = (nag ?? cm) as number[];
    const worse = cm ?? nag ?? [];
    out.push({
      experiment: 'autoencoder',
      claim: 'Momentum with the μ schedule trains the deep autoencoder far faster than plain SGD (Table 1, MNIST: SGD 2.1 against 0.73–1.0).',
      measured: `final training squared error over ${n} seeds: SGD ${meanSd(sgd)}, ${nag ? 'NAG' : 'CM'} ${meanSd(best)}${nag && cm ? `, CM ${meanSd(cm)}` : ''} (μmax ${mu})`,
      criterion: `SGD above both momentum methods in every seed`,
      held: paired(sgd, best, (a, b) => a > b) && paired(sgd, worse, (a, b) => a > b),
      longer,
    });
  }
  return out;
}

/** The first evaluation at which the metric reaches target (>=), or Infinity. */
function firstReach(evals: readonly EvalPoint[], metric: string, target: number): number {
  for (const e of evals) if (e[metric] >= target) return e.update;
  return Infinity;
}

function batchnorm(runs: RunResult[]): Verdict[] {
  const g = groups(runs);
  const base = g.get('baseline');
  if (!base) return [];
  const updates = base[0].updates;
  const out: Verdict[] = [];
  const target = base.map((r) => r.final.accuracy);
  const longer = `${RESULTS}, "Batch normalization"`;
  const fast = g.get('BN-x5'), bn = g.get('BN');
  if (fast && fast.length === base.length) {
    const steps = fast.map((r, i) => firstReach(r.evals, 'accuracy', target[i]));
    const stepsBn = bn && bn.length === base.length ? bn.map((r, i) => firstReach(r.evals, 'accuracy', target[i])) : null;
    const show = (a: number[]) => (a.every(Number.isFinite) ? meanSd(a) : `${a.map((v) => (Number.isFinite(v) ? String(v) : 'never')).join(', ')}`);
    out.push({
      experiment: 'batchnorm',
      claim: 'Batch normalization reaches the accuracy of the network without it in a fraction of the training steps (Ioffe & Szegedy 2015, section 4.2.2: BN-x5 in 14 times fewer steps).',
      measured: `over ${base.length} seeds the baseline ends at accuracy ${meanSd(target)} after ${updates} updates; BN-x5 first reaches that accuracy after ${show(steps)} updates${stepsBn ? `, BN (same learning rate) after ${show(stepsBn)}` : ''}`,
      criterion: `BN-x5 reaches the baseline's final accuracy (same seed) within half of the ${updates} updates, in every seed`,
      held: steps.every((u) => u <= updates / 2),
      longer,
    });
  }
  const x30 = finals(g, 'BN-x30', 'accuracy');
  const ctl = finals(g, 'baseline-x30 (control)', 'accuracy');
  if (x30 && ctl && x30.length === base.length) {
    const ctlLoss = (g.get('baseline-x30 (control)') ?? []).map((r) => r.loss[r.loss.length - 1]);
    out.push({
      experiment: 'batchnorm',
      claim: 'Batch normalization lets the network train at a much higher learning rate (the paper\'s BN-x30: 30 times the baseline\'s), one the network without it does not tolerate.',
      measured: `final test accuracy over ${base.length} seeds: baseline ${meanSd(target)}, BN-x30 ${meanSd(x30)}, the baseline at 30× its learning rate ${meanSd(ctl)}${ctlLoss.some((v) => !Number.isFinite(v)) ? ' (its loss diverged)' : ''}`,
      criterion: 'in every seed BN-x30 ends at least as accurate as the baseline, and the baseline at 30× ends at least 0.05 below the baseline (or diverges)',
      held: paired(x30, target, (a, b) => a >= b) && paired(ctl, target, (a, b) => !(a > b - 0.05)),
      longer,
    });
  }
  return out;
}

function cnn(runs: RunResult[]): Verdict[] {
  const g = groups(runs);
  const base = g.get('baseline');
  if (!base) return [];
  const updates = base[0].updates;
  const target = base.map((r) => r.final.accuracy);
  const longer = `${RESULTS}, "Batch normalization in a convolutional network"`;
  const out: Verdict[] = [];
  const show = (a: number[]) => (a.every(Number.isFinite) ? meanSd(a, 3) : a.map((v) => (Number.isFinite(v) ? String(v) : 'never')).join(', '));
  const fast = g.get('BN-x5'), bn = g.get('BN');
  if (fast && fast.length === base.length) {
    const steps = fast.map((r, i) => firstReach(r.evals, 'accuracy', target[i]));
    const stepsBn = bn && bn.length === base.length ? bn.map((r, i) => firstReach(r.evals, 'accuracy', target[i])) : null;
    out.push({
      experiment: 'cnn',
      claim: 'With batch normalization after each convolution (one γ, β per feature map), a convolutional network reaches the accuracy of the network without it in a fraction of the training steps (Ioffe & Szegedy 2015, section 4.2.2: BN-x5 in 14 times fewer steps).',
      measured: `over ${base.length} seeds the baseline ends at test accuracy ${meanSd(target)} after ${updates} updates; BN-x5 first reaches that accuracy after ${show(steps)} updates${stepsBn ? `, BN (same learning rate) after ${show(stepsBn)}` : ''}`,
      criterion: `BN-x5 reaches the baseline's final accuracy (same seed) within half of the ${updates} updates, in every seed`,
      held: steps.every((u) => u <= updates / 2),
      longer,
    });
  }
  const x5 = finals(g, 'BN-x5', 'accuracy');
  if (x5 && x5.length === base.length) {
    out.push({
      experiment: 'cnn',
      claim: 'Batch normalization lets the convolutional network train at a higher learning rate (the paper\'s BN-x5) and end more accurate than the network without it (section 4.2.2: 73.0% against 72.2%).',
      measured: `final test accuracy over ${base.length} seeds: baseline ${meanSd(target)}, BN-x5 ${meanSd(x5)}${bn ? `, BN ${meanSd(bn.map((r) => r.final.accuracy))}` : ''}`,
      criterion: 'BN-x5 ends more accurate than the baseline in every seed',
      held: paired(x5, target, (a, b) => a > b),
      longer,
    });
  }
  return out;
}

function rnn(runs: RunResult[]): Verdict[] {
  const g = groups(runs);
  const esn = finals(g, 'echo-state init', 'mse'), naive = finals(g, 'naive init', 'mse');
  if (!esn || !naive) return [];
  return [{
    experiment: 'rnn',
    claim: 'An echo-state initialization (spectral radius 1.1, sparse recurrent weights) lets a tanh RNN trained with momentum solve the addition problem, where a naive initialization fails (Sutskever et al. 2013, section 4).',
    measured: `final evaluation MSE over ${esn.length} seeds: echo-state ${meanSd(esn)}, naive ${meanSd(naive)} (predicting the mean gives ≈ 0.167)`,
    criterion: `in every seed the echo-state network solves the task (MSE < ${RNN_SOLVED}) and ends below the naive one`,
    held: esn.every((v) => v < RNN_SOLVED) && paired(esn, naive, (a, b) => a < b),
    longer: `${RESULTS}, "Echo-state vs naive initialization"`,
  }];
}

/** Measured and formula effective momentum of every (optimizer, ε, direction, seed). */
export interface MomentumRow {
  optimizer: 'momentum' | 'nag';
  lr: number;
  direction: number;
  lambda: number;
  formula: number;
  measured: number[];
  seeds: number[];
}

export function momentumRows(runs: RunResult[], q: Pick<QuadraticConfig, 'eigenvalues' | 'mu' | 'lrs'>): MomentumRow[] {
  const g = groups(runs);
  const rows: MomentumRow[] = [];
  for (const lr of q.lrs) for (const o of ['momentum', 'nag'] as const) {
    const list = g.get(`${o === 'nag' ? 'NAG' : 'CM'} ε=${lr}`);
    if (!list) continue;
    q.eigenvalues.forEach((lambda, i) => rows.push({
      optimizer: o, lr, direction: i, lambda,
      formula: formulaMomentum(o, q.mu, lr, lambda),
      measured: list.map((r) => effectiveMomentum(r.evals, i, lr, lambda)),
      seeds: list.map((r) => r.seed),
    }));
  }
  return rows;
}

function quadratic(runs: RunResult[], s: VerdictSettings): Verdict[] {
  if (!s.quadratic) return [];
  const rows = momentumRows(runs, s.quadratic);
  if (!rows.length) return [];
  const dev = Math.max(...rows.flatMap((r) => r.measured.map((m) => (Number.isFinite(m) ? Math.abs(m - r.formula) : Infinity))));
  const top = s.quadratic.eigenvalues.length - 1;
  const big = Math.max(...s.quadratic.lrs);
  const pick = (o: 'momentum' | 'nag') => rows.find((r) => r.optimizer === o && r.lr === big && r.direction === top) as MomentumRow;
  const n = rows[0].measured.length;
  return [{
    experiment: 'quadratic',
    claim: 'On a quadratic, NAG is classical momentum with the effective momentum μ(1 − λε) along an eigendirection of curvature λ instead of μ: the same at small λε, much smaller (damped) along high-curvature directions (Sutskever et al. 2013, section 2.1).',
    measured: `effective momentum measured from the iterates (${rows.length} direction × learning-rate × optimizer cases, ${n} seeds each): largest |measured − formula| ${fmt(dev, 2)}; along λ = ${pick('momentum').lambda} at ε = ${big}: CM ${meanSd(pick('momentum').measured, 4)} (formula ${fmt(pick('momentum').formula, 4)}), NAG ${meanSd(pick('nag').measured, 4)} (formula ${fmt(pick('nag').formula, 4)})`,
    criterion: `every measured effective momentum within ${MOMENTUM_TOLERANCE} of its formula (μ for CM, μ(1 − λε) for NAG)`,
    held: dev <= MOMENTUM_TOLERANCE,
    longer: 'an exact identity on quadratics: it holds at any budget',
  }];
}

/** Every verdict of the experiments, in order. */
export function verdicts(experiments: readonly VerdictInput[], s: VerdictSettings): Verdict[] {
  return experiments.flatMap((e) => {
    switch (e.name) {
      case 'autoencoder': return autoencoder(e.runs, s);
      case 'batchnorm': return batchnorm(e.runs);
      case 'cnn': return cnn(e.runs);
      case 'rnn': return rnn(e.runs);
      case 'quadratic': return quadratic(e.runs, s);
    }
  });
}
