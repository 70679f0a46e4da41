// `fastgrad run`: the launcher (torchrun's role). Starts nprocPerNode copies of a script on this machine
// with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR and MASTER_PORT set, for
// fg.distributed.initProcessGroup() to read. On several machines, run the same command on each with
// --nnodes, --node-rank and the address of node 0. When a rank fails (non-zero exit or a signal) or the
// launcher gets Ctrl-C / SIGTERM, every other rank is stopped (SIGTERM, then SIGKILL after a grace
// period), and the launcher exits non-zero with a line naming the rank.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DEFAULT_MASTER_PORT } from './process_group.js';

export interface LaunchOptions {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  /** ms between SIGTERM and SIGKILL when stopping the ranks. */
  graceMs: number;
  script: string;
  args: string[];
}

export const LAUNCH_USAGE = `usage: fastgrad run [-n N] [--nnodes M --node-rank K] [--master-addr A] [--master-port P] script.js [args...]
  -n, --nproc-per-node N   processes on this machine (default 1)
  --nnodes M               machines (default 1); world size = N * M
  --node-rank K            this machine's index in [0, M) (default 0); ranks K*N .. K*N+N-1 run here
  --master-addr A          node 0's address (default 127.0.0.1; MASTER_ADDR)
  --master-port P          a free port on node 0 (default ${DEFAULT_MASTER_PORT}; MASTER_PORT)
  --grace-ms T             ms between SIGTERM and SIGKILL when stopping the ranks (default 5000)`;

export class LaunchUsageError extends Error {}

function int(flag: string, raw: string | undefined, lo: number, hi: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(n) || n < lo || n > hi) {
    throw new LaunchUsageError(`${flag} expects an integer in [${lo}, ${hi}] but received ${raw === undefined ? 'nothing' : `'${raw}'`}`);
  }
  return n;
}

export function parseLaunchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LaunchOptions {
  const o: LaunchOptions = {
    nprocPerNode: 1,
    nnodes: 1,
    nodeRank: 0,
    masterAddr: env.MASTER_ADDR || '127.0.0.1',
    masterPort: env.MASTER_PORT ? int('MASTER_PORT', env.MASTER_PORT, 1, 65535) : DEFAULT_MASTER_PORT,
    graceMs: 5000,
    script: '',
    args: [],
  };
  let i = 0;
  for (; i < argv.length; i++) {
    let a = argv[i];
    if (!a.startsWith('-')) break;
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    } else if (a !== '--') {
      value = argv[++i];
    }
    switch (a) {
      case '--':
        i++;
        break;
      case '-n':
      case '--nproc-per-node':
        o.nprocPerNode = int(a, value, 1, 1024);
        continue;
      case '--nnodes':
        o.nnodes = int(a, value, 1, 65536);
        continue;
      case '--node-rank':
        o.nodeRank = int(a, value, 0, 65535);
        continue;
      case '--master-addr':
        if (!value) throw new LaunchUsageError('--master-addr expects an address');
        o.masterAddr = value;
        continue;
      case '--master-port':
        o.masterPort = int(a, value, 1, 65535);
        continue;
      case '--grace-ms':
        o.graceMs = int(a, value, 0, 600_000);
        continue;
      default:
        throw new LaunchUsageError(`unknown flag ${a} for 'fastgrad run'`);
    }
    break;
  }
  if (o.nodeRank >= o.nnodes) throw new LaunchUsageError(`--node-rank (${o.nodeRank}) must be below --nnodes (${o.nnodes})`);
  if (i >= argv.length) throw new LaunchUsageError('fastgrad run needs a script to run');
  o.script = argv[i];
  o.args = argv.slice(i + 1);
  return o;
}

/** Node's arguments for a script: TypeScript through tsx (when the script ends in .ts/.mts/.cts). */
function nodeArgs(script: string): string[] {
  return /\.[cm]?ts$/.test(script) ? ['--import', 'tsx', script] : [script];
}

export interface LaunchResult {
  code: number;
  /** One line: what stopped the group (empty when every rank exited 0). */
  message: string;
}

/** Runs the ranks of this node; resolves when all have exited. */
export function launch(o: LaunchOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<LaunchResult> {
  const worldSize = o.nprocPerNode * o.nnodes;
  const script = path.resolve(o.script);
  const children: { rank: number; child: ChildProcess; exited: boolean }[] = [];
  let failure: string | null = null;
  let stopping = false;
  let killTimer: NodeJS.Timeout | null = null;

  const stopAll = (why: string) => {
    if (failure === null) failure = why;
    if (stopping) return;
    stopping = true;
    for (const c of children) if (!c.exited) c.child.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const c of children) if (!c.exited) c.child.kill('SIGKILL');
    }, o.graceMs);
  };
  const onSignal = (sig: NodeJS.Signals) => stopAll(`interrupted by ${sig}: stopped every rank`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return new Promise<LaunchResult>((resolve) => {
    let left = o.nprocPerNode;
    for (let local = 0; local < o.nprocPerNode; local++) {
      const rank = o.nodeRank * o.nprocPerNode + local;
      const env = {
        ...process.env,
        RANK: String(rank),
        WORLD_SIZE: String(worldSize),
        LOCAL_RANK: String(local),
        LOCAL_WORLD_SIZE: String(o.nprocPerNode),
        GROUP_RANK: String(o.nodeRank),
        MASTER_ADDR: o.masterAddr,
        MASTER_PORT: String(o.masterPort),
      };
      const child = spawn(process.execPath, nodeArgs(script).concat(o.args), { env, stdio: 'inherit' });
      const entry = { rank, child, exited: false };
      children.push(entry);
      child.on('error', (e) => {
        if (entry.exited) return;
        entry.exited = true;
        stopAll(`rank ${rank} could not start: ${e.message}`);
        if (--left === 0) finish();
      });
      child.on('exit', (code, signal) => {
        if (entry.exited) return;
        entry.exited = true;
        if (code !== 0 && !stopping) {
          stopAll(`rank ${rank} (pid ${child.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: stopped the other ranks`);
        }
        if (--left === 0) finish();
      });
    }
    function finish() {
      if (killTimer) clearTimeout(killTimer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (failure !== null) {
        log(`fastgrad run: ${failure}`);
        resolve({ code: failure.startsWith('interrupted') ? 130 : 1, message: failure });
      } else {
        resolve({ code: 0, message: '' });
      }
    }
  });
}

/** `fastgrad run ...` (lib/cli/main.ts dispatches here): the exit code. */
export async function launchMain(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${LAUNCH_USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  let o: LaunchOptions;
  try {
    o = parseLaunchArgs(argv);
  } catch (e) {
    if (e instanceof LaunchUsageError) {
      process.stderr.write(`fastgrad: ${e.message}\n${LAUNCH_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  return (await launch(o)).code;
}
