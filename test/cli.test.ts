// The fastgrad CLI end to end, in child processes, on the tiny preset (seconds): every experiment
// writes a report that parses and shows learning, and its verdicts are what results.json's numbers
// give when recomputed; the same seed gives the same bits on both backends,
// at 1 and 2 threads and at every SIMD level; Ctrl-C writes a checkpoint and --resume ends with the
// numbers of an uninterrupted run; bad flags give one line and exit code 2.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireNative, simdLevels } from './support/harness.js';
import { lineChart, logTicks, niceTicks } from '../lib/cli/svg.js';
import { parseArgs, UsageError } from '../lib/cli/args.js';
import { verdicts, verdictWord, type Verdict } from '../lib/cli/verdict.js';
import { verdictSettings, type SessionConfig } from '../lib/cli/main.js';
import type { RunResult } from '../lib/cli/run.js';
import { sutskeverPeriod } from '../lib/cli/common.js';
import { sutskever } from '../lib/optim/index.js';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'fastgrad.cjs');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrad-cli-'));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  out: string;
}

let counter = 0;
function cli(args: string[], env: Record<string, string> = {}, out = path.join(TMP, `r${counter++}`)): Run {
  const res = spawnSync(process.execPath, [BIN, ...args, '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FASTGRAD_BACKEND: 'native', ...env },
    timeout: 240_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, out };
}

interface Results {
  environment: { backend: string; simd: string; threads: number };
  config: SessionConfig;
  verdicts: Verdict[];
  experiments: { name: 'autoencoder' | 'batchnorm' | 'cnn' | 'rnn' | 'quadratic'; runs: RunResult[] }[];
}

function results(r: Run): Results {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(fs.readFileSync(path.join(r.out, 'results.json'), 'utf8')) as Results;
}

/** Only the numbers training produced (no timings, no environment). */
function numbers(r: Results): unknown {
  return r.experiments.map((e) => e.runs.map((x) => ({ id: x.id, loss: x.loss, evals: x.evals })));
}

function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

test('bad command lines: one line on stderr, exit code 2, no stack trace', () => {
  const cases: [string[], RegExp][] = [
    [['autoencoder', '--optimizer', 'sgd,lbfgs'], /--optimizer .*'lbfgs'/],
    [['autoencoder', '--lr', '-0.1'], /--lr expects a number > 0 but received '-0.1'/],
    [['batchnorm', '--batch', '2.5'], /--batch expects an integer >= 1 but received '2.5'/],
    [['rnn', '--bogus', '1'], /unknown flag --bogus/],
    [['train'], /unknown command 'train'/],
    [['rnn', '--dataset', 'mnist'], /--dataset does not apply to 'rnn'/],
    [['batchnorm', '--batch', '500', '--train-size', '100'], /--batch \(500\) must not exceed --train-size \(100\)/],
    [['rnn', '--resume'], /no checkpoint to resume/],
    [['rnn', '--resume', '--updates', '5'], /--resume takes the configuration from the checkpoint: --updates cannot be combined/],
    [['cnn', '--channels', '8'], /--channels expects two integers .* but received '8'/],
    [['cnn', '--channels', '8,2.5'], /--channels expects two integers/],
    [['batchnorm', '--channels', '8,16'], /--channels does not apply to 'batchnorm'/],
  ];
  for (const [args, re] of cases) {
    const r = cli(args);
    const expectStatus = /no checkpoint/.test(re.source) ? 1 : 2;
    assert.equal(r.status, expectStatus, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(fs.existsSync(path.join(r.out, 'report.md')), false);
  }
});

test('parseArgs: values, lists and errors', () => {
  assert.deepEqual(parseArgs(['autoencoder', '--optimizer=sgd,nag', '--mu-max', '0.9,0.99', '--updates', '5']).flags, { optimizer: ['sgd', 'nag'], 'mu-max': [0.9, 0.99], updates: 5 });
  assert.throws(() => parseArgs(['rnn', '--updates']), UsageError);
  assert.throws(() => parseArgs(['rnn', '--updates', '3', '--updates', '4']), /given twice/);
  assert.throws(() => parseArgs(['rnn', '--mu-max', '1.5']), /\[0, 1\]/);
});

test('the μ schedule with a shorter period: the paper\'s steps, period times faster', () => {
  const paper = sutskever({ muMax: 0.99 }), fast = sutskeverPeriod(0.99, 50);
  for (const t of [0, 49, 50, 99, 100, 249, 250, 999, 1000, 2449, 2450, 5000]) assert.equal(fast(t), paper(5 * t), `t = ${t}`);
  assert.ok(Math.abs(fast(1000) - (1 - 1 / 42)) < 1e-12, String(fast(1000)));
  assert.equal(sutskeverPeriod(0.99, 250)(1000), paper(1000));
});

test('svg: ticks and a well-formed chart with a legend and a log axis', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(logTicks(0.01, 100), [0.01, 0.1, 1, 10, 100]);
  const svg = lineChart({ title: 'a < b', xLabel: 'x', yLabel: 'y', logY: true, series: [{ name: 'one', x: [1, 2, 3], y: [10, 1, 0] }, { name: 'two', x: [1, 2], y: [5, 2] }] });
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /a &lt; b/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.match(svg, />one<\/text>/);
  assert.match(svg, /<\/svg>\n$/);
});

test('each experiment runs on the tiny preset, writes a parseable report and learns; the verdicts follow from results.json', () => {
  requireNative();
  const r = cli(['all', '--preset', 'tiny']);
  const res = results(r);
  const svgs = ['autoencoder-error.svg', 'autoencoder-loss.svg', 'batchnorm-accuracy.svg', 'batchnorm-percentiles.svg', 'batchnorm-loss.svg', 'cnn-accuracy.svg', 'cnn-loss.svg', 'rnn-mse.svg', 'rnn-loss.svg', 'quadratic-top.svg', 'quadratic-large.svg', 'quadratic-small.svg'];
  for (const f of ['report.md', 'index.html', 'curves.csv', ...svgs]) assert.ok(fs.existsSync(path.join(r.out, f)), f);
  for (const f of fs.readdirSync(r.out).filter((f) => f.endsWith('.svg'))) {
    const s = fs.readFileSync(path.join(r.out, f), 'utf8');
    assert.match(s, /^<svg[\s\S]*<\/svg>\n$/, f);
    assert.match(s, /<polyline /, f);
    assert.match(s, /<polygon /, `${f}: a band over the seeds`);
  }
  const md = fs.readFileSync(path.join(r.out, 'report.md'), 'utf8');
  assert.match(md, /Backend \*\*native\*\*, SIMD level \*\*\w+\*\*/);
  assert.match(md, /\| SGD \| 6 \| 10 \|/);
  assert.match(md, /\| μmax \| SGD \| CM \| NAG \|/, "the autoencoder's Table 1 layout");
  const csv = fs.readFileSync(path.join(r.out, 'curves.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(csv[0], 'experiment,run,kind,update,metric,value');
  // Every value is a number; the diverging control (baseline-x30) writes NaN, and only it.
  const bad = csv.slice(1).filter((l) => l.split(',').length !== 6 || !Number.isFinite(Number(l.split(',')[5])));
  assert.ok(bad.every((l) => /^batchnorm,batchnorm\/baseline-x30\/s\d+,[a-z]+,\d+,\w+,(NaN|-?Infinity)$/.test(l)), bad.slice(0, 3).join('\n'));
  assert.deepEqual(res.experiments.map((e) => e.name), ['autoencoder', 'batchnorm', 'cnn', 'rnn', 'quadratic']);
  assert.deepEqual(res.config.seeds, [1, 11]);
  const [ae, bn, cnn, rnn, quad] = res.experiments;
  assert.deepEqual([...new Set(cnn.runs.map((x) => x.group))], ['baseline', 'BN', 'BN-x5']);
  for (const run of cnn.runs) {
    assert.equal(run.loss.length, 10);
    assert.ok(run.final.accuracy > run.evals[0].accuracy, `${run.id}: ${JSON.stringify(run.evals)}`);
    assert.ok(mean(run.loss.slice(-3)) < mean(run.loss.slice(0, 3)), `${run.id}: ${run.loss}`);
  }
  assert.match(md, /## Batch normalization in a convolutional network on MNIST/);
  assert.match(md, /Conv2d\(1, 4, 5\) → ReLU → MaxPool2d\(2\) → Conv2d\(4, 8, 5\)/);
  assert.deepEqual([...new Set(ae.runs.map((x) => x.group))], ['SGD', 'CM μmax=0.99', 'NAG μmax=0.99']);
  assert.deepEqual([...new Set(bn.runs.map((x) => x.group))], ['baseline', 'BN', 'BN-x5', 'BN-x30', 'BN-x5-Sigmoid', 'baseline-x30 (control)']);
  for (const e of res.experiments) for (const g of new Set(e.runs.map((x) => x.group))) assert.deepEqual(e.runs.filter((x) => x.group === g).map((x) => x.seed), [1, 11], `${e.name} ${g}`);
  for (const run of ae.runs) assert.ok(run.final.squaredError < 0.5 * run.evals[0].squaredError, `${run.id}: ${JSON.stringify(run.evals)}`);
  for (const run of bn.runs.filter((x) => !x.group.includes('control'))) {
    assert.equal(run.loss.length, 10);
    // 10 updates at 30× the learning rate are too few for the batch loss to fall steadily.
    if (run.group !== 'BN-x30') assert.ok(mean(run.loss.slice(-3)) < mean(run.loss.slice(0, 3)), `${run.id}: ${run.loss}`);
    assert.ok(run.final.accuracy > run.evals[0].accuracy, run.id);
    assert.ok(run.final.p15 <= run.final.p50 && run.final.p50 <= run.final.p85);
  }
  for (const run of rnn.runs) assert.ok(run.final.mse < run.evals[0].mse, `${run.id}: ${JSON.stringify(run.evals)}`);
  for (const run of quad.runs) assert.ok(run.final.gap < run.evals[0].gap, run.id);
  // The verdicts: recomputed from results.json's numbers, they are the stored ones, and the report and
  // the terminal say each of them.
  const again = verdicts(res.experiments, verdictSettings(res.config));
  assert.deepEqual(again, res.verdicts);
  assert.ok(again.length >= 6, `${again.length} verdicts`);
  assert.deepEqual([...new Set(again.map((v) => v.experiment))], ['autoencoder', 'batchnorm', 'cnn', 'rnn', 'quadratic']);
  for (const v of again) {
    assert.ok(md.includes(`**Verdict: ${verdictWord(v)}.** ${v.claim}`), v.claim);
    assert.ok(md.includes(`Measured: ${v.measured}.`), v.measured);
    assert.ok(r.stdout.includes(`verdict (${v.experiment}): ${verdictWord(v)}: ${v.claim}`), r.stdout);
  }
  // The quadratic's effective momenta are an identity: they hold at any budget, the tiny one included.
  assert.equal(again.find((v) => v.experiment === 'quadratic')?.held, true);
  // Nudging the recorded iterates changes the verdict: the verdicts read the numbers.
  const swapped = structuredClone(res.experiments);
  const q = swapped[4].runs;
  for (const run of q.filter((x) => x.group.startsWith("NAG"))) for (const p of run.evals) p.z3 += p.update % 2 ? 1e-3 : 0;
  assert.equal(verdicts(swapped, verdictSettings(res.config)).find((v) => v.experiment === 'quadratic')?.held, false);
  assert.ok(r.stdout.includes('report: '), r.stdout);
  assert.equal(fs.existsSync(path.join(r.out, 'checkpoint.fgck')), false);
});

test('same seed, same bits: JS vs native backend, 1 vs 2 threads, every SIMD level', () => {
  requireNative();
  const args = ['all', '--preset', 'tiny', '--no-progress'];
  const base = numbers(results(cli([...args, '--threads', '2'])));
  assert.deepEqual(numbers(results(cli(args, { FASTGRAD_BACKEND: 'js' }))), base, 'js backend');
  assert.deepEqual(numbers(results(cli([...args, '--threads', '1']))), base, '1 thread');
  for (const level of simdLevels()) {
    const r = results(cli(args, { FASTGRAD_SIMD: level }));
    assert.equal(r.environment.simd, level);
    assert.deepEqual(numbers(r), base, `FASTGRAD_SIMD=${level}`);
  }
  // Full-size MNIST layers, so the GEMMs are above the parallel threshold and really split across threads.
  const big = ['autoencoder', '--dataset', 'mnist', '--optimizer', 'nag', '--batch', '100', '--updates', '3', '--eval-every', '3', '--train-size', '1000', '--eval-size', '100', '--no-progress'];
  const one = results(cli([...big, '--threads', '1']));
  assert.equal(one.environment.threads, 1);
  assert.deepEqual(numbers(results(cli([...big, '--threads', '2']))), numbers(one), 'MNIST layers, 2 threads vs 1');
});

test('--interrupt-at writes a checkpoint; --resume (even on the other backend) ends with the uninterrupted numbers', () => {
  requireNative();
  const args = ['all', '--preset', 'tiny', '--no-progress'];
  const full = numbers(results(cli(args)));
  for (const [k, env] of [[4, {}], [9, { FASTGRAD_BACKEND: 'js' }], [40, {}]] as const) {
    const out = path.join(TMP, `resume-${k}`);
    const a = cli([...args, '--interrupt-at', String(k)], {}, out);
    assert.equal(a.status, 130, a.stderr);
    assert.match(a.stderr, /checkpoint written to .*checkpoint\.fgck; continue with: fastgrad all --resume/);
    assert.ok(fs.existsSync(path.join(out, 'checkpoint.fgck')));
    assert.equal(fs.existsSync(path.join(out, 'report.md')), false);
    const b = cli(['all', '--resume', '--no-progress'], env, out);
    assert.deepEqual(numbers(results(b)), full, `interrupted after ${k} updates`);
    assert.equal(fs.existsSync(path.join(out, 'checkpoint.fgck')), false);
  }
  // the RNN's sequences are a stream through the DataLoader: resumed mid-run, it continues where it was
  const rnnArgs = ['rnn', '--preset', 'tiny', '--no-progress'];
  const rnnFull = numbers(results(cli(rnnArgs)));
  const out = path.join(TMP, 'resume-rnn');
  assert.equal(cli([...rnnArgs, '--interrupt-at', '7'], {}, out).status, 130);
  assert.deepEqual(numbers(results(cli(['rnn', '--resume', '--no-progress'], {}, out))), rnnFull, 'rnn interrupted after 7 updates');
});

test('Ctrl-C (SIGINT) mid-run checkpoints and exits 130; --resume matches the uninterrupted run', async () => {
  requireNative();
  const args = ['autoencoder', '--preset', 'tiny', '--optimizer', 'nag', '--updates', '120', '--eval-every', '40'];
  const full = numbers(results(cli([...args, '--no-progress'])));
  const out = path.join(TMP, 'sigint');
  const child = spawn(process.execPath, [BIN, ...args, '--out', out], { cwd: ROOT, env: { ...process.env, FASTGRAD_BACKEND: 'native' } });
  let stdout = '', stderr = '', sent = false;
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && /: \d+\/120 updates, loss/.test(stdout)) sent = child.kill('SIGINT');
    });
    child.on('exit', (code) => resolve(code));
  });
  assert.equal(status, 130, stderr);
  assert.match(stderr, /^fastgrad: interrupted: checkpoint written to /);
  const b = cli(['autoencoder', '--resume', '--no-progress'], {}, out);
  assert.deepEqual(numbers(results(b)), full);
});
