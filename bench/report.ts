/**
 * What `npm run bench` prints (and bench/README.md summarises): a list of sections, each a function of all
 * the figures. The main section is one Markdown table with a column per latency profile, built
 * from `ROWS` (one entry per figure); a new benchmark adds its rows to `ROWS` or a section to
 * `SECTIONS`. Ratios first: the machine is shared and noisy, absolute numbers move between runs.
 */
import type { ColdStartResult } from './coldStart';
import type { ComparisonRow } from './comparison';
import { AREA_LABELS, AREAS, CpuProfileSummary } from './cpuProfile';
import { costPerMillion, MILLION, PerMessage } from './cost';
import type { DeliveryResult, DeliveryVariant } from './delivery';
import type { DirectoryBenchResult } from './directory';
import type { DirsyncBenchResult } from './dirsync';
import type { FairnessResult } from './fairness';
import type { BenchOptions } from './options';
import type { TypedClientResult } from './typedClient';
import { scaleOutTable } from './scaleOut';
import { Measured, perSenderPer1000, ProfileFigures, storagePerMessage } from './figures';

type ScaleOutResults = Parameters<typeof scaleOutTable>[0];

type Deliveries = Record<DeliveryVariant, Measured<DeliveryResult>>;

export interface BenchFigures {
  date: string;
  machine: { cores: number; cpu: string; node: string };
  /** os.loadavg()[0] when the run started and ended: other work on the machine skews every figure. */
  loadAverage: [number, number];
  durationSeconds: number;
  /** The options of the run (bench/options.ts); absent in results written before they were kept. */
  options?: BenchOptions;
  cold?: ColdStartResult;
  profiles: ProfileFigures[];
  /** 6. directory sync (zero profile only: it measures Table batch writes and Graph requests). */
  directory?: Measured<DirectoryBenchResult>;
  /** 6b. the resumable directory sync's first sync through the queue (bench/dirsync.ts). */
  dirsync?: Measured<DirsyncBenchResult>;
  /** 8. scale-out (bench/scaleOut.ts), printed as its own table. */
  scaleOut?: ScaleOutResults;
  /** `--baseline`: the other tree's figures of the compared parts (bench/baseline.ts), and the side-by-side rows (bench/comparison.ts). */
  baseline?: { revision: string; commit: string; profiles: ProfileFigures[] };
  comparison?: ComparisonRow[];
}

export const f0 = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
export const f1 = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
export const f2 = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** +1.3 / -0.4 / n/a (a rounded zero shows as +0.0, never -0.0). */
const signed = (n: number | undefined) =>
  n === undefined ? 'n/a' : `${Math.round(n * 10) < 0 ? '' : '+'}${f1(Math.round(n * 10) / 10 || 0)}`;

const perSecond = (d: DeliveryResult | TypedClientResult) => d.messages / (('usage' in d ? d.usage.wallMs : d.wallMs) / 1000);
const per1000 = (count: number, d: DeliveryResult) => (count * 1000) / d.messages;
const cpuPerMessage = (cpuMs: number | undefined, d: DeliveryResult) => (cpuMs === undefined ? 'n/a' : `${f2(cpuMs / d.messages)} ms`);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** One row of the main table: a name, and its figure under one profile (undefined: that part did not run). */
export interface Row {
  name: string;
  figure: (f: ProfileFigures) => string | undefined;
}

const withDelivery = (figure: (delivery: Deliveries, f: ProfileFigures) => string) => (f: ProfileFigures) =>
  f.delivery ? figure(f.delivery, f) : undefined;

/** Benchmark 2 from the memory run (the issue's size, one sender) when it ran, and from the delivery runs. */
function callsRow(f: ProfileFigures, kind: 'token' | 'vault'): string | undefined {
  const parts: string[] = [];
  const calls = (c: DeliveryResult['calls'], n: number) =>
    kind === 'token'
      ? `${f1(perSenderPer1000(c.senderTokens, n))} + ${f1(perSenderPer1000(c.vaultTokens, n))}`
      : `${f1(perSenderPer1000(c.vaultReads, n))} (${f1(perSenderPer1000(c.vaultRequests, n))})`;
  if (f.memory) {
    const m = f.memory.result;
    parts.push(`**worker process, ${f0(m.messages)} messages: ${calls(m.calls, m.messages / m.senders)}**`);
  }
  if (f.delivery) {
    const {
      pipeline: { result: p },
      naive: { result: nv },
    } = f.delivery;
    parts.push(`pipeline, ${f0(p.messages)} messages: ${calls(p.calls, p.messages)}`);
    parts.push(
      kind === 'token'
        ? `naive ${f0(per1000(nv.calls.senderTokens, nv))} + ${f0(per1000(nv.calls.vaultTokens, nv))}`
        : `naive ${f0(per1000(nv.calls.vaultReads, nv))} (${f0(per1000(nv.calls.vaultRequests, nv))})`,
    );
  }
  return parts.length ? parts.join(' · ') : undefined;
}

function fairnessFigure(fair: FairnessResult): string {
  const total = fair.floodOrgs * fair.flood;
  const pct = (n: number, of: number) => f1((100 * n) / of);
  return (
    `${fair.floodOrgs} orgs × ${f0(fair.flood)} at ${f0(fair.ratePerMinute)}/min each (enqueued through the API in ${f1(fair.floodEnqueueSeconds)} s), then ${fair.quiet}: ` +
    `**quiet org to sent p50 ${f0(fair.quietP50Ms)} ms, p95 ${f0(fair.quietP95Ms)} ms** (max ${f0(fair.quietMaxMs)} ms; its own rate alone puts its last ${f0(fair.quietOwnRateFloorMs)} ms after its first; ` +
    `its ${fair.quiet} enqueue requests took ${f0(fair.quietEnqueueMs)} ms; ${fair.quietAttempts} attempts${fair.quietRetryCodes.length ? `, retried on ${fair.quietRetryCodes.join(', ')}` : ''}); ` +
    `floods ${pct(fair.floodSentByThen, total)}% sent (${f0(fair.floodSentByThen)}/${f0(total)}; per org ${f0(fair.floodSentByThenPerOrg.min)}-${f0(fair.floodSentByThenPerOrg.max)} of ${f0(fair.flood)}) when its last was sent; ` +
    `due by their slots but unsent when it started: ${f0(fair.floodDueUnsentAtQuiet)}; worker meanwhile ${f1(fair.workerPerSecond)} flood msg/s; ` +
    `a FIFO queue would have put it behind ${f0(total - fair.floodSentBeforeQuiet)} unsent: ~${f0(fair.fifoWaitSeconds)} s`
  );
}

export const ROWS: Row[] = [
  {
    name: '1. delivery throughput, one mailbox, 4 concurrent sends (fastest of the interleaved rounds)',
    figure: withDelivery(
      ({ pipeline: { result: p }, floor: { result: fl }, naive: { result: nv } }, { rounds }) =>
        `${f0(p.messages)} messages, ${rounds} round(s): pipeline ${f0(perSecond(p))} msg/s · raw floor ${f0(perSecond(fl))} msg/s · naive worker ${f0(perSecond(nv))} msg/s ` +
        `(**pipeline = ${f2(perSecond(p) / perSecond(fl))}× floor, ${f2(perSecond(p) / perSecond(nv))}× naive**)`,
    ),
  },
  {
    name: '1. CPU per message, app process (the pipeline: outbox worker; + its enqueue API)',
    figure: withDelivery(
      ({ pipeline: { result: p }, floor: { result: fl }, naive: { result: nv } }) =>
        `pipeline ${cpuPerMessage(p.usage.cpuMs, p)} (+ enqueue ${cpuPerMessage(p.enqueueCpuMs, p)}) · floor ${cpuPerMessage(fl.usage.cpuMs, fl)} · naive ${cpuPerMessage(nv.usage.cpuMs, nv)}`,
    ),
  },
  {
    name: '1. CPU per message, rest of the stack (sandbox + Storage proxy, Azurite)',
    figure: withDelivery((delivery) =>
      (['pipeline', 'floor', 'naive'] as const)
        .map(
          (v) =>
            `${v} ${cpuPerMessage(delivery[v].side.sandboxCpuMs, delivery[v].result)} + ${cpuPerMessage(delivery[v].side.azuriteCpuMs, delivery[v].result)}`,
        )
        .join(' · '),
    ),
  },
  {
    name: '1. Storage requests per delivered message, at the proxy (sender set-up + enqueue API + worker)',
    figure: withDelivery(({ pipeline }) => {
      const s = storagePerMessage(pipeline);
      return `**${f2(s.total)}**: queue ${f2(s.queue)} · table ${f2(s.table)} · blob ${f2(s.blob)}`;
    }),
  },
  {
    name: '1b. typed-client path (`OrgMailerClient.send` straight onto `outbox`): Storage requests per delivered message, at the proxy (sender set-up + client send + worker)',
    figure: ({ typed }) => {
      if (!typed) return undefined;
      const s = storagePerMessage(typed);
      return `**${f2(s.total)}**: queue ${f2(s.queue)} · table ${f2(s.table)} · blob ${f2(s.blob)} (${f0(typed.result.messages)} messages, ${f0(perSecond(typed.result))} msg/s from the first send)`;
    },
  },
  {
    name: '1. Storage requests per message, outbox worker only (by service and method)',
    figure: withDelivery(
      ({ pipeline: { result: p } }) =>
        Object.entries(p.storageRequests ?? {})
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([kind, count]) => `${kind} ${f2(count / p.messages)}`)
          .join(' · ') + ` = ${f2(sum(Object.values(p.storageRequests ?? {})) / p.messages)}`,
    ),
  },
  {
    name: '1. enqueue API (`POST /api/orgs/{orgId}/messages`, 16 at a time), before the worker run',
    figure: withDelivery(
      ({ pipeline: { result: p } }) =>
        `${f0(p.enqueuePerSecond ?? 0)} msg/s` +
        (Object.keys(p.otherOutcomes ?? {}).length ? ` (worker outcomes besides sent: ${JSON.stringify(p.otherOutcomes)})` : ''),
    ),
  },
  {
    name: '2. token-endpoint requests per 1,000 messages per sender (target ≤ 1; sender app + app identity for Key Vault), one sender',
    figure: (f) => callsRow(f, 'token'),
  },
  {
    name: '2. Key Vault secret reads per 1,000 messages per sender (target ≤ 1; all Key Vault requests), one sender',
    figure: (f) => callsRow(f, 'vault'),
  },
  {
    name: '4. fairness: N orgs each flood their own mailbox, then a quiet org (another mailbox) sends a few; target: its p95 to sent < 3 s',
    figure: ({ fairness }) => (fairness ? fairnessFigure(fairness.result) : undefined),
  },
  {
    name: '5. peak RSS of the worker process alone (`node dist/dev/host.js`, no source maps) taking and delivering the memory run, one sender; target < 200 MB',
    figure: ({ memory }) => {
      if (!memory) return undefined;
      const m = memory.result;
      return (
        `${f0(m.messages)} messages enqueued through its API and sent: **peak ${f0(m.workerPeakRssMiB)} MiB** (VmHWM; sampled peak ${f0(m.workerSampledPeakRssMiB)}, ${f0(m.workerStartRssMiB)} once listening) in ${f1(m.wallMs / 1000)} s` +
        (m.atPeak
          ? `; at the peak: V8 heap ${f0(m.atPeak.heapTotal)} (used ${f0(m.atPeak.heapUsed)}), external ${f0(m.atPeak.external)} (array buffers ${f0(m.atPeak.arrayBuffers)}), rest (code, stacks, native) ${f0(m.atPeak.rss - m.atPeak.heapTotal - m.atPeak.external)}`
          : '') +
        (m.afterGc ? `; heap used after a full GC at the end ${f0(m.afterGc.heapUsed)} MiB, RSS ${f0(m.afterGc.rss)}` : '') +
        `; the measuring bench process meanwhile ${f0(m.benchProcessRssMiB)} MiB`
      );
    },
  },
  {
    name: '5. peak memory of the measuring process during (1) (bench bundle with the host in it): RSS / heap used, MiB (at the start of the run; heap retained after a full GC)',
    figure: withDelivery((delivery) =>
      (['pipeline', 'naive', 'floor'] as const)
        .map((v) => {
          const u = delivery[v].result.usage;
          return `${v} ${f0(u.peakRssMiB)} / ${f0(u.peakHeapMiB)} (${f0(u.baseRssMiB)} / ${f0(u.baseHeapMiB)}; ${signed(u.retainedHeapMiB)})`;
        })
        .join(' · '),
    ),
  },
];

const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');

/** The rows whose part ran under some profile; a part that did not run under one profile shows `not run`. */
export function profileRows(profiles: readonly ProfileFigures[]): string[][] {
  return ROWS.map((row) => [row.name, ...profiles.map((f) => row.figure(f))]).flatMap(([name, ...cells]) =>
    cells.some((cell) => cell !== undefined) ? [[name!, ...cells.map((cell) => cell ?? 'not run')]] : [],
  );
}

/**
 * The worker's CPU per message split by who spends it: each area's share of the profile applied to
 * the CPU per message measured WITHOUT the profiler (which slows everything alike).
 */
function areaTable(summary: CpuProfileSummary, cpuMsPerMessage: number): string {
  const areas = summary.areas;
  if (!areas || !summary.sampledMs) return '';
  const rows = AREAS.map((area) => [
    AREA_LABELS[area],
    `${f2((cpuMsPerMessage * areas[area]) / summary.sampledMs)} ms`,
    `${f1((100 * areas[area]) / summary.sampledMs)}%`,
  ]);
  return `\n\nWhere the worker's CPU per message goes (shares of the profile, applied to the unprofiled ${f2(cpuMsPerMessage)} ms):\n\n${table(['area', 'per message', 'share'], rows)}`;
}

/** The main table of some profiles' figures (this tree's, or a `--baseline` tree's). */
export function profileTableOf(profiles: readonly ProfileFigures[]): string {
  const rows = profileRows(profiles);
  return rows.length ? table(['benchmark', ...profiles.map((f) => `\`${f.profile}\` profile`)], rows) : '';
}

const profileTable = (figures: BenchFigures) => profileTableOf(figures.profiles);

function cpuProfileSection(figures: BenchFigures): string {
  const parts = figures.profiles.flatMap(({ profile, cpuProfiled, delivery }) => {
    if (!cpuProfiled || !delivery) return [];
    const p = cpuProfiled.result;
    const summary = p.cpuProfile;
    if (!summary) return `\`${profile}\`: no profile`;
    const floor = delivery.floor.result;
    const rows = (items: typeof summary.top) =>
      items.map((item, i) => [String(i + 1), `\`${item.name}\``, `\`${item.file}\``, `${f0(item.selfMs)} ms`, `${f1(item.percent)}%`]);
    return (
      `\`${profile}\` profile: ${f0(p.messages)} messages, worker CPU ${cpuPerMessage(p.usage.cpuMs, p)} per message with the profiler on ` +
      `(without it: pipeline ${cpuPerMessage(delivery.pipeline.result.usage.cpuMs, delivery.pipeline.result)}, raw floor ${cpuPerMessage(floor.usage.cpuMs, floor)}); ` +
      `${f0(summary.sampledMs)} ms sampled, profile in \`${summary.path}\`\n\n` +
      table(['#', 'function', 'file', 'self time', 'share'], rows(summary.top)) +
      '\n\nJavaScript frames only (app and packages):\n\n' +
      table(['#', 'function', 'file', 'self time', 'share'], rows(summary.topJs)) +
      areaTable(summary, delivery.pipeline.result.usage.cpuMs / delivery.pipeline.result.messages)
    );
  });
  return parts.length
    ? `**3. Top five self-time items of the outbox worker** (V8 CPU profile of the worker window only)\n\n${parts.join('\n\n')}`
    : '';
}

/** Benchmark 3, also printed alone by `npm run bench -- --only cold`. */
export function coldStartSection({ cold }: Pick<BenchFigures, 'cold'>): string {
  if (!cold) return '';
  const head =
    `**Cold start** (no network at load, so one figure for both profiles): load dist/main.js (${f0(cold.bundleKiB)} KiB) with every function registered vs an empty ` +
    `\`@azure/functions\` app, fresh process each, alternated, median of ${cold.runs}: **${f0(cold.appMedianMs)} ms vs ${f0(cold.emptyMedianMs)} ms (×${f2(cold.ratio)})**; ` +
    `time to the first answer (load, then \`POST /api/orgs/{orgId}/messages\` refused by the schema (422), which builds every service and requires dist/app.js, ${f0(cold.appFileKiB)} KiB, ` +
    `and dist/sdk.js): **${f0(cold.firstAnswerMedianMs)} ms (×${f2(cold.firstAnswerRatio)} the empty app's load)**`;
  if (!cold.modules.length) return head;
  const rows = cold.modules.map((m) => [`\`${m.name}\``, `${f0(m.medianMs)} ms`]);
  return `${head}\n\nWhere a cold start would go if each were loaded eagerly: each package required alone after \`@azure/functions\`, from node_modules, median of ${cold.moduleRuns}:\n\n${table(['package', 'load time'], rows)}`;
}

/** The pipeline's (and the naive worker's) use per message under one profile, as the cost model wants it. */
export function perMessage(delivery: Deliveries, variant: 'pipeline' | 'naive'): PerMessage {
  const d = delivery[variant];
  const n = d.result.messages;
  const storage = variant === 'pipeline' ? storagePerMessage(d) : { queue: 0, table: 0, blob: 0 };
  return {
    cpuMs: (d.result.usage.cpuMs + (d.result.enqueueCpuMs ?? 0)) / n,
    wallMs: d.result.usage.wallMs / n,
    // The pipeline: the enqueue request and the outbox trigger per message (retries would add more).
    executions: variant === 'pipeline' ? 2 + sum(Object.values(d.result.otherOutcomes ?? {})) / n : 1,
    ...storage,
    keyVault: d.result.calls.vaultRequests / n,
  };
}

function costSection(figures: BenchFigures): string {
  const parts = figures.profiles.flatMap((f) => {
    if (!f.delivery) return [];
    const pipe = costPerMillion(perMessage(f.delivery, 'pipeline'));
    const naive = costPerMillion(perMessage(f.delivery, 'naive'));
    const rows = pipe.lines.map((line, i) => [
      line.item,
      `${f0(line.quantity)} ${line.unit}`,
      line.unitPrice,
      `$${f2(line.usd)}`,
      `$${f2(naive.lines[i].usd)}`,
    ]);
    rows.push([
      '**total** (busy-instance bound … as-measured bound)',
      '',
      '',
      `**$${f2(pipe.totalBusyUsd)} … $${f2(pipe.totalMeasuredUsd)}**`,
      `$${f2(naive.totalBusyUsd)} … $${f2(naive.totalMeasuredUsd)}`,
    ]);
    return `\`${f.profile}\` profile, per ${f0(MILLION)} messages:\n\n${table(['item', 'quantity (pipeline)', 'unit price', 'pipeline', 'naive worker'], rows)}`;
  });
  if (!parts.length) return '';
  return (
    '**7. Cost of one million messages on Flex Consumption** (bench/cost.ts: list prices as published, no free grants; ' +
    "the naive worker's Storage is 0 because it has none, and the provider calls themselves are free)\n\n" +
    parts.join('\n\n')
  );
}

function machineLine(figures: BenchFigures): string {
  const { machine, loadAverage } = figures;
  return (
    `Machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}; load average ${f1(loadAverage[0])} at the start and ${f1(loadAverage[1])} at the end; ` +
    `run ${figures.date}, ${f0(figures.durationSeconds)} s.`
  );
}

/** Benchmark 6, also printed alone by `npm run bench -- --only directory`. */
export function directorySection({ directory }: Pick<BenchFigures, 'directory'>): string {
  if (!directory) return '';
  const dir = directory.result;
  const incremental = Object.values(dir.incremental.graphRequests).reduce((a, b) => a + b, 0);
  return table(
    ['benchmark', 'figure'],
    [
      [
        `6. directory sync: first sync of ${f0(dir.users)} users (Graph delta, one group of all) · then 10 changes`,
        `${f1(dir.initial.usage.wallMs / 1000)} s (${f1(dir.initial.writeMs / 1000)} s of it Table batch writes), ${f0(dir.initial.graphRequests)} Graph requests, ${f0(dir.initial.tableOperations)} Table operations, ` +
          `peak RSS +${f0(dir.initial.usage.peakRssMiB - dir.initial.usage.baseRssMiB)} MiB (heap retained ${signed(dir.initial.usage.retainedHeapMiB)} MiB) · ` +
          `incremental (${dir.incremental.kind}): ${f0(incremental)} Graph requests ` +
          `(${Object.entries(dir.incremental.graphRequests)
            .map(([kind, n]) => `${kind} ${n}`)
            .join(', ')}), ${f0(dir.incremental.wallMs)} ms, ${dir.incremental.events} events`,
      ],
    ],
  );
}

/** Benchmark 6b, also printed alone by `npm run bench -- --only dirsync`. */
export function dirsyncSection({ dirsync }: Pick<BenchFigures, 'dirsync'>): string {
  if (!dirsync) return '';
  const d = dirsync.result;
  return table(
    ['benchmark', 'figure'],
    [
      [
        `6b. resumable directory sync: first sync of ${f0(d.users)} users, ${f0(d.groups)} groups (${f0(d.memberships)} memberships), budget ${f0(d.budgetSeconds)} s per invocation`,
        `${f1(d.usage.wallMs / 1000)} s over ${f0(d.invocations)} invocation(s) (${f0(d.redeliveries)} redelivered), ${f0(d.graphRequests)} Graph requests, ${f0(d.tableOperations)} Table operations, ` +
          `copy ${f0(d.counts.users)} users / ${f0(d.counts.groups)} groups, peak RSS +${f0(d.usage.peakRssMiB - d.usage.baseRssMiB)} MiB`,
      ],
    ],
  );
}

const scaleOutSection = (figures: BenchFigures) => (figures.scaleOut ? scaleOutTable(figures.scaleOut) : '');

export const SECTIONS: Array<(figures: BenchFigures) => string> = [
  profileTable,
  cpuProfileSection,
  coldStartSection,
  costSection,
  directorySection,
  dirsyncSection,
  scaleOutSection,
  machineLine,
];

export function benchReport(figures: BenchFigures): string {
  return SECTIONS.map((section) => section(figures))
    .filter(Boolean)
    .join('\n\n');
}
