// `npm run bench` (all suites), `npm run bench -- --quick`, `npm run bench -- --only <suite>`,
// `npm run bench -- --loaded` (every suite while a child process keeps one core busy: bench/harness.ts).
// Measures the machine first (bandwidth with copy/triad kernels in the addon, FMA peak per SIMD level),
// then runs every bench/suites/*.ts (each exports `suite: BenchSuite`), prints one markdown table per
// suite and writes bench/results/<timestamp>.json and bench/results/latest.json. See docs/bench.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fg from '../lib/index.js';
import { allKernels } from '../lib/backend/select.js';
import { loadAverage, startSpinner, type BenchContext, type BenchRow, type BenchSuite } from './harness.js';
import { torchBlasLine } from './anchor.js';
import { machineFacts, measureBandwidth, measureFmaPeaks, probe, type BandwidthFigures, type FmaFigures, type MachineFacts } from './machine.js';

interface Options {
  quick: boolean;
  only: string | null;
  threads: number | null;
  json: boolean;
  loaded: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, only: null, threads: null, json: true, loaded: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--no-json') o.json = false;
    else if (a === '--loaded') o.loaded = true;
    else if (a === '--only' || a === '--threads') {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`Expected a value after ${a}`);
      if (a === '--only') o.only = v;
      else {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new RangeError(`Expected a positive integer for --threads but received ${v}`);
        o.threads = n;
      }
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--quick] [--only <suite>] [--threads <n>] [--loaded] [--no-json]');
      process.exit(0);
    } else throw new RangeError(`Unknown option ${a} (try --help)`);
  }
  return o;
}

const suitesDir = path.join(__dirname, 'suites');
const resultsDir = path.join(__dirname, 'results');

/** Every bench/suites/*.ts, sorted by file name. */
export function suiteFiles(): string[] {
  if (!fs.existsSync(suitesDir)) return [];
  return fs
    .readdirSync(suitesDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => path.join(suitesDir, f));
}

export async function loadSuite(file: string): Promise<BenchSuite> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { suite?: BenchSuite; default?: { suite?: BenchSuite } };
  const s = mod.suite ?? mod.default?.suite;
  if (!s || typeof s.name !== 'string' || typeof s.run !== 'function') throw new TypeError(`${path.relative(process.cwd(), file)} does not export \`suite: BenchSuite\``);
  return s;
}

/** Fills what a suite left out: ns/element, % of bandwidth and peak, speedup of each row vs the TypeScript row of the same case and size. */
export function complete(rows: BenchRow[], ctx: BenchContext): BenchRow[] {
  const jsMs = new Map<string, number>();
  for (const r of rows) if (r.backend === 'js') jsMs.set(`${r.case}|${r.size}`, r.medianMs);
  return rows.map((r) => {
    const out: BenchRow = { ...r };
    if (out.nsPerElement === undefined && typeof r.size === 'number' && r.size > 0) out.nsPerElement = (r.medianMs * 1e6) / r.size;
    if (out.gbPerS !== undefined && out.pctBandwidth === undefined && ctx.bandwidthGBs > 0) out.pctBandwidth = (100 * out.gbPerS) / ctx.bandwidthGBs;
    if (out.gflops !== undefined && out.pctPeak === undefined && ctx.fmaPeakGFlops > 0) out.pctPeak = (100 * out.gflops) / ctx.fmaPeakGFlops;
    const js = jsMs.get(`${r.case}|${r.size}`);
    if (out.speedupVsJs === undefined && js !== undefined && r.medianMs > 0) out.speedupVsJs = js / r.medianMs;
    return out;
  });
}

function fmt(v: number | undefined, digits: number): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  return v.toPrecision(digits);
}

function sizeText(s: number | string): string {
  if (typeof s !== 'number') return s;
  if (s >= 1000 && Math.log10(s) % 1 === 0) return `1e${Math.log10(s)}`;
  return String(s);
}

export function markdownTable(name: string, rows: BenchRow[]): string {
  const head = ['case', 'backend', 'size', 'median ms', 'ns/elem', 'GB/s', '% bw', 'GFLOP/s', '% peak', 'vs TS', 'note'];
  const lines = [`### ${name}`, '', `| ${head.join(' | ')} |`, `|${head.map((h, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.case,
        r.backend,
        sizeText(r.size),
        fmt(r.medianMs, 3),
        fmt(r.nsPerElement, 3),
        fmt(r.gbPerS, 3),
        r.pctBandwidth === undefined ? '' : `${r.pctBandwidth.toFixed(0)}%`,
        fmt(r.gflops, 3),
        r.pctPeak === undefined ? '' : `${r.pctPeak.toFixed(1)}%`,
        r.speedupVsJs === undefined ? '' : `${r.speedupVsJs.toFixed(2)}x`,
        r.note ?? '',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

function machineText(m: MachineFacts, bw: BandwidthFigures | null, fma: FmaFigures | null): string {
  const lines = [
    '## Machine',
    '',
    `- CPU: ${m.cpu}; ${m.cores} cores; last-level cache ${m.llcBytes ? `${(m.llcBytes / (1 << 20)).toFixed(0)} MiB` : 'unknown'}; Node ${m.node}`,
    `- backend: ${m.backend}; SIMD level: ${m.simd} (available: ${m.simdLevels.join(', ') || 'none'}); threads: ${m.threads}; OpenMP: ${m.openmp ? 'yes' : 'no'}; parallel threshold: ${m.parallelMinWork} elements`,
  ];
  if (bw)
    lines.push(
      `- memory bandwidth (${m.threads} threads, 3 x ${(bw.arrayBytes / (1 << 20)).toFixed(0)} MiB, median of ${bw.reps}; best): copy ${bw.copyGBs.toFixed(1)} GB/s (${bw.copyBestGBs.toFixed(1)}), triad ${bw.triadGBs.toFixed(1)} GB/s (${bw.triadBestGBs.toFixed(1)}); % bw below is of the triad median`,
    );
  else lines.push('- memory bandwidth: not measured (no native addon with probe functions); % bw uses FG_BW_GBS or 35 GB/s');
  if (fma)
    lines.push(
      `- FMA peak (${m.threads} threads): ${Object.entries(fma.byLevel)
        .map(([l, g]) => `${l} ${g.toFixed(1)} GFLOP/s`)
        .join(', ')}`,
    );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.threads !== null) fg.setNumThreads(opts.threads);
  const files = suiteFiles();
  const suites: BenchSuite[] = [];
  for (const f of files) suites.push(await loadSuite(f));
  const chosen = opts.only === null ? suites : suites.filter((s) => s.name === opts.only || path.basename(files[suites.indexOf(s)], '.ts') === opts.only);
  if (opts.only !== null && chosen.length === 0) throw new RangeError(`No suite named '${opts.only}' (have: ${suites.map((s) => s.name).join(', ') || 'none'})`);

  const stopSpinner = opts.loaded ? startSpinner() : () => {};
  try {
    await measureAndRun(opts, chosen);
  } finally {
    stopSpinner();
  }
}

async function measureAndRun(opts: Options, chosen: BenchSuite[]): Promise<void> {
  const facts = machineFacts();
  const p = probe();
  const bw = p ? measureBandwidth(p, { quick: opts.quick, llcBytes: facts.llcBytes }) : null;
  const fma = p ? measureFmaPeaks(p, { quick: opts.quick }) : null;
  console.log(machineText(facts, bw, fma));
  console.log(torchBlasLine());
  console.log(`- ${opts.loaded ? 'loaded: a child process spins on one core throughout' : 'quiet (no spinner of its own)'}; load average at start ${loadAverage().toFixed(2)}`);

  const { js, native } = allKernels();
  const ctx: BenchContext = {
    native,
    js,
    bandwidthGBs: bw ? bw.triadGBs : Number(process.env.FG_BW_GBS ?? 35),
    fmaPeakGFlops: fma ? fma.current : Number(process.env.FG_PEAK_GFLOPS ?? 234),
    threads: facts.threads,
    quick: opts.quick,
  };
  const results: Record<string, BenchRow[]> = {};
  for (const s of chosen) {
    const t0 = Date.now();
    const rows = complete(await s.run(ctx), ctx);
    results[s.name] = rows;
    console.log(`\n${markdownTable(s.name, rows)}\n\n(${s.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  if (chosen.length === 0) console.log('\n(no suites under bench/suites)');

  if (opts.json) {
    const doc = { at: new Date().toISOString(), quick: opts.quick, loaded: opts.loaded, loadAverage: loadAverage(), machine: facts, bandwidth: bw, fmaPeak: fma, context: { bandwidthGBs: ctx.bandwidthGBs, fmaPeakGFlops: ctx.fmaPeakGFlops, threads: ctx.threads }, suites: results };
    fs.mkdirSync(resultsDir, { recursive: true });
    const stamp = doc.at.replace(/[:.]/g, '-');
    const file = path.join(resultsDir, `${stamp}${opts.only ? `-${opts.only}` : ''}.json`);
    fs.writeFileSync(file, JSON.stringify(doc, null, 2));
    fs.writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(doc, null, 2));
    console.log(`\nwrote ${path.relative(process.cwd(), file)} and bench/results/latest.json`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
