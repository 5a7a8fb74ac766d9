/**
 * `npm run bench`: the benchmarks of bench/README.md, measured side by side in one run (the
 * machine is noisy: compare ratios, not absolute numbers), under each latency profile
 * (bench/profiles.ts). Prints the Markdown for bench/README.md and writes every figure as JSON to
 * bench/results/<date>.json, one file per run, for comparisons between runs.
 *
 *   npm run bench                                   # both profiles, default sizes (bench/options.ts)
 *   npm run bench -- --profile zero                 # one profile
 *   npm run bench -- --only fairness --flood 100    # one part, smaller
 *   npm run bench -- --only cold                    # the cold-start section alone (no stack started)
 *   npm run bench -- --only directory --users 10000 # the directory's 10k figure
 *   npm run bench -- --only dirsync                 # a 10,000-user, 1,000-group first sync through the queue
 *
 * Default sizes (bench/options.ts) keep the whole run under 15 minutes on an idle 2-core machine:
 * the `zero` profile delivers --messages per variant, `azure` --azure-messages (every send waits
 * ~250 ms there, and the naive worker ~0.9 s per message at 4 concurrent) and profiles CPU over
 * 100; the memory run, a separate worker process, takes --memory-messages under `azure` (the
 * issue's 2,000) and --messages under `zero`; the fairness floods are --flood-orgs x --flood.
 *
 * This process starts the stack (Azurite behind a counting, delaying proxy; the sandbox) and runs
 * each benchmark in a child process (`child.ts`), which is what measures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { BaselineTree, checkOutBaseline, removeOnSignal } from './baseline';
import { comparisonRows, comparisonTable, REPEATED } from './comparison';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchColdStart } from './coldStart';
import type { DeliveryOptions, DeliveryResult, DeliveryVariant } from './delivery';
import type { DirectoryBenchResult } from './directory';
import type { DirsyncBenchResult } from './dirsync';
import type { FairnessResult } from './fairness';
import type { MemoryResult } from './memory';
import { baselineArgs, BenchOptions, COMPARED_PARTS, ComparedPart, includes, parseBenchOptions } from './options';
import { LatencyProfile, parseProfiles, PROFILES } from './profiles';
import { benchReport, BenchFigures, coldStartSection, profileTableOf } from './report';
import type { Measured, ProfileFigures, RepeatedFigure } from './figures';
import { runScaleOut, scaleOutSizes } from './scaleOut';
import { BenchStack, CHILD_FLAG } from './stack';
import type { TypedClientResult } from './typedClient';

type Step = (what: string) => void;

/** The `azure` profile's CPU-profile run (benchmark 3). */
const AZURE_CPU_PROFILE_MESSAGES = 100;

async function benchProfile(stack: BenchStack, profile: LatencyProfile, options: BenchOptions, step: Step): Promise<ProfileFigures> {
  const messages = profile.name === 'zero' ? options.messages : options.azureMessages;
  const rounds = profile.name === 'zero' ? options.rounds : 1;
  const figures: ProfileFigures = { profile: profile.name, rounds };
  const delivery = (task: Omit<DeliveryOptions, 'profile'>) =>
    stack.run<DeliveryResult>({ kind: 'delivery', options: { ...task, profile } }, profile.storageMs);
  if (includes(options, 'delivery')) {
    // Noise on a shared machine only ever slows a run down: interleave the variants and keep each
    // one's fastest round (its CPU, memory and call counts come with it).
    const best = {} as Record<DeliveryVariant, Measured<DeliveryResult>>;
    for (let round = 1; round <= rounds; round++) {
      for (const variant of ['floor', 'naive', 'pipeline'] as const) {
        step(`[${profile.name}] 1, 2, 5. delivery: ${variant}, ${messages} messages (round ${round} of ${rounds})`);
        const measured = await delivery({ variant, messages });
        if (!best[variant] || measured.result.usage.wallMs < best[variant].result.usage.wallMs) best[variant] = measured;
      }
    }
    figures.delivery = best;
    step(`[${profile.name}] 1b. typed-client path, ${messages} messages`);
    figures.typed = await typedClientRun(stack, profile, messages, process.cwd());
    // Under `azure` the worker waits on latency, so a profile of fewer messages shows the same code.
    const profiled = profile.name === 'zero' ? messages : Math.min(messages, AZURE_CPU_PROFILE_MESSAGES);
    step(`[${profile.name}] 3. CPU profile of the pipeline worker, ${profiled} messages`);
    figures.cpuProfiled = await delivery({ variant: 'pipeline', messages: profiled, cpuProfile: true });
  }
  if (includes(options, 'memory')) {
    // The 2,000 under `azure` (the target's profile); `zero` at the delivery size, to fit the 15 minutes.
    const memoryMessages = profile.name === 'azure' ? options.memoryMessages : options.messages;
    step(`[${profile.name}] 2, 5. worker process: ${memoryMessages} messages of one sender (peak RSS, token and Key Vault requests)`);
    figures.memory = await stack.run<MemoryResult>({ kind: 'memory', options: { messages: memoryMessages, profile } }, profile.storageMs);
  }
  if (includes(options, 'fairness')) {
    const { floodOrgs, flood, ratePerMinute, quiet } = options;
    step(`[${profile.name}] 4. fairness: ${floodOrgs} orgs flood ${flood} each at ${ratePerMinute}/min, then ${quiet}`);
    figures.fairness = await stack.run<FairnessResult>(
      { kind: 'fairness', options: { floodOrgs, flood, ratePerMinute, quiet, profile } },
      profile.storageMs,
    );
  }
  return figures;
}

const typedClientRun = (stack: BenchStack, profile: LatencyProfile, messages: number, appDir: string) =>
  stack.run<TypedClientResult>({ kind: 'typed', options: { appDir, messages, profile } }, profile.storageMs);

/**
 * One profile on both trees: each compared part on the baseline (its own bench, its own stack),
 * then on this tree, or the other way round, alternating part by part so that load on the
 * machine falls on both alike. The typed-client path of both runs on this tree's stack.
 */
async function compareProfile(
  stack: BenchStack,
  tree: BaselineTree,
  profile: LatencyProfile,
  options: BenchOptions,
  step: Step,
  turn: number,
): Promise<{ now: ProfileFigures; baseline: ProfileFigures }> {
  const both: Compared = { now: { profile: profile.name, rounds: 1 }, baseline: { profile: profile.name, rounds: 1 } };
  const runs: Record<'now' | 'baseline', Runs> = { now: {}, baseline: {} };
  const parts = COMPARED_PARTS.filter((part) => includes(options, part));
  for (const [i, part] of parts.entries()) {
    // Each repetition replaces the figures of the one before; the repeated figures keep every repetition's value.
    const repeats = part === 'delivery' ? options.repeats : 1;
    for (let repeat = 0; repeat < repeats; repeat++) {
      await comparePart({ stack, tree, profile, options, step }, part, turn + i + repeat, both);
      if (part === 'delivery') for (const side of ['now', 'baseline'] as const) keepRepetition(runs[side], both[side]);
    }
  }
  if (options.repeats > 1 && includes(options, 'delivery')) {
    both.now.runs = runs.now;
    both.baseline.runs = runs.baseline;
  }
  return both;
}

type Runs = NonNullable<ProfileFigures['runs']>;

/** Adds one repetition's repeated figures to `runs`; a figure it lacks adds nothing rather than a NaN the median would sort anywhere. */
function keepRepetition(runs: Runs, figures: ProfileFigures): void {
  for (const [key, value] of Object.entries(REPEATED) as Array<[RepeatedFigure, (f: ProfileFigures) => number | undefined]>) {
    const figure = value(figures);
    if (figure !== undefined) (runs[key] ??= []).push(figure);
  }
}

interface Compared {
  now: ProfileFigures;
  baseline: ProfileFigures;
}

interface Comparing {
  stack: BenchStack;
  tree: BaselineTree;
  profile: LatencyProfile;
  options: BenchOptions;
  step: Step;
}

/** One compared part on both trees, the order alternating with `turn`; their figures go into `both`. */
async function comparePart(c: Comparing, part: ComparedPart, turn: number, both: Compared): Promise<void> {
  const { stack, tree, profile, options, step } = c;
  const here = async () => Object.assign(both.now, await benchProfile(stack, profile, { ...options, only: [part] }, step));
  const there = async () => {
    step(`[${profile.name}] baseline ${tree.revision}: ${part}`);
    const theirs = await tree.run(baselineArgs(options, part, profile.name), (line) => step(`   baseline ${line}`));
    Object.assign(
      both.baseline,
      theirs.profiles.find((f) => f.profile === profile.name),
    );
    if (part !== 'delivery') return;
    step(`[${profile.name}] baseline ${tree.revision}: 1b. typed-client path`);
    const messages = profile.name === 'zero' ? options.messages : options.azureMessages;
    both.baseline.typed = await typedClientRun(stack, profile, messages, tree.dir);
  };
  for (const run of turn % 2 === 0 ? [there, here] : [here, there]) await run();
}

/** With `--baseline`: the side-by-side table, then the baseline's own figures in this run's rows (this tree's follow). */
function baselineSections({ baseline, comparison, loadAverage }: BenchFigures): string {
  if (!baseline || !comparison) return '';
  const label = `${baseline.revision}`;
  return (
    `**Baseline ${label} (${baseline.commit.slice(0, 12)}) and this tree, in one run** (load average ${loadAverage[0].toFixed(1)} at the start, ${loadAverage[1].toFixed(1)} at the end)\n\n` +
    `${comparisonTable(comparison, label)}\n\n**The baseline's figures** (its own bench, same options)\n\n${profileTableOf(baseline.profiles)}\n\n**This tree's figures**`
  );
}

/** bench/results/<date>.json: every figure of this run (bench/README.md shows some of them). */
function writeResults(figures: BenchFigures): string {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${figures.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  return file;
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), parseProfiles);
  const started = Date.now();
  const date = new Date(started).toISOString();
  const loadAtStart = loadavg()[0];
  const step: Step = (what) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)} s] ${what}`);
  const perProfile = includes(options, 'delivery') || includes(options, 'memory') || includes(options, 'fairness');
  // The cold start needs no stack: `--only cold` starts none.
  if (includes(options, 'cold')) step('3. cold start');
  const cold = includes(options, 'cold') ? benchColdStart() : undefined;
  if (options.only?.length === 1 && options.only[0] === 'cold') {
    console.log(
      `${coldStartSection({ cold })}\n\nLoad average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end.`,
    );
    return;
  }
  const tree = options.baseline ? checkOutBaseline(options.baseline, process.cwd(), step) : undefined;
  const keepSignals = tree ? removeOnSignal(tree) : () => undefined;
  let stack: BenchStack | undefined;
  try {
    stack = await BenchStack.start((line) => step(`   ${line}`));
    const profiles: ProfileFigures[] = [];
    const baselineProfiles: ProfileFigures[] = [];
    for (const [turn, name] of (perProfile ? parseProfiles(options.profiles) : []).entries()) {
      if (!tree) {
        profiles.push(await benchProfile(stack, PROFILES[name], options, step));
        continue;
      }
      const both = await compareProfile(stack, tree, PROFILES[name], options, step, turn);
      profiles.push(both.now);
      baselineProfiles.push(both.baseline);
    }
    // The parts not compared (directory, dirsync, scale-out; cold above) run on this tree alone.
    let directory: BenchFigures['directory'];
    if (includes(options, 'directory')) {
      step(`6. directory sync: ${options.users} users, then 10 changes`);
      directory = await stack.run<DirectoryBenchResult>({ kind: 'directory', users: options.users });
    }
    let dirsync: BenchFigures['dirsync'];
    if (includes(options, 'dirsync')) {
      step(`6b. resumable directory sync: first sync of ${options.dirsyncUsers} users, ${options.dirsyncGroups} groups, through the queue`);
      dirsync = await stack.run<DirsyncBenchResult>({ kind: 'dirsync', users: options.dirsyncUsers, groups: options.dirsyncGroups });
    }
    const scaleOut = includes(options, 'scaleout') ? await runScaleOut(stack, step, scaleOutSizes(options)) : undefined;
    const durationSeconds = (Date.now() - started) / 1000;
    const figures: BenchFigures = {
      date,
      machine: { cores: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version },
      loadAverage: [loadAtStart, loadavg()[0]],
      durationSeconds,
      options,
      cold,
      profiles,
      directory,
      dirsync,
      scaleOut,
      ...(tree && {
        baseline: { revision: tree.revision, commit: tree.commit, profiles: baselineProfiles },
        comparison: comparisonRows(baselineProfiles, profiles),
      }),
    };
    step(`done in ${durationSeconds.toFixed(0)} s (${(durationSeconds / 60).toFixed(1)} min); figures in ${writeResults(figures)}`);
    console.log([baselineSections(figures), benchReport(figures)].filter(Boolean).join('\n\n'));
  } finally {
    await stack?.close();
    tree?.remove();
    keepSignals();
  }
}

// The child's modules (the whole app) load only in the child.
const entry = process.argv[2] === CHILD_FLAG ? import('./child').then(({ childMain }) => childMain(process.argv[3])) : main();
entry.catch((error) => {
  console.error(error);
  process.exit(1);
});
