// One progress display per training run: a cli-progress bar on a TTY (loss, updates/s, samples/s),
// plain lines (every ~10% and at the end) when stdout is not a terminal, nothing with quiet.
import { SingleBar } from 'cli-progress';

export interface ProgressInfo {
  loss: number;
  updatesPerSec: number;
  samplesPerSec: number;
}

export interface Progress {
  start(label: string, total: number, done: number): void;
  update(done: number, info: ProgressInfo): void;
  stop(): void;
}

function fmt(v: number, digits = 4): string {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : String(v);
}

class Bar implements Progress {
  #bar: SingleBar | null = null;

  start(label: string, total: number, done: number): void {
    this.#bar = new SingleBar({
      format: `${label.padEnd(24)} |{bar}| {value}/{total} loss {loss} | {ups} upd/s | {sps} samples/s | {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
      stream: process.stdout,
    });
    this.#bar.start(total, done, { loss: '-', ups: '-', sps: '-' });
  }

  update(done: number, i: ProgressInfo): void {
    this.#bar?.update(done, { loss: fmt(i.loss), ups: fmt(i.updatesPerSec, 3), sps: fmt(i.samplesPerSec, 3) });
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}

class Lines implements Progress {
  #label = '';
  #total = 0;
  #next = 0;
  #last: [number, ProgressInfo] | null = null;

  start(label: string, total: number, done: number): void {
    this.#label = label;
    this.#total = total;
    this.#next = done + Math.max(1, Math.ceil(total / 10));
    this.#last = null;
    process.stdout.write(`${label}: ${done}/${total} updates\n`);
  }

  #line(done: number, i: ProgressInfo): void {
    process.stdout.write(`${this.#label}: ${done}/${this.#total} updates, loss ${fmt(i.loss)}, ${fmt(i.updatesPerSec, 3)} upd/s, ${fmt(i.samplesPerSec, 3)} samples/s\n`);
  }

  update(done: number, i: ProgressInfo): void {
    this.#last = [done, i];
    if (done >= this.#next && done < this.#total) {
      this.#line(done, i);
      this.#next = done + Math.max(1, Math.ceil(this.#total / 10));
    }
  }

  stop(): void {
    if (this.#last) this.#line(...this.#last);
  }
}

class Quiet implements Progress {
  start(): void {}
  update(): void {}
  stop(): void {}
}

export function makeProgress(quiet: boolean): Progress {
  if (quiet) return new Quiet();
  return process.stdout.isTTY ? new Bar() : new Lines();
}
