// A small SVG line chart: axes with "nice" ticks, several series with a legend, optional log-scale y,
// a shaded band around each series (the spread over seeds) and labelled ticks where the series end.
// Pure string building (no DOM, no browser, no dependency); the output is a standalone .svg file that
// can also be inlined in HTML.

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** A band drawn under the line from lo to hi (e.g. the minimum and maximum over seeds). */
  lo?: readonly number[];
  hi?: readonly number[];
  /** Dashed line. */
  dashed?: boolean;
  /** Index into the palette (default: the series' position). */
  color?: number;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Logarithmic y axis (non-positive values are dropped). */
  logY?: boolean;
  /** Label each series' last value with a tick on the right edge of the plot. */
  endTicks?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

function colorOf(s: Series, k: number): string {
  return COLORS[(s.color ?? k) % COLORS.length];
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi] (steps 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9), last = Math.floor(hi / step + 1e-9);
  for (let k = first; k <= last; k++) ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return ticks;
}

/**
 * Ticks of a log axis over [lo, hi] (both > 0): powers of ten, with 2 and 5 when the range is short,
 * and the ends of the range themselves (the chart widens them to 1-2-5 values).
 */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
  const mult = b - a <= 2 ? [1, 2, 5] : [1];
  const out = new Set<number>([lo, hi]);
  for (let e = a; e <= b; e++) for (const m of mult) {
    const v = Number((m * 10 ** e).toPrecision(12));
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.add(v);
  }
  return [...out].sort((x, y) => x - y);
}

const STEPS = [1, 2, 5];

/** The largest 1, 2 or 5 × 10^k not above v (v > 0). */
export function logFloor(v: number): number {
  const e = Math.floor(Math.log10(v));
  for (let i = STEPS.length - 1; i >= 0; i--) if (STEPS[i] * 10 ** e <= v * (1 + 1e-12)) return Number((STEPS[i] * 10 ** e).toPrecision(12));
  return 10 ** e;
}

/** The smallest 1, 2 or 5 × 10^k not below v (v > 0). */
export function logCeil(v: number): number {
  const e = Math.floor(Math.log10(v));
  for (const m of [...STEPS, 10]) if (m * 10 ** e >= v * (1 - 1e-12)) return Number((m * 10 ** e).toPrecision(12));
  return 10 ** (e + 1);
}

function lastKept(s: Series, keep: (y: number) => boolean): number | undefined {
  for (let i = s.y.length - 1; i >= 0; i--) if (Number.isFinite(s.x[i]) && keep(s.y[i])) return s.y[i];
  return undefined;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

/** The chart as a standalone SVG document. */
export function lineChart(o: ChartOptions): string {
  const legendRows = o.series.length;
  // The legend sits right of the plot, never over the data; its width follows the longest name (~7.2 px a character at 12 px).
  const legendW = legendRows ? Math.ceil(44 + Math.max(...o.series.map((s) => s.name.length)) * 7.2) : 0;
  const W = (o.width ?? 640) + legendW + (o.endTicks ? 32 : 0), H = o.height ?? 400;
  const m = { left: 70, right: 20 + legendW + (o.endTicks ? 32 : 0), top: 40, bottom: 50 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const keep = (y: number) => Number.isFinite(y) && (!o.logY || y > 0);
  const xs: number[] = [], ys: number[] = [];
  for (const s of o.series) s.x.forEach((x, i) => {
    if (!Number.isFinite(x)) return;
    for (const y of [s.y[i], s.lo?.[i], s.hi?.[i]]) {
      if (y !== undefined && keep(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  });
  let x0 = xs.length ? Math.min(...xs) : 0, x1 = xs.length ? Math.max(...xs) : 1;
  let y0 = ys.length ? Math.min(...ys) : 0, y1 = ys.length ? Math.max(...ys) : 1;
  if (x1 === x0) x1 = x0 + 1;
  if (o.logY) {
    if (y1 === y0) [y0, y1] = [y0 / 2, y1 * 2];
    // Widen to the 1-2-5 values around the data, so a tick lies below the lowest and above the highest value.
    [y0, y1] = [logFloor(y0), logCeil(y1)];
  } else {
    if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
    const pad = (y1 - y0) * 0.05;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const ty = (y: number) => (o.logY ? Math.log10(y) : y);
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const py = (y: number) => m.top + ph - ((ty(y) - ty(y0)) / (ty(y1) - ty(y0))) * ph;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`);
  const xt = niceTicks(x0, x1), yt = o.logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const t of xt) {
    out.push(`<line x1="${f(px(t))}" y1="${m.top}" x2="${f(px(t))}" y2="${m.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${f(px(t))}" y="${m.top + ph + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  let lastLabel = Infinity;
  for (const t of yt) {
    out.push(`<line x1="${m.left}" y1="${f(py(t))}" x2="${m.left + pw}" y2="${f(py(t))}" stroke="#eee"/>`);
    // Labels closer than 12 px to the previous one are left out (a widened end next to a power of ten).
    if (Math.abs(py(t) - lastLabel) < 12) continue;
    lastLabel = py(t);
    out.push(`<text x="${m.left - 6}" y="${f(py(t) + 4)}" text-anchor="end">${formatTick(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}${o.logY ? ' (log)' : ''}</text>`);
  o.series.forEach((s, k) => {
    if (!s.lo || !s.hi) return;
    const lo = s.lo, hi = s.hi;
    const top: string[] = [], bottom: string[] = [];
    s.x.forEach((x, i) => {
      if (Number.isFinite(x) && keep(lo[i]) && keep(hi[i])) {
        top.push(`${f(px(x))},${f(py(hi[i]))}`);
        bottom.unshift(`${f(px(x))},${f(py(lo[i]))}`);
      }
    });
    if (top.length > 1) out.push(`<polygon fill="${colorOf(s, k)}" fill-opacity="0.18" stroke="none" points="${[...top, ...bottom].join(' ')}"/>`);
  });
  o.series.forEach((s, k) => {
    const color = colorOf(s, k);
    const pts: string[] = [];
    s.x.forEach((x, i) => {
      if (Number.isFinite(x) && keep(s.y[i])) pts.push(`${f(px(x))},${f(py(s.y[i]))}`);
    });
    if (pts.length === 1) out.push(`<circle cx="${pts[0].split(',')[0]}" cy="${pts[0].split(',')[1]}" r="2.5" fill="${color}"/>`);
    else if (pts.length) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${pts.join(' ')}"/>`);
  });
  if (o.endTicks) {
    // The last value of each series, as a tick on the right edge; labels pushed apart to stay readable.
    const ends = o.series
      .map((s, k) => ({ k, y: lastKept(s, keep) }))
      .filter((e): e is { k: number; y: number } => e.y !== undefined)
      .map((e) => ({ ...e, py: py(e.y), ly: py(e.y) }))
      .sort((a, b) => a.py - b.py);
    for (let i = 1; i < ends.length; i++) ends[i].ly = Math.max(ends[i].ly, ends[i - 1].ly + 13);
    for (const e of ends) {
      const color = colorOf(o.series[e.k], e.k);
      out.push(`<line x1="${m.left + pw}" y1="${f(e.py)}" x2="${m.left + pw + 5}" y2="${f(e.py)}" stroke="${color}" stroke-width="2"/>`);
      out.push(`<text x="${m.left + pw + 7}" y="${f(e.ly + 4)}" fill="${color}" font-size="11">${formatTick(Number(e.y.toPrecision(3)))}</text>`);
    }
  }
  const lx = m.left + pw + (o.endTicks ? 52 : 20), ly = m.top + 8;
  if (legendRows) out.push(`<rect x="${lx - 6}" y="${ly - 4}" width="${legendW - 10}" height="${legendRows * 16 + 6}" fill="white" stroke="#ccc"/>`);
  o.series.forEach((s, k) => {
    const y = ly + k * 16 + 8;
    out.push(`<line x1="${lx}" y1="${y}" x2="${lx + 20}" y2="${y}" stroke="${colorOf(s, k)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${lx + 26}" y="${y + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
