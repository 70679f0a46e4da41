// The report: verdicts computed from the numbers (each criterion can go either way), the quadratic's
// effective-momentum estimate, the charts' bands, end ticks and log range, and index.html opened in a
// real headless Chromium (Debian's chromium package, installed by .ci/run) with every chart checked for
// drawn pixels in its box.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lineChart, logTicks } from '../lib/cli/svg.js';
import { verdicts, RNN_SOLVED, type Verdict } from '../lib/cli/verdict.js';
import { effectiveMomentum, formulaMomentum } from '../lib/cli/quadratic.js';
import { buildReport } from '../lib/cli/report.js';
import type { EvalPoint, RunResult } from '../lib/cli/run.js';
import { decodePng } from './support/png.js';

const ROOT = path.resolve(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';

function run(group: string, seed: number, final: Record<string, number>, evals?: EvalPoint[], updates = 100): RunResult {
  const ev = evals ?? [{ update: 0, ...Object.fromEntries(Object.keys(final).map((k) => [k, 0])) }, { update: updates, ...final }];
  return { id: `${group}/s${seed}`, group, seed, label: group, updates, batch: 10, seconds: 1, cpuSeconds: 1, msPerUpdate: 10, samplesPerSec: 1000, loss: Array(updates).fill(1), evals: ev, final: ev[ev.length - 1] };
}

function aeRuns(sgd: number[], cm: number[], nag: number[]): RunResult[] {
  return [
    ...sgd.map((v, i) => run('SGD', i, { squaredError: v })),
    ...cm.map((v, i) => run('CM μmax=0.99', i, { squaredError: v })),
    ...nag.map((v, i) => run('NAG μmax=0.99', i, { squaredError: v })),
  ];
}

function held(v: Verdict[], re: RegExp): boolean {
  const x = v.find((y) => re.test(y.claim));
  assert.ok(x, `no verdict matching ${re}: ${v.map((y) => y.claim).join(' / ')}`);
  return x.held;
}

test('autoencoder verdicts: NAG below CM in every seed, SGD above both', () => {
  const s = { aeMuMax: 0.99 };
  const ok = verdicts([{ name: 'autoencoder', runs: aeRuns([30, 31, 29], [20, 21, 19], [18, 19, 18.5]) }], s);
  assert.equal(held(ok, /Nesterov/), true);
  assert.equal(held(ok, /plain SGD/), true);
  assert.match(ok[0].measured, /NAG 18\.5 ± 0\.5, CM 20 ± 1/);
  // NAG behind in one seed out of three: the paired criterion fails although NAG's mean is lower.
  const one = verdicts([{ name: 'autoencoder', runs: aeRuns([30, 31, 29], [20, 21, 19], [18, 21.5, 17]) }], s);
  assert.equal(held(one, /Nesterov/), false);
  const sgdWins = verdicts([{ name: 'autoencoder', runs: aeRuns([30, 18, 29], [20, 21, 19], [18, 19, 18.5]) }], s);
  assert.equal(held(sgdWins, /plain SGD/), false);
  assert.equal(held(sgdWins, /Nesterov/), true);
  // NaN never counts as better.
  assert.equal(held(verdicts([{ name: 'autoencoder', runs: aeRuns([30, 31, 29], [20, 21, 19], [NaN, 19, 18]) }], s), /Nesterov/), false);
});

test('batch-norm verdicts: steps to the baseline accuracy, and the 30x learning rate against the control', () => {
  const curve = (accs: number[]): EvalPoint[] => accs.map((a, i) => ({ update: i * 100, accuracy: a }));
  const runs = (fast: number[], x30: number, ctl: number) => [0, 1, 2].flatMap((seed) => [
    run('baseline', seed, {}, curve([0.1, 0.5, 0.7, 0.8, 0.9]), 400),
    run('BN-x5', seed, {}, curve(fast), 400),
    run('BN-x30', seed, {}, curve([0.1, 0.6, 0.8, 0.9, x30]), 400),
    run('baseline-x30 (control)', seed, {}, curve([0.1, 0.1, 0.1, 0.1, ctl]), 400),
  ]);
  const v = verdicts([{ name: 'batchnorm', runs: runs([0.1, 0.85, 0.91, 0.93, 0.95], 0.92, 0.1) }], {});
  assert.equal(held(v, /fraction of the training steps/), true);
  assert.match(v[0].measured, /BN-x5 first reaches that accuracy after 200 ± 0 updates/);
  assert.equal(held(v, /higher learning rate/), true);
  assert.equal(held(verdicts([{ name: 'batchnorm', runs: runs([0.1, 0.5, 0.8, 0.9, 0.95], 0.92, 0.1) }], {}), /fraction/), false, 'reached at 300 of 400');
  assert.equal(held(verdicts([{ name: 'batchnorm', runs: runs([0.1, 0.5, 0.6, 0.7, 0.8], 0.92, 0.1) }], {}), /fraction/), false, 'never reached');
  assert.equal(held(verdicts([{ name: 'batchnorm', runs: runs([0.1, 0.85, 0.91, 0.93, 0.95], 0.92, 0.88) }], {}), /higher learning rate/), false, 'the control trains too');
  assert.equal(held(verdicts([{ name: 'batchnorm', runs: runs([0.1, 0.85, 0.91, 0.93, 0.95], 0.85, 0.1) }], {}), /higher learning rate/), false, 'BN-x30 below the baseline');
  assert.equal(held(verdicts([{ name: 'batchnorm', runs: runs([0.1, 0.85, 0.91, 0.93, 0.95], 0.92, NaN) }], {}), /higher learning rate/), true, 'a diverged control fails');
});

test('CNN verdicts: BN-x5 reaches the baseline in half the steps, and ends above it, in every seed', () => {
  const curve = (accs: number[]): EvalPoint[] => accs.map((a, i) => ({ update: i * 100, accuracy: a }));
  const runs = (fast: number[], bnFinal = 0.95) => [0, 1, 2].flatMap((seed) => [
    run('baseline', seed, {}, curve([0.1, 0.5, 0.7, 0.8, 0.9]), 400),
    run('BN', seed, {}, curve([0.1, 0.6, 0.85, 0.9, bnFinal]), 400),
    run('BN-x5', seed, {}, curve(fast), 400),
  ]);
  const v = verdicts([{ name: 'cnn', runs: runs([0.1, 0.85, 0.91, 0.93, 0.95]) }], {});
  assert.equal(v.length, 2);
  assert.equal(held(v, /fraction of the training steps/), true);
  assert.match(v[0].measured, /BN-x5 first reaches that accuracy after 200 ± 0 updates, BN \(same learning rate\) after 300 ± 0/);
  assert.equal(held(v, /end more accurate/), true);
  assert.equal(held(verdicts([{ name: 'cnn', runs: runs([0.1, 0.5, 0.8, 0.9, 0.95]) }], {}), /fraction/), false, 'reached at 300 of 400');
  assert.equal(held(verdicts([{ name: 'cnn', runs: runs([0.1, 0.85, 0.88, 0.89, 0.89]) }], {}), /end more accurate/), false, 'BN-x5 ends below the baseline');
  assert.equal(held(verdicts([{ name: 'cnn', runs: runs([0.1, 0.85, 0.88, 0.89, 0.9]) }], {}), /end more accurate/), false, 'a tie is not more accurate');
  assert.match(verdicts([{ name: 'cnn', runs: runs([0.1, 0.5, 0.6, 0.7, 0.8]) }], {})[0].measured, /after never, never, never updates/);
});

test('echo-state verdict: solved in every seed and below the naive network', () => {
  const r = (esn: number[], naive: number[]) => [...esn.map((v, i) => run('echo-state init', i, { mse: v })), ...naive.map((v, i) => run('naive init', i, { mse: v }))];
  assert.equal(held(verdicts([{ name: 'rnn', runs: r([0.002, 0.004, 0.003], [0.16, 0.17, 0.15]) }], {}), /echo-state/), true);
  assert.equal(held(verdicts([{ name: 'rnn', runs: r([0.002, RNN_SOLVED * 2, 0.003], [0.16, 0.17, 0.15]) }], {}), /echo-state/), false);
  assert.equal(held(verdicts([{ name: 'rnn', runs: r([0.002, 0.004, 0.003], [0.16, 0.001, 0.15]) }], {}), /echo-state/), false);
});

test('effective momentum: recovered exactly from iterates of the recurrence, for any μ', () => {
  const lambda = 50, lr = 0.01;
  for (const [mu, o] of [[0.9, 'momentum'], [0.9, 'nag'], [0.5, 'nag']] as const) {
    const m = formulaMomentum(o, mu, lr, lambda);
    const z = [1], v = [0];
    for (let t = 0; t < 60; t++) {
      const next = m * v[t] - lr * lambda * z[t];
      v.push(next);
      z.push(z[t] + next);
    }
    const evals = z.map((x, t) => ({ update: t, z0: x }));
    assert.ok(Math.abs(effectiveMomentum(evals, 0, lr, lambda) - m) < 1e-9, `${o} μ ${mu}`);
    // The other optimizer's formula is far off: the estimate tells them apart.
    assert.ok(Math.abs(effectiveMomentum(evals, 0, lr, lambda) - formulaMomentum(o === 'nag' ? 'momentum' : 'nag', mu, lr, lambda)) > 0.1);
  }
});

test('charts: min–max bands, ticks where the series end, a log range with a tick below the lowest value', () => {
  const svg = lineChart({
    title: 't', xLabel: 'x', yLabel: 'y', logY: true, endTicks: true,
    series: [
      { name: 'a', x: [0, 1, 2], y: [266, 60, 37.4], lo: [266, 55, 35.1], hi: [266, 70, 40] },
      { name: 'b', x: [0, 1, 2], y: [266, 80, 44.6], lo: [266, 75, 43], hi: [266, 85, 46] },
    ],
  });
  assert.equal((svg.match(/<polygon /g) ?? []).length, 2);
  assert.match(svg, />37\.4<\/text>/);
  assert.match(svg, />44\.6<\/text>/);
  // Axis labels are the text-anchor="end" texts left of the plot.
  const labels = [...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => Number(m[1]));
  assert.ok(Math.min(...labels) <= 35.1, `lowest label ${Math.min(...labels)} above the lowest value: ${labels}`);
  assert.ok(Math.max(...labels) >= 266, `highest label ${Math.max(...labels)}: ${labels}`);
  assert.deepEqual(logTicks(20, 500), [20, 50, 100, 200, 500]);
  assert.deepEqual(logTicks(0.01, 100), [0.01, 0.1, 1, 10, 100]);
});

function tinyReport(): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrad-report-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'fastgrad.cjs'), 'all', '--preset', 'tiny', '--no-progress', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

test('index.html is self-contained and every chart renders in headless Chromium', async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium; .ci/run does)`);
  const out = tinyReport();
  const file = path.join(out, 'index.html');
  const htmlText = fs.readFileSync(file, 'utf8');
  assert.doesNotMatch(htmlText, /<script/i, 'no script');
  assert.doesNotMatch(htmlText, /(src|href)=["']?(https?:)?\/\//i, 'no external resource');
  const charts = (htmlText.match(/<figure class="chart"/g) ?? []).length;
  const svgFiles = fs.readdirSync(out).filter((f) => f.endsWith('.svg'));
  assert.equal(charts, svgFiles.length, 'every chart of the report is inline in the page');
  assert.ok(charts >= 10, `${charts} charts`);

  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrad-chromium-'));
  // The browser is not ours to sanitize: drop the ASan preload that `npm run test:sanitize` sets for fastgrad's addon.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^(LD_PRELOAD|ASAN_OPTIONS|UBSAN_OPTIONS)$/.test(k))) as Record<string, string>;
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    env,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    const boxes = await page.locator('figure.chart svg').evaluateAll((els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { id: (e.parentElement as Element).id, x: r.x + window.scrollX, y: r.y + window.scrollY, w: r.width, h: r.height };
    }));
    assert.equal(boxes.length, charts);
    const png = decodePng(await page.screenshot({ fullPage: true, type: 'png' }));
    assert.deepEqual(requests, [`file://${file}`], 'the page loads nothing but itself');
    /** Pixels in a box whose channels differ by more than 60: the series' colours (text and axes are grey). */
    const colored = (x0: number, y0: number, w: number, h: number) => {
      let n = 0;
      for (let y = Math.max(0, Math.floor(y0)); y < Math.min(png.height, y0 + h); y++) for (let x = Math.max(0, Math.floor(x0)); x < Math.min(png.width, x0 + w); x++) {
        const i = (y * png.width + x) * 4;
        const c = [png.rgba[i], png.rgba[i + 1], png.rgba[i + 2]];
        if (Math.max(...c) - Math.min(...c) > 60) n++;
      }
      return n;
    };
    for (const b of boxes) {
      assert.ok(b.w > 300 && b.h > 200, `${b.id}: box ${b.w}×${b.h}`);
      assert.ok(b.y + b.h <= png.height, `${b.id} lies inside the screenshot`);
      const n = colored(b.x, b.y, b.w, b.h);
      assert.ok(n > 200, `${b.id}: ${n} coloured pixels in its box`);
    }
    // The check tells a blank box apart: the page's left margin has no coloured pixel.
    assert.equal(colored(0, 0, 8, png.height), 0);
  } finally {
    await ctx.close();
  }
});

test('buildReport: the same verdicts in report.md, index.html and results.json', () => {
  const runs = aeRuns([30, 31, 29], [20, 21, 19], [18, 19, 18.5]);
  const env = { backend: 'native', simd: 'avx2', threads: 2, node: 'v20', cpu: 'CPU × 2', loadAverage: 1, date: 'today' };
  const { files, verdicts: v } = buildReport(env, {}, [{ name: 'autoencoder', title: 'AE', setup: 'setup', runs }], { aeMuMax: 0.99 });
  assert.equal(v.length, 2);
  const md = files.get('report.md') as string, page = files.get('index.html') as string;
  assert.match(md, /\| 0\.99 \| 30 ± 1 \| 20 ± 1 \| 18\.5 ± 0\.5 \| 2\.1 \/ 0\.77 \/ 0\.73 \|/);
  assert.equal((md.match(/\*\*Verdict: held\.\*\*/g) ?? []).length, 2);
  assert.equal((page.match(/class="verdict held"/g) ?? []).length, 2);
  assert.deepEqual(JSON.parse(files.get('results.json') as string).verdicts, v);
  assert.match(md, /measured on this machine \(CPU × 2;/);
});
