/**
 * The side-by-side table of `npm run bench -- --baseline <revision>` (bench/baseline.ts): each
 * figure the delivery core is held to, under each profile, the baseline tree's value beside this tree's,
 * their ratio, the target and whether this tree meets it; a figure measured in each of several
 * repetitions (`--repeats`) is compared by its median and shown with its range. Pure: figures in, rows and Markdown out
 * (test/unit/bench-comparison.test.ts).
 */
import { perSenderPer1000, ProfileFigures, RepeatedFigure, storagePerMessage } from './figures';
import { percentile } from './measure';

/**
 * What a figure must do: `atMost`/`atLeast` an absolute value (this tree's figure alone), or
 * `noHigher` than the baseline's (ratio now / baseline at most 1).
 */
export type Target = { kind: 'atMost'; value: number } | { kind: 'atLeast'; value: number } | { kind: 'noHigher' } | { kind: 'info' };

export interface ComparisonRow {
  figure: string;
  profile: string;
  unit: string;
  baseline?: number;
  now?: number;
  /** now / baseline, when both were measured and the baseline is not zero. */
  ratio?: number;
  target: Target;
  /** Undefined when the figure is informational or a value it needs was not measured. */
  pass?: boolean;
  /** A repeated figure's value in each repetition, per tree (`--repeats`). */
  runs?: { baseline?: number[]; now?: number[] };
}

/** One figure of one tree's run under one profile; undefined when its part did not run. */
interface Figure {
  figure: string;
  unit: string;
  target: Target;
  /** Only under this profile (the issue states the pipeline ratios for `azure`). */
  profile?: string;
  /** Measured once per `--repeats` repetition; the row then shows each tree's spread. */
  repeated?: RepeatedFigure;
  value(f: ProfileFigures): number | undefined;
}

const perSecond = (d: { messages: number; usage: { wallMs: number } }) => d.messages / (d.usage.wallMs / 1000);

/** The app's own code (shared/, functions/): its share of the CPU profile applied to the unprofiled CPU per message (bench/report.ts, area table). */
export function appCpuPerMessage(f: ProfileFigures): number | undefined {
  const summary = f.cpuProfiled?.result.cpuProfile;
  const pipeline = f.delivery?.pipeline.result;
  if (!summary?.areas || !summary.sampledMs || !pipeline) return undefined;
  return ((pipeline.usage.cpuMs / pipeline.messages) * summary.areas.app) / summary.sampledMs;
}

/** Each figure `--repeats` measures once per repetition, from that repetition's figures. */
export const REPEATED: Record<RepeatedFigure, (f: ProfileFigures) => number | undefined> = {
  apiStorage: (f) => (f.delivery ? storagePerMessage(f.delivery.pipeline).total : undefined),
  typedStorage: (f) => (f.typed ? storagePerMessage(f.typed).total : undefined),
  appCpu: appCpuPerMessage,
};

/** A repeated figure: the median of its repetitions when there were several, else the one run's figure. */
const medianOfRepetitions = (key: RepeatedFigure): Pick<Figure, 'repeated' | 'value'> => ({
  repeated: key,
  value: (f) => {
    const runs = f.runs?.[key];
    return runs?.length ? percentile(runs, 50) : REPEATED[key](f);
  },
});

/** Token or Key Vault requests per 1,000 messages per sender: the memory run (the 2,000, one sender) when it ran, else the pipeline run. */
function perSender(f: ProfileFigures, count: (c: NonNullable<ProfileFigures['memory']>['result']['calls']) => number): number | undefined {
  if (f.memory) {
    const m = f.memory.result;
    return perSenderPer1000(count(m.calls), m.messages, m.senders);
  }
  const p = f.delivery?.pipeline.result;
  return p ? perSenderPer1000(count(p.calls), p.messages) : undefined;
}

const AT_MOST_1: Target = { kind: 'atMost', value: 1 };

export const FIGURES: Figure[] = [
  {
    figure: 'Storage requests per delivered message, messages API path (set-up + enqueue + worker)',
    unit: 'requests',
    target: { kind: 'noHigher' },
    ...medianOfRepetitions('apiStorage'),
  },
  {
    figure: 'Storage requests per delivered message, typed-client path (set-up + client send + worker)',
    unit: 'requests',
    target: { kind: 'noHigher' },
    ...medianOfRepetitions('typedStorage'),
  },
  {
    figure: 'pipeline throughput / raw floor',
    unit: '×',
    target: { kind: 'atLeast', value: 0.9 },
    profile: 'azure',
    value: (f) => (f.delivery ? perSecond(f.delivery.pipeline.result) / perSecond(f.delivery.floor.result) : undefined),
  },
  {
    figure: 'pipeline throughput / naive worker',
    unit: '×',
    target: { kind: 'atLeast', value: 3 },
    profile: 'azure',
    value: (f) => (f.delivery ? perSecond(f.delivery.pipeline.result) / perSecond(f.delivery.naive.result) : undefined),
  },
  {
    figure: 'app code CPU per message (shared/ + functions/)',
    unit: 'ms',
    target: { kind: 'noHigher' },
    ...medianOfRepetitions('appCpu'),
  },
  {
    figure: 'sender token requests per 1,000 messages per sender',
    unit: 'requests',
    target: AT_MOST_1,
    value: (f) => perSender(f, (c) => c.senderTokens),
  },
  {
    figure: 'app-identity (Key Vault) token requests per 1,000 messages per sender',
    unit: 'requests',
    target: AT_MOST_1,
    value: (f) => perSender(f, (c) => c.vaultTokens),
  },
  {
    figure: 'Key Vault secret reads per 1,000 messages per sender',
    unit: 'reads',
    target: AT_MOST_1,
    value: (f) => perSender(f, (c) => c.vaultReads),
  },
  { figure: "quiet org's p50 to sent", unit: 'ms', target: { kind: 'info' }, value: (f) => f.fairness?.result.quietP50Ms },
  { figure: "quiet org's p95 to sent", unit: 'ms', target: { kind: 'atMost', value: 3000 }, value: (f) => f.fairness?.result.quietP95Ms },
];

/** Whether `now` meets `target` (beside `baseline` for `noHigher`); undefined when it cannot be told. */
export function meets(target: Target, now: number | undefined, baseline: number | undefined): boolean | undefined {
  if (now === undefined || target.kind === 'info') return undefined;
  if (target.kind === 'atMost') return now <= target.value;
  if (target.kind === 'atLeast') return now >= target.value;
  return baseline === undefined ? undefined : now <= baseline;
}

/** The rows of every figure under every profile that either tree measured. */
export function comparisonRows(baseline: readonly ProfileFigures[], now: readonly ProfileFigures[]): ComparisonRow[] {
  const profiles = [...new Set([...baseline, ...now].map((f) => f.profile))];
  return profiles.flatMap((profile) => {
    const b = baseline.find((f) => f.profile === profile);
    const n = now.find((f) => f.profile === profile);
    return FIGURES.filter((fig) => !fig.profile || fig.profile === profile).flatMap(({ figure, unit, target, value, repeated }) => {
      const before = b && value(b);
      const after = n && value(n);
      if (before === undefined && after === undefined) return [];
      const ratio = before !== undefined && after !== undefined && before !== 0 ? after / before : undefined;
      const runs = repeated && (b?.runs || n?.runs) ? { baseline: b?.runs?.[repeated], now: n?.runs?.[repeated] } : undefined;
      return [{ figure, profile, unit, baseline: before, now: after, ratio, target, pass: meets(target, after, before), runs }];
    });
  });
}

/** Milliseconds of 100 and over whole, everything else to two decimals. */
function number(n: number | undefined, unit: string): string {
  if (n === undefined) return 'not run';
  const digits = unit === 'ms' && n >= 100 ? 0 : 2;
  const text = n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit === '×' ? `${text}×` : unit === 'ms' ? `${text} ms` : text;
}

export function targetText(target: Target, unit: string): string {
  if (target.kind === 'info') return '—';
  if (target.kind === 'noHigher') return '≤ baseline';
  return `${target.kind === 'atMost' ? '≤' : '≥'} ${number(target.value, unit)}`;
}

/** A figure, and with several repetitions their range: `5.34 (5.32 to 5.37, 3 runs)`. */
function withSpread(n: number | undefined, unit: string, runs: readonly number[] | undefined): string {
  if (!runs || runs.length < 2) return number(n, unit);
  return `${number(n, unit)} (${number(Math.min(...runs), unit)} to ${number(Math.max(...runs), unit)}, ${runs.length} runs)`;
}

const verdict = (pass: boolean | undefined) => (pass === undefined ? '—' : pass ? 'pass' : '**fail**');

/** The Markdown table: figure, profile, baseline, now, ratio, target, pass/fail. */
export function comparisonTable(rows: readonly ComparisonRow[], baselineLabel: string): string {
  const header = ['figure', 'profile', `baseline (${baselineLabel})`, 'now', 'now / baseline', 'target', 'pass/fail'];
  const lines = rows.map((r) => [
    r.figure,
    `\`${r.profile}\``,
    withSpread(r.baseline, r.unit, r.runs?.baseline),
    withSpread(r.now, r.unit, r.runs?.now),
    r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`,
    targetText(r.target, r.unit),
    verdict(r.pass),
  ]);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((cells) => `| ${cells.join(' | ')} |`)].join(
    '\n',
  );
}
