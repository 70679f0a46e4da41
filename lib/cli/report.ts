// The report folder: report.md and index.html (the same content; the HTML page is self-contained: its
// charts are inline SVG, no script, no request), one SVG per chart (lib/cli/svg.ts), results.json
// (every number, every curve, the verdicts) and curves.csv (long format: experiment,run,kind,update,
// metric,value). Every curve is the mean over the seeds with a band from their minimum to their maximum.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunResult } from './run.js';
import { escapeXml, lineChart, type Series } from './svg.js';
import { fmt, groups, mean, meanSd, median } from './stats.js';
import { momentumRows, verdictWord, verdicts, MOMENTUM_TOLERANCE, type ExperimentName, type Verdict, type VerdictSettings } from './verdict.js';

export interface Environment {
  backend: string;
  simd: string;
  threads: number;
  node: string;
  /** The CPU model and the number of logical CPUs. */
  cpu: string;
  /** The 1-minute load average when the report was written (timings on a loaded machine are high). */
  loadAverage: number;
  date: string;
}

export interface ExperimentReport {
  name: ExperimentName;
  title: string;
  /** What the runs are (the configuration in words). */
  setup: string;
  runs: RunResult[];
}

/** The paper's Table 1 (MNIST autoencoder, training squared error) by μmax: SGD is μmax 0. */
export const PAPER_TABLE1: Readonly<Record<string, { cm: number; nag: number }>> = {
  '0.9': { cm: 1.0, nag: 1.0 },
  '0.99': { cm: 0.77, nag: 0.73 },
  '0.995': { cm: 0.84, nag: 0.75 },
  '0.999': { cm: 0.9, nag: 0.8 },
};
export const PAPER_SGD = 2.1;

interface Plot {
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  logY: boolean;
  endTicks?: boolean;
  series: Series[];
}

type Block =
  | { kind: 'p'; text: string }
  | { kind: 'verdict'; verdict: Verdict }
  | { kind: 'table'; head: string[]; rows: string[][]; caption?: string }
  | { kind: 'plot'; plot: Plot };

interface Section {
  title: string;
  blocks: Block[];
}

/** Mean over seeds with the min–max band, for one group's evaluations of a metric. */
function evalSeries(name: string, runs: RunResult[], metric: string, dashed = false, scale = 1): Series {
  const n = Math.min(...runs.map((r) => r.evals.length));
  const x: number[] = [], y: number[] = [], lo: number[] = [], hi: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = runs.map((r) => r.evals[i][metric] * scale);
    x.push(runs[0].evals[i].update);
    y.push(mean(v));
    lo.push(Math.min(...v));
    hi.push(Math.max(...v));
  }
  return { name, x, y, lo, hi, dashed };
}

/** The batch loss averaged over windows of updates (≈ 100 points), mean over seeds with the min–max band. */
function lossSeries(name: string, runs: RunResult[]): Series {
  const n = Math.min(...runs.map((r) => r.loss.length));
  const w = Math.max(1, Math.ceil(n / 100));
  const x: number[] = [], y: number[] = [], lo: number[] = [], hi: number[] = [];
  for (let s = 0; s < n; s += w) {
    const e = Math.min(n, s + w);
    const v = runs.map((r) => mean(r.loss.slice(s, e)));
    x.push(e);
    y.push(mean(v));
    lo.push(Math.min(...v));
    hi.push(Math.max(...v));
  }
  return { name, x, y, lo, hi };
}

function bySeeds(runs: RunResult[]): string {
  const seeds = [...new Set(runs.map((r) => r.seed))];
  return `${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds.join(', ')})`;
}

/** Median ms per update over a group's seeds, wall clock and CPU time (every thread). */
function timingTable(e: ExperimentReport, env: Environment): Block {
  const g = groups(e.runs);
  const rows = [...g.entries()].map(([name, runs]) => [
    name,
    String(runs[0].updates),
    String(runs[0].batch),
    fmt(median(runs.map((r) => r.msPerUpdate))),
    fmt(median(runs.map((r) => (r.cpuSeconds * 1000) / r.updates))),
  ]);
  return {
    kind: 'table',
    head: ['run', 'updates', 'batch', 'ms / update (wall, median)', 'CPU ms / update (median)'],
    rows,
    caption: `Timings measured on this machine (${env.cpu}; ${env.backend} backend, ${env.threads} thread(s); 1-minute load average ${fmt(env.loadAverage, 2)} when the report was written): medians over the seeds, updates only (evaluations excluded). CPU time counts every thread.`,
  };
}

function autoencoderSection(e: ExperimentReport, v: Verdict[], env: Environment): Block[] {
  const g = groups(e.runs);
  const mus = [...new Set([...g.keys()].filter((k) => /μmax=/.test(k)).map((k) => k.split('μmax=')[1]))];
  const sgd = g.get('SGD');
  const cell = (name: string) => {
    const runs = g.get(name);
    return runs ? meanSd(runs.map((r) => r.final.squaredError)) : '—';
  };
  const rows = mus.map((mu) => [
    mu,
    sgd ? cell('SGD') : '—',
    cell(`CM μmax=${mu}`),
    cell(`NAG μmax=${mu}`),
    PAPER_TABLE1[mu] ? `${PAPER_SGD} / ${PAPER_TABLE1[mu].cm} / ${PAPER_TABLE1[mu].nag}` : '—',
  ]);
  const series = [...g.entries()].map(([name, runs]) => evalSeries(name, runs, 'squaredError', /^CM/.test(name)));
  return [
    ...v.map((verdict): Block => ({ kind: 'verdict', verdict })),
    {
      kind: 'table',
      head: ['μmax', 'SGD', 'CM', 'NAG', 'paper (750k updates): SGD / CM / NAG'],
      rows,
      caption: `Final training squared error, mean ± sd over ${bySeeds(e.runs)}, laid out as the paper's Table 1 (rows μmax, columns optimizer; SGD has no μ, so its column repeats).`,
    },
    timingTable(e, env),
    { kind: 'plot', plot: { file: 'autoencoder-error.svg', title: 'Autoencoder: training squared error (mean, min–max over seeds)', xLabel: 'updates', yLabel: 'squared error per image', logY: true, endTicks: true, series } },
    { kind: 'plot', plot: { file: 'autoencoder-loss.svg', title: 'Autoencoder: batch cross-entropy (window means; min–max over seeds)', xLabel: 'updates', yLabel: 'cross-entropy per image', logY: true, series: [...g.entries()].map(([n, r]) => lossSeries(n, r)) } },
  ];
}

function groupTable(e: ExperimentReport, metrics: { key: string; title: string; digits?: number }[]): Block {
  const g = groups(e.runs);
  return {
    kind: 'table',
    head: ['run', ...metrics.flatMap((m) => [`${m.title} at 0`, `final ${m.title}`])],
    rows: [...g.entries()].map(([name, runs]) => [name, ...metrics.flatMap((m) => [meanSd(runs.map((r) => r.evals[0][m.key]), m.digits), meanSd(runs.map((r) => r.final[m.key]), m.digits)])]),
    caption: `Mean ± sd over ${bySeeds(e.runs)}.`,
  };
}

function batchnormSection(e: ExperimentReport, v: Verdict[], env: Environment): Block[] {
  const g = groups(e.runs);
  // One colour per network (its colour in the other charts); the 15th and 85th percentiles dashed.
  const order = [...g.keys()];
  const pct = ['baseline', 'BN'].flatMap((name) => {
    const runs = g.get(name);
    return runs ? (['p15', 'p50', 'p85'] as const).map((p) => ({ ...evalSeries(`${name} ${p}`, runs, p, p !== 'p50'), color: order.indexOf(name) })) : [];
  });
  // The control's diverging loss would stretch the log axis over the others: it shows in the accuracy chart.
  const comparison = [...g.entries()].filter(([n]) => !n.includes('control'));
  return [
    ...v.map((verdict): Block => ({ kind: 'verdict', verdict })),
    groupTable(e, [{ key: 'accuracy', title: 'test accuracy' }]),
    timingTable(e, env),
    { kind: 'plot', plot: { file: 'batchnorm-accuracy.svg', title: 'MNIST test accuracy (mean, min–max over seeds)', xLabel: 'updates', yLabel: 'accuracy', logY: false, endTicks: true, series: [...g.entries()].map(([n, r]) => evalSeries(n, r, 'accuracy')) } },
    { kind: 'plot', plot: { file: 'batchnorm-percentiles.svg', title: "Input of one last-hidden-layer unit: 15/50/85th percentiles (the paper's Figure 1)", xLabel: 'updates', yLabel: 'unit input', logY: false, series: pct } },
    { kind: 'plot', plot: { file: 'batchnorm-loss.svg', title: 'MNIST batch cross-entropy, the five networks (window means; min–max over seeds)', xLabel: 'updates', yLabel: 'loss', logY: true, series: comparison.map(([n, r]) => ({ ...lossSeries(n, r), color: order.indexOf(n) })) } },
  ];
}

function cnnSection(e: ExperimentReport, v: Verdict[], env: Environment): Block[] {
  const g = groups(e.runs);
  return [
    ...v.map((verdict): Block => ({ kind: 'verdict', verdict })),
    groupTable(e, [{ key: 'accuracy', title: 'test accuracy' }]),
    timingTable(e, env),
    { kind: 'plot', plot: { file: 'cnn-accuracy.svg', title: 'CNN on MNIST: test accuracy (mean, min–max over seeds)', xLabel: 'updates', yLabel: 'accuracy', logY: false, endTicks: true, series: [...g.entries()].map(([n, r]) => evalSeries(n, r, 'accuracy')) } },
    { kind: 'plot', plot: { file: 'cnn-loss.svg', title: 'CNN on MNIST: batch cross-entropy (window means; min–max over seeds)', xLabel: 'updates', yLabel: 'loss', logY: true, series: [...g.entries()].map(([n, r]) => lossSeries(n, r)) } },
  ];
}

function rnnSection(e: ExperimentReport, v: Verdict[], env: Environment): Block[] {
  const g = groups(e.runs);
  return [
    ...v.map((verdict): Block => ({ kind: 'verdict', verdict })),
    groupTable(e, [{ key: 'mse', title: 'evaluation MSE' }]),
    timingTable(e, env),
    { kind: 'plot', plot: { file: 'rnn-mse.svg', title: 'Addition problem: evaluation MSE (mean, min–max over seeds)', xLabel: 'updates', yLabel: 'MSE', logY: true, endTicks: true, series: [...g.entries()].map(([n, r]) => evalSeries(n, r, 'mse')) } },
    { kind: 'plot', plot: { file: 'rnn-loss.svg', title: 'Addition problem: batch MSE (window means; min–max over seeds)', xLabel: 'updates', yLabel: 'MSE', logY: true, series: [...g.entries()].map(([n, r]) => lossSeries(n, r)) } },
  ];
}

function quadraticSection(e: ExperimentReport, v: Verdict[], s: VerdictSettings): Block[] {
  const q = s.quadratic;
  if (!q) return [];
  const g = groups(e.runs);
  const rows = momentumRows(e.runs, q);
  const [small, large] = [Math.min(...q.lrs), Math.max(...q.lrs)];
  const top = q.eigenvalues.length - 1;
  const pair = (lr: number, f: (name: string, runs: RunResult[]) => Series) =>
    (['CM', 'NAG'] as const).flatMap((o) => {
      const runs = g.get(`${o} ε=${lr}`);
      return runs ? [f(`${o} ε=${lr}`, runs)] : [];
    });
  const zSeries = (name: string, runs: RunResult[]): Series => {
    const z0 = runs.map((r) => r.evals[0][`z${top}`]);
    const n = Math.min(...runs.map((r) => r.evals.length));
    const x: number[] = [], y: number[] = [], lo: number[] = [], hi: number[] = [];
    for (let i = 0; i < n; i++) {
      const vals = runs.map((r, k) => r.evals[i][`z${top}`] / z0[k]);
      x.push(runs[0].evals[i].update);
      y.push(mean(vals));
      lo.push(Math.min(...vals));
      hi.push(Math.max(...vals));
    }
    return { name, x, y, lo, hi, dashed: name.startsWith('CM') };
  };
  return [
    ...v.map((verdict): Block => ({ kind: 'verdict', verdict })),
    {
      kind: 'table',
      head: ['ε', 'direction', 'λ', 'λε', 'CM measured', 'CM formula μ', 'NAG measured', 'NAG formula μ(1 − λε)'],
      rows: q.lrs.flatMap((lr) => q.eigenvalues.map((lambda, i) => {
        const cm = rows.find((r) => r.optimizer === 'momentum' && r.lr === lr && r.direction === i);
        const nag = rows.find((r) => r.optimizer === 'nag' && r.lr === lr && r.direction === i);
        return [String(lr), String(i), String(lambda), fmt(lr * lambda, 3), cm ? meanSd(cm.measured, 5) : '—', cm ? fmt(cm.formula, 5) : '—', nag ? meanSd(nag.measured, 5) : '—', nag ? fmt(nag.formula, 5) : '—'];
      })),
      caption: `Effective momentum along each eigendirection, measured from the iterates (least squares of v_{t+1} + ελ z_t = m v_t), mean ± sd over ${bySeeds(e.runs)}; tolerance ${MOMENTUM_TOLERANCE}.`,
    },
    { kind: 'plot', plot: { file: 'quadratic-top.svg', title: `Large ε = ${large}: coordinate along the steepest direction (λ = ${q.eigenvalues[top]}), relative to its start`, xLabel: 'updates', yLabel: 'z / z₀', logY: false, series: pair(large, zSeries) } },
    { kind: 'plot', plot: { file: 'quadratic-large.svg', title: `Large ε = ${large}: q(θ) − q* (mean, min–max over seeds)`, xLabel: 'updates', yLabel: 'q(θ) − q*', logY: true, endTicks: true, series: pair(large, (n, r) => evalSeries(n, r, 'gap', n.startsWith('CM'))) } },
    { kind: 'plot', plot: { file: 'quadratic-small.svg', title: `Small ε = ${small}: q(θ) − q* (mean, min–max over seeds): the two coincide`, xLabel: 'updates', yLabel: 'q(θ) − q*', logY: true, endTicks: true, series: pair(small, (n, r) => evalSeries(n, r, 'gap', n.startsWith('CM'))) } },
  ];
}

// ---- rendering -------------------------------------------------------------------------------------

function mdTable(b: Extract<Block, { kind: 'table' }>): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${b.head.map(esc).join(' | ')} |`, `|${b.head.map(() => '---').join('|')}|`, ...b.rows.map((r) => `| ${r.map(esc).join(' | ')} |`), ...(b.caption ? ['', b.caption] : [])].join('\n');
}

function markdown(title: string, intro: string[], sections: Section[]): string {
  const md: string[] = [`# ${title}`, '', ...intro, ''];
  for (const s of sections) {
    md.push(`## ${s.title}`, '');
    for (const b of s.blocks) {
      if (b.kind === 'p') md.push(b.text, '');
      else if (b.kind === 'verdict') md.push(verdictMd(b.verdict), '');
      else if (b.kind === 'table') md.push(mdTable(b), '');
      else md.push(`![${b.plot.title}](${b.plot.file})`, '');
    }
  }
  return md.join('\n');
}

function verdictMd(v: Verdict): string {
  return `> **Verdict: ${verdictWord(v)}.** ${v.claim}  \n> Measured: ${v.measured}.  \n> Criterion: ${v.criterion}. Longer run: ${v.longer}.`;
}

const CSS = `body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f4f4f4}
caption{caption-side:bottom;text-align:left;color:#555;font-size:.9em;padding-top:.3em}
.verdict{border-left:6px solid;padding:.5em 1em;margin:1em 0;background:#fafafa}.verdict.held{border-color:#2ca02c}.verdict.not-held{border-color:#d62728}
.verdict .word{font-weight:bold;text-transform:uppercase}figure.chart{margin:1.2em 0}figure.chart svg{max-width:100%;height:auto;display:block}`;

function html(title: string, intro: string[], sections: Section[], svgs: Map<string, string>): string {
  const e = escapeXml;
  const out: string[] = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', `<title>${e(title)}</title>`, `<style>${CSS}</style>`, '</head>', '<body>', `<h1>${e(title)}</h1>`];
  for (const p of intro) out.push(`<p>${e(p).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>')}</p>`);
  sections.forEach((s, si) => {
    out.push(`<section id="s${si}">`, `<h2>${e(s.title)}</h2>`);
    for (const b of s.blocks) {
      if (b.kind === 'p') out.push(`<p>${e(b.text)}</p>`);
      else if (b.kind === 'verdict') {
        const v = b.verdict;
        out.push(`<div class="verdict ${v.held ? 'held' : 'not-held'}"><p><span class="word">Verdict: ${e(verdictWord(v))}.</span> ${e(v.claim)}</p><p>Measured: ${e(v.measured)}.</p><p>Criterion: ${e(v.criterion)}. Longer run: ${e(v.longer)}.</p></div>`);
      } else if (b.kind === 'table') {
        out.push('<table>', b.caption ? `<caption>${e(b.caption)}</caption>` : '', `<thead><tr>${b.head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>`, '<tbody>');
        for (const r of b.rows) out.push(`<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`);
        out.push('</tbody></table>');
      } else {
        out.push(`<figure class="chart" id="chart-${b.plot.file.replace(/\.svg$/, '')}">`, svgs.get(b.plot.file) as string, `<figcaption>${e(b.plot.title)}</figcaption>`, '</figure>');
      }
    }
    out.push('</section>');
  });
  out.push('</body>', '</html>');
  return out.join('\n') + '\n';
}

function csv(experiments: ExperimentReport[]): string {
  const out = ['experiment,run,kind,update,metric,value'];
  for (const e of experiments) for (const r of e.runs) {
    r.loss.forEach((v, i) => out.push(`${e.name},${r.id},train,${i + 1},loss,${v}`));
    for (const p of r.evals) for (const [k, v] of Object.entries(p)) if (k !== 'update') out.push(`${e.name},${r.id},eval,${p.update},${k},${v}`);
  }
  return out.join('\n') + '\n';
}

/** The files of a report (name → content), with the verdicts; nothing is written. */
export function buildReport(env: Environment, config: unknown, experiments: ExperimentReport[], settings: VerdictSettings): { files: Map<string, string>; verdicts: Verdict[] } {
  const all = verdicts(experiments, settings);
  const intro = [
    `Backend **${env.backend}**, SIMD level **${env.simd}**, ${env.threads} thread(s), Node ${env.node}, ${env.cpu}, ${env.date}.`,
    'Each experiment runs every configuration with several seeds and ends in a verdict computed from the numbers: the paper\'s claim, what this run measured (mean ± sd over the seeds) and "held" or "did not hold at this budget". Curves: mean over the seeds, shaded from their minimum to their maximum. Raw numbers: results.json, curves.csv.',
  ];
  const svgs = new Map<string, string>();
  const sections: Section[] = experiments.map((e) => {
    const v = all.filter((x) => x.experiment === e.name);
    const body =
      e.name === 'autoencoder' ? autoencoderSection(e, v, env)
      : e.name === 'batchnorm' ? batchnormSection(e, v, env)
      : e.name === 'cnn' ? cnnSection(e, v, env)
      : e.name === 'rnn' ? rnnSection(e, v, env)
      : quadraticSection(e, v, settings);
    return { title: e.title, blocks: [{ kind: 'p', text: e.setup }, ...body] };
  });
  for (const s of sections) for (const b of s.blocks) if (b.kind === 'plot') svgs.set(b.plot.file, lineChart(b.plot));
  const summary: Section = {
    title: 'Verdicts',
    blocks: [{ kind: 'table', head: ['experiment', 'claim', 'verdict'], rows: all.map((v) => [v.experiment, v.claim, verdictWord(v)]) }],
  };
  const title = 'fastgrad: the seed papers\' experiments';
  const files = new Map<string, string>();
  files.set('report.md', markdown(title, intro, [summary, ...sections]));
  files.set('index.html', html(title, intro, [summary, ...sections], svgs));
  for (const [f, s] of svgs) files.set(f, s);
  files.set('results.json', JSON.stringify({ environment: env, config, verdicts: all, experiments }, null, 1) + '\n');
  files.set('curves.csv', csv(experiments));
  return { files, verdicts: all };
}

/** Writes report.md, index.html, the SVGs, results.json and curves.csv into dir; returns report.md's path. */
export function writeReport(dir: string, env: Environment, config: unknown, experiments: ExperimentReport[], settings: VerdictSettings): { file: string; verdicts: Verdict[] } {
  fs.mkdirSync(dir, { recursive: true });
  const { files, verdicts: v } = buildReport(env, config, experiments, settings);
  for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
  return { file: path.join(dir, 'report.md'), verdicts: v };
}
