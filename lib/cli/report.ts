// The report folder: report.md (environment, one table per experiment, the plots), one SVG per plot
// (lib/cli/svg.ts), results.json (every number, including every curve) and curves.csv (long format:
// run,kind,update,metric,value).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunResult } from './run.js';
import { lineChart, type Series } from './svg.js';

export interface Environment {
  backend: string;
  simd: string;
  threads: number;
  node: string;
  cpu: string;
  date: string;
}

export interface ExperimentReport {
  name: 'autoencoder' | 'batchnorm' | 'rnn';
  title: string;
  /** What the runs are (the configuration in words). */
  setup: string;
  runs: RunResult[];
}

interface Plot {
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  logY: boolean;
  series: Series[];
}

function evalSeries(runs: RunResult[], metric: string, name = (r: RunResult) => r.label): Series[] {
  return runs.map((r) => ({ name: name(r), x: r.evals.map((e) => e.update), y: r.evals.map((e) => e[metric]) }));
}

function lossSeries(runs: RunResult[]): Series[] {
  return runs.map((r) => ({ name: r.label, x: r.loss.map((_, i) => i + 1), y: r.loss }));
}

function plotsOf(e: ExperimentReport): Plot[] {
  const R = e.runs;
  switch (e.name) {
    case 'autoencoder':
      return [
        { file: 'autoencoder-error.svg', title: 'Autoencoder: training squared error', xLabel: 'updates', yLabel: 'squared error per image', logY: true, series: evalSeries(R, 'squaredError') },
        { file: 'autoencoder-loss.svg', title: 'Autoencoder: batch cross-entropy', xLabel: 'updates', yLabel: 'cross-entropy per image', logY: true, series: lossSeries(R) },
      ];
    case 'batchnorm':
      return [
        { file: 'batchnorm-accuracy.svg', title: 'MNIST test accuracy', xLabel: 'updates', yLabel: 'accuracy', logY: false, series: evalSeries(R, 'accuracy') },
        {
          file: 'batchnorm-percentiles.svg',
          title: 'Input of one last-hidden-layer sigmoid: 15/50/85th percentiles',
          xLabel: 'updates',
          yLabel: 'sigmoid input',
          logY: false,
          series: R.slice(0, 2).flatMap((r) => ['p15', 'p50', 'p85'].flatMap((p) => evalSeries([r], p, (x) => `${x.label} ${p}`))),
        },
        { file: 'batchnorm-loss.svg', title: 'MNIST batch cross-entropy', xLabel: 'updates', yLabel: 'loss', logY: true, series: lossSeries(R) },
      ];
    case 'rnn':
      return [
        { file: 'rnn-mse.svg', title: 'Addition problem: evaluation MSE', xLabel: 'updates', yLabel: 'MSE', logY: true, series: evalSeries(R, 'mse') },
        { file: 'rnn-loss.svg', title: 'Addition problem: batch MSE', xLabel: 'updates', yLabel: 'MSE', logY: true, series: lossSeries(R) },
      ];
  }
}

function num(v: number | undefined, digits = 4): string {
  if (v === undefined || !Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(digits)).toString();
}

function table(e: ExperimentReport): string {
  const metrics = Object.keys(e.runs[0]?.final ?? {}).filter((k) => k !== 'update');
  const head = ['run', 'updates', 'batch', ...metrics.map((m) => `final ${m}`), 'first ' + (metrics[0] ?? ''), 'ms / update', 'samples / s'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of e.runs) {
    lines.push(`| ${[r.label, r.updates, r.batch, ...metrics.map((m) => num(r.final[m])), num(r.evals[0]?.[metrics[0]]), num(r.msPerUpdate, 3), num(r.samplesPerSec, 3)].join(' | ')} |`);
  }
  return lines.join('\n');
}

function csv(experiments: ExperimentReport[]): string {
  const out = ['experiment,run,kind,update,metric,value'];
  for (const e of experiments) for (const r of e.runs) {
    r.loss.forEach((v, i) => out.push(`${e.name},${r.id},train,${i + 1},loss,${v}`));
    for (const p of r.evals) for (const [k, v] of Object.entries(p)) if (k !== 'update') out.push(`${e.name},${r.id},eval,${p.update},${k},${v}`);
  }
  return out.join('\n') + '\n';
}

/** Writes report.md, the SVGs, results.json and curves.csv into dir; returns the report's path. */
export function writeReport(dir: string, env: Environment, config: unknown, experiments: ExperimentReport[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const md: string[] = [
    '# fastgrad experiments',
    '',
    `Backend **${env.backend}**, SIMD level **${env.simd}**, ${env.threads} thread(s), Node ${env.node}, ${env.cpu}, ${env.date}.`,
    'Times are the updates only (evaluations excluded). Raw curves: results.json, curves.csv.',
    '',
  ];
  for (const e of experiments) {
    md.push(`## ${e.title}`, '', e.setup, '', table(e), '');
    for (const p of plotsOf(e)) {
      fs.writeFileSync(path.join(dir, p.file), lineChart(p));
      md.push(`![${p.title}](${p.file})`, '');
    }
  }
  const file = path.join(dir, 'report.md');
  fs.writeFileSync(file, md.join('\n'));
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ environment: env, config, experiments }, null, 1) + '\n');
  fs.writeFileSync(path.join(dir, 'curves.csv'), csv(experiments));
  return file;
}
