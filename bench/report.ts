/**
 * The one Markdown table `npm run bench` prints (`| benchmark | figure |`), pasted into the README.
 * Ratios first: the machine is shared and noisy, absolute numbers move between runs.
 */
import { cpus } from 'node:os';
import type { ColdStartResult } from './coldStart';
import type { DeliveryResult, DeliveryVariant } from './delivery';
import type { FairnessResult } from './fairness';
import type { DirectoryBenchResult } from './directory';
import type { SideCosts } from './stack';

export interface Measured<T> {
  result: T;
  side: SideCosts;
}

export interface BenchFigures {
  /** os.loadavg()[0] when the run started and ended: other work on the machine skews every figure. */
  loadAverage: [number, number];
  rounds: number;
  cold: ColdStartResult;
  delivery: Record<DeliveryVariant, Measured<DeliveryResult>>;
  fairness: Measured<FairnessResult>;
  directory: Measured<DirectoryBenchResult>;
}

const f0 = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const f1 = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const f2 = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** +1.3 / -0.4 / n/a (a rounded zero shows as +0.0, never -0.0). */
const signed = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n * 10) < 0 ? '' : '+'}${f1(Math.round(n * 10) / 10 || 0)}`);

const perSecond = (d: DeliveryResult) => d.messages / (d.usage.wallMs / 1000);
const per1000 = (count: number, d: DeliveryResult) => (count * 1000) / d.messages;
const cpuPerMessage = (cpuMs: number | undefined, d: DeliveryResult) => (cpuMs === undefined ? 'n/a' : `${f2(cpuMs / d.messages)} ms`);

export function benchTable(figures: BenchFigures): string {
  const { pipeline, floor, naive } = figures.delivery;
  const p = pipeline.result;
  const fl = floor.result;
  const nv = naive.result;
  const fair = figures.fairness.result;
  const cold = figures.cold;
  const rows: Array<[string, string]> = [
    [
      `1. delivery throughput, ${f0(p.messages)} messages, one mailbox, 4 concurrent sends (fastest of ${figures.rounds} interleaved rounds)`,
      `pipeline ${f0(perSecond(p))} msg/s · raw floor ${f0(perSecond(fl))} msg/s · naive worker ${f0(perSecond(nv))} msg/s ` +
        `(pipeline = ${f2(perSecond(p) / perSecond(fl))}× floor, ${f2(perSecond(p) / perSecond(nv))}× naive)`,
    ],
    [
      '1. CPU per message, app process',
      `pipeline ${cpuPerMessage(p.usage.cpuMs, p)} · floor ${cpuPerMessage(fl.usage.cpuMs, fl)} · naive ${cpuPerMessage(nv.usage.cpuMs, nv)}`,
    ],
    [
      '1. CPU per message, rest of the stack (sandbox + Azurite)',
      `pipeline ${cpuPerMessage(pipeline.side.sandboxCpuMs, p)} + ${cpuPerMessage(pipeline.side.azuriteCpuMs, p)} · ` +
        `floor ${cpuPerMessage(floor.side.sandboxCpuMs, fl)} + ${cpuPerMessage(floor.side.azuriteCpuMs, fl)} · ` +
        `naive ${cpuPerMessage(naive.side.sandboxCpuMs, nv)} + ${cpuPerMessage(naive.side.azuriteCpuMs, nv)}`,
    ],
    [
      '1. Storage requests per message, pipeline worker (by service and method)',
      Object.entries(p.storageRequests ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, count]) => `${kind} ${f2(count / p.messages)}`)
        .join(' · ') + ` = ${f2(Object.values(p.storageRequests ?? {}).reduce((a, b) => a + b, 0) / p.messages)}`,
    ],
    [
      '1. enqueue API (`POST /api/orgs/{orgId}/messages`, 16 at a time), before the worker run',
      `${f0(p.enqueuePerSecond ?? 0)} msg/s` + (Object.keys(p.otherOutcomes ?? {}).length ? ` (worker outcomes besides sent: ${JSON.stringify(p.otherOutcomes)})` : ''),
    ],
    [
      '2. token-endpoint requests per 1,000 messages (sender app + app identity for Key Vault)',
      `pipeline ${f1(per1000(p.calls.senderTokens, p))} + ${f1(per1000(p.calls.vaultTokens, p))} · naive ${f0(per1000(nv.calls.senderTokens, nv))} + ${f0(per1000(nv.calls.vaultTokens, nv))}`,
    ],
    [
      '2. Key Vault secret reads per 1,000 messages (all Key Vault requests)',
      `pipeline ${f1(per1000(p.calls.vaultReads, p))} (${f1(per1000(p.calls.vaultRequests, p))}) · naive ${f0(per1000(nv.calls.vaultReads, nv))} (${f0(per1000(nv.calls.vaultRequests, nv))})`,
    ],
    [
      `3. cold start: load dist/main.js (${f0(cold.bundleKiB)} KiB) vs empty @azure/functions app, median of ${cold.runs}`,
      `${f0(cold.appMedianMs)} ms vs ${f0(cold.emptyMedianMs)} ms (×${f2(cold.ratio)})`,
    ],
    [
      `4. fairness: org A enqueues ${f0(fair.flood)} at ${f0(fair.ratePerMinute)}/min per mailbox, then org B sends ${fair.quiet}`,
      `B's time to sent p50 ${f0(fair.quietP50Ms)} ms, p95 ${f0(fair.quietP95Ms)} ms (max ${f0(fair.quietMaxMs)} ms; its ${fair.quiet} enqueue requests took ${f0(fair.quietEnqueueMs)} ms; ${fair.quietAttempts} attempts` +
        `${fair.quietRetryCodes.length ? `, retried on ${fair.quietRetryCodes.join(', ')}` : ''}); ` +
        `A was ${f1((100 * fair.floodSentByThen) / fair.flood)}% sent (${f0(fair.floodSentByThen)}/${f0(fair.flood)}) when B's last was sent; ` +
        `in a FIFO queue B would have waited behind A's ${f0(fair.flood - fair.floodSentBeforeQuiet)} unsent messages: ~${f0((60 * (fair.flood - fair.floodSentBeforeQuiet)) / fair.ratePerMinute)} s; ` +
        `A's enqueue took ${fair.floodEnqueueChunkSeconds.map(f1).join(' s, ')} s per successive 1,000`,
    ],
    [
      '5. peak memory during (1): RSS / heap used, MiB (at the start of the run; heap retained after a full GC)',
      [pipeline, naive, floor]
        .map(({ result: { variant, usage: u } }) =>
          `${variant} ${f0(u.peakRssMiB)} / ${f0(u.peakHeapMiB)} (${f0(u.baseRssMiB)} / ${f0(u.baseHeapMiB)}; ${signed(u.retainedHeapMiB)})`,
        )
        .join(' · '),
    ],
  ];
  rows.push(directoryRow(figures.directory));
  rows.push(['machine', `${cpus().length} cores, load average ${f1(figures.loadAverage[0])} at the start and ${f1(figures.loadAverage[1])} at the end`]);
  return ['| benchmark | figure |', '|---|---|', ...rows.map(([name, figure]) => `| ${name} | ${figure} |`)].join('\n');
}

/** Row 6, also printed alone by `npm run bench -- --only directory`. */
export function directoryRow(measured: Measured<DirectoryBenchResult>): [string, string] {
  const dir = measured.result;
  return [
    `6. directory sync: first sync of ${f0(dir.users)} users (Graph delta, one group of all) · then 10 changes`,
    `${f1(dir.initial.usage.wallMs / 1000)} s (${f1(dir.initial.writeMs / 1000)} s of it Table batch writes), ${f0(dir.initial.graphRequests)} Graph requests, ${f0(dir.initial.tableOperations)} Table operations, ` +
      `peak RSS +${f0(dir.initial.usage.peakRssMiB - dir.initial.usage.baseRssMiB)} MiB (heap retained ${signed(dir.initial.usage.retainedHeapMiB)} MiB) · ` +
      `incremental (${dir.incremental.kind}): ${f0(Object.values(dir.incremental.graphRequests).reduce((a, b) => a + b, 0))} Graph requests ` +
      `(${Object.entries(dir.incremental.graphRequests).map(([kind, n]) => `${kind} ${n}`).join(', ')}), ${f0(dir.incremental.wallMs)} ms, ${dir.incremental.events} events`,
  ];
}
