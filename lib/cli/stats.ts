// Statistics over seeds: mean, sample standard deviation, median, and the runs of a session grouped by
// configuration (RunDef.group) with their seeds in a fixed order.
import type { RunResult } from './run.js';

export function mean(a: readonly number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function sd(a: readonly number[]): number {
  if (a.length < 2) return 0;
  const m = mean(a);
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1));
}

export function median(a: readonly number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** A number with `digits` significant digits (no exponent below 1e5 above 1e-3). */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/** "m ± s" with the standard deviation rounded like the mean's last digit. */
export function meanSd(a: readonly number[], digits = 3): string {
  if (a.some((v) => !Number.isFinite(v))) return `${a.filter((v) => !Number.isFinite(v)).length} of ${a.length} not finite`;
  return `${fmt(mean(a), digits)} ± ${fmt(sd(a), 2)}`;
}

/** Runs grouped by configuration, in first-appearance order; each group's runs sorted by seed. */
export function groups(runs: readonly RunResult[]): Map<string, RunResult[]> {
  const g = new Map<string, RunResult[]>();
  for (const r of runs) {
    const list = g.get(r.group) ?? [];
    list.push(r);
    g.set(r.group, list);
  }
  for (const list of g.values()) list.sort((a, b) => a.seed - b.seed);
  return g;
}
