// fit's progress display: a cli-progress bar per epoch (loss, metrics, samples/s) when the output is a
// terminal; nothing otherwise (verbose 'auto'), unless verbose is 2: one line per epoch.
import { SingleBar } from 'cli-progress';

export type Verbose = 'auto' | 0 | 1 | 2;

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v);
}

function describeLogs(logs: Record<string, number>): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(' | ');
}

export class EpochProgress {
  #bar: SingleBar | null = null;
  readonly #mode: 0 | 1 | 2;
  readonly #stream: ProgressStream;

  constructor(verbose: Verbose, stream: ProgressStream) {
    this.#stream = stream;
    this.#mode = verbose === 'auto' ? (stream.isTTY ? 1 : 0) : verbose;
  }

  start(epoch: number, epochs: number, total: number, done: number): void {
    if (this.#mode !== 1) return;
    this.#bar = new SingleBar({
      format: `Epoch ${epoch + 1}/${epochs} |{bar}| {value}/{total} | {logs} | {sps} samples/s | ETA {eta_formatted}`,
      barsize: 20,
      hideCursor: true,
      stream: this.#stream as NodeJS.WritableStream,
      noTTYOutput: !this.#stream.isTTY,
      notTTYSchedule: 1000,
    });
    this.#bar.start(Math.max(total, done), done, { logs: '-', sps: '-' });
  }

  update(done: number, logs: Record<string, number>, samplesPerSec: number): void {
    this.#bar?.update(done, { logs: describeLogs(logs), sps: fmt(samplesPerSec) });
  }

  end(epoch: number, epochs: number, logs: Record<string, number>, samplesPerSec: number): void {
    if (this.#bar) {
      this.#bar.update({ logs: describeLogs(logs), sps: fmt(samplesPerSec) });
      this.#bar.stop();
      this.#bar = null;
    } else if (this.#mode === 2) {
      this.#stream.write(`Epoch ${epoch + 1}/${epochs}: ${describeLogs(logs)} | ${fmt(samplesPerSec)} samples/s\n`);
    }
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}
