import { MAX_FLOOD_MAILBOXES } from './mailboxes';

/**
 * The options of `npm run bench` (bench/run.ts), parsed apart from the run so the unit tests can
 * check them (test/unit/bench-options.test.ts). Defaults are chosen so the whole run, both
 * profiles, ends in under 15 minutes on an idle 2-core machine (bench/README.md).
 */

/** Parts of the run `--only` selects; `--scale-out-only` is kept as the older spelling of `--only scaleout`. */
export const BENCH_PARTS = ['cold', 'delivery', 'memory', 'fairness', 'directory', 'dirsync', 'scaleout'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface BenchOptions {
  profiles: string;
  messages: number;
  azureMessages: number;
  /** Delivery variants run this many times, interleaved; the fastest round of each is reported (the `azure` profile: 1). */
  rounds: number;
  /** Fairness: orgs that flood (each its own sender and mailbox), messages each enqueues, the per-mailbox rate. */
  floodOrgs: number;
  flood: number;
  ratePerMinute: number;
  /** Fairness: messages the quiet org sends once the floods are queued. */
  quiet: number;
  /** Memory: messages of the worker-process run under `azure` (the 200 MB target's figure); `zero` uses `messages`. */
  memoryMessages: number;
  /** Users of the directory benchmark's tenant (6); `--users 10000` gives the 10k figure. */
  users: number;
  /** The resumable sync's first sync (`dirsync`): users and groups of the grown directory (the 10,000 / 1,000). */
  dirsyncUsers: number;
  dirsyncGroups: number;
  /** Scale-out (bench/scaleOut.ts): mailboxes its delivery part spreads over (one org each), and its message counts. */
  scaleMailboxes: number;
  scaleMessages: number;
  scaleFlood: number;
  /**
   * With `--baseline`: the delivery part runs this many times per tree, alternating, and each of its
   * compared figures is the median of the repetitions (bench/comparison.ts, REPEATED): the Storage
   * counts include polls that follow the run's wall time, and app-code CPU is a sampled share, so one
   * repetition's figure moves by more than the trees differ.
   */
  repeats: number;
  /** Undefined: every part. */
  only?: BenchPart[];
  /**
   * A git revision (e.g. `30161ab`) to measure beside this tree: its own bench runs the compared
   * parts with the same options in a temporary worktree, alternating with this one (bench/baseline.ts).
   */
  baseline?: string;
}

export const BENCH_DEFAULTS: BenchOptions = {
  profiles: 'both',
  messages: 400,
  azureMessages: 200,
  rounds: 1,
  floodOrgs: 10,
  // Not the 1,000 per org: the API takes ~20 messages/s on this 2-core machine while the
  // worker sends beside it, so 10 x 1,000 would take ~8 minutes per profile, over the whole 15-minute
  // budget; and Azurite's queue receive scans every hidden message (bench/README.md, fairness).
  flood: 100,
  ratePerMinute: 300,
  quiet: 10,
  memoryMessages: 2000,
  users: 2000,
  dirsyncUsers: 10_000,
  dirsyncGroups: 1000,
  scaleMailboxes: MAX_FLOOD_MAILBOXES,
  // 20 per mailbox: at 5 (100 messages) each of 3 fresh host processes spends most of its share in
  // code V8 has not compiled yet, so the ratio measured start-up rather than throughput.
  scaleMessages: 400,
  scaleFlood: 60,
  repeats: 1,
};

const NUMERIC = {
  messages: 'messages',
  'azure-messages': 'azureMessages',
  rounds: 'rounds',
  'flood-orgs': 'floodOrgs',
  flood: 'flood',
  rate: 'ratePerMinute',
  quiet: 'quiet',
  'memory-messages': 'memoryMessages',
  users: 'users',
  'dirsync-users': 'dirsyncUsers',
  'dirsync-groups': 'dirsyncGroups',
  'scale-mailboxes': 'scaleMailboxes',
  'scale-messages': 'scaleMessages',
  'scale-flood': 'scaleFlood',
  repeats: 'repeats',
} as const;
type NumericKey = (typeof NUMERIC)[keyof typeof NUMERIC];

/** Upper bounds besides the general 20,000; the rate's is MICROSOFT_MAILBOX_RATE_PER_MINUTE's (shared/config.ts). */
const MAX: Partial<Record<NumericKey, number>> = {
  ratePerMinute: 10_000,
  rounds: 5,
  repeats: 5,
  floodOrgs: MAX_FLOOD_MAILBOXES,
  scaleMailboxes: MAX_FLOOD_MAILBOXES,
};

export const BENCH_USAGE =
  'usage: npm run bench -- [--profile zero|azure|both] [--messages N] [--azure-messages N] [--rounds N (max 5)] ' +
  `[--flood-orgs N (max ${MAX_FLOOD_MAILBOXES})] [--flood N] [--rate PER_MINUTE (max 10000)] [--quiet N] [--memory-messages N] [--users N] [--dirsync-users N] [--dirsync-groups N] ` +
  `[--scale-mailboxes N (max ${MAX_FLOOD_MAILBOXES})] [--scale-messages N] [--scale-flood N] ` +
  `[--only ${BENCH_PARTS.join('|')}[,...]] [--scale-out-only] [--baseline GIT_REVISION] [--repeats N (max 5)] (whole numbers 1-20000)`;

/** A commit or ref name; never starting with `-`, so git cannot read it as an option. */
const GIT_REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

/** The parts a `--baseline` run measures on both trees (the acceptance figures); the others run on this tree only. */
export const COMPARED_PARTS = ['delivery', 'memory', 'fairness'] as const satisfies readonly BenchPart[];
export type ComparedPart = (typeof COMPARED_PARTS)[number];

function parseOnly(value: string | undefined): BenchPart[] {
  const parts = (value ?? '').split(',');
  if (!parts.every((p): p is BenchPart => (BENCH_PARTS as readonly string[]).includes(p)))
    throw new Error(`${BENCH_USAGE}; got --only ${value}`);
  return parts;
}

export function parseBenchOptions(args: readonly string[], parseProfile: (value: string) => unknown): BenchOptions {
  const options: BenchOptions = { ...BENCH_DEFAULTS };
  const only = new Set<BenchPart>();
  for (let i = 0; i < args.length; i++) {
    const name = args[i].replace(/^--/, '');
    if (name === 'scale-out-only') {
      only.add('scaleout');
      continue;
    }
    const raw = args[++i];
    if (name === 'only') {
      for (const part of parseOnly(raw)) only.add(part);
      continue;
    }
    if (name === 'baseline') {
      if (!GIT_REVISION.test(raw ?? '')) throw new Error(`${BENCH_USAGE}; got --baseline ${raw}`);
      options.baseline = raw;
      continue;
    }
    if (name === 'profile') {
      parseProfile(raw ?? '');
      options.profiles = raw;
      continue;
    }
    const key = NUMERIC[name as keyof typeof NUMERIC];
    const value = Number(raw);
    if (!key || !Number.isInteger(value) || value < 1 || value > (MAX[key] ?? 20_000))
      throw new Error(`${BENCH_USAGE}; got ${args[i - 1]} ${raw}`);
    options[key] = value;
  }
  return only.size ? { ...options, only: BENCH_PARTS.filter((p) => only.has(p)) } : options;
}

/**
 * The arguments of the baseline's own `dist/bench/run.js` for one compared part under one profile:
 * the same sizes as this run, so both trees measure the same work.
 */
export function baselineArgs(options: BenchOptions, part: ComparedPart, profile: string): string[] {
  const sizes = (['messages', 'azure-messages', 'rounds', 'flood-orgs', 'flood', 'rate', 'quiet', 'memory-messages'] as const).flatMap(
    (flag) => [`--${flag}`, String(options[NUMERIC[flag]])],
  );
  return ['--only', part, '--profile', profile, ...sizes];
}

/** Does this run include `part`? */
export const includes = (options: BenchOptions, part: BenchPart) => !options.only || options.only.includes(part);
