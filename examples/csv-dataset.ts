// A worker dataset (see docs/data.md): the default export (args) => Dataset runs in every DataLoader
// worker (and once on the main thread, for the length). It reads a CSV file of four measurements and
// a species name per row, standardizes the columns, and keeps the rows of one split: every fifth row
// is validation. Training samples get a little Gaussian noise from the sample's own generator
// (ctx.generator), so the batches are the same whatever the number of workers.
import * as fs from 'node:fs';
import type { MapDataset, SampleContext } from '../lib/data/index.js';

export interface CsvArgs {
  path: string;
  split: 'train' | 'val';
  /** Standard deviation of the augmentation noise on standardized features (train only; default 0.05). */
  noise?: number;
}

export const SPECIES = ['setosa', 'versicolor', 'virginica'];

export default function csvDataset(args: CsvArgs): MapDataset<[Float32Array, number]> {
  const [header, ...lines] = fs.readFileSync(args.path, 'utf8').trim().split('\n');
  const columns = header.split(',').length - 1;
  const all = lines.map((line, row) => {
    const cells = line.split(',');
    const label = SPECIES.indexOf(cells[columns]);
    if (label < 0) throw new Error(`${args.path}:${row + 2}: unknown species '${cells[columns]}'`);
    return { x: cells.slice(0, columns).map(Number), label };
  });
  // standardize with the statistics of all rows
  const mean = new Array(columns).fill(0), std = new Array(columns).fill(0);
  for (const r of all) r.x.forEach((v, k) => (mean[k] += v / all.length));
  for (const r of all) r.x.forEach((v, k) => (std[k] += (v - mean[k]) ** 2 / all.length));
  const rows = all.filter((_, i) => (i % 5 === 4) === (args.split === 'val'));
  const noise = args.split === 'train' ? (args.noise ?? 0.05) : 0;
  return {
    length: rows.length,
    get(i: number, ctx?: SampleContext): [Float32Array, number] {
      const { x, label } = rows[i];
      const out = Float32Array.from(x, (v, k) => (v - mean[k]) / Math.sqrt(std[k]));
      if (noise > 0 && ctx) {
        const e = ctx.generator.normal(new Float32Array(columns), 0, noise);
        for (let k = 0; k < columns; k++) out[k] += e[k];
      }
      return [out, label];
    },
  };
}
