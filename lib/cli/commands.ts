// Subcommands that are not experiments (they take their own argv and parse their own flags). Register
// one with a line `name: { summary: '…', main: (argv) => … },`; `fastgrad name …` runs it, and
// `fastgrad --help` lists it. The experiments (autoencoder, batchnorm, rnn, quadratic, all) are in main.ts.

export interface Subcommand {
  /** One line for `fastgrad --help`. */
  summary: string;
  /** Runs the subcommand with the arguments after its name; resolves to the exit code. */
  main(argv: readonly string[]): Promise<number>;
}

export const SUBCOMMANDS: Record<string, Subcommand> = {
  doctor: {
    summary: 'which backend and binary run, the SIMD level, threads, and a 1-second speed check (docs/build.md)',
    main: (argv) => (require('./doctor.js') as typeof import('./doctor.js')).doctor(argv),
  },
  run: {
    summary: 'launch N processes of a distributed training script (docs/distributed.md)',
    main: (argv) => (require('../distributed/launch.js') as typeof import('../distributed/launch.js')).launchMain(argv),
  },
};
