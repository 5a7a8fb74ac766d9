/**
 * Benchmark 6 (bench/README.md): scale-out. Production runs several instances at once (Flex
 * Consumption scales out), so the same work runs on 1 and on 3 local host PROCESSES
 * (dev/host/processes.ts) sharing one Azurite and one sandbox, each instance count in a fresh child
 * with a fresh Azurite (stack.ts):
 * - delivery: one org per mailbox (`mailboxes` of them, default 20), `messages` in all, enqueued
 *   round-robin through every instance's API while the workers run; the rate is raised so it never
 *   binds, and Graph answers after SEND_LATENCY_MS. Each instance has its own Storage proxies, so its
 *   Storage requests per message are counted apart.
 * - fairness and the cross-instance rate: org C floods one mailbox (`flood` at `ratePerMinute`, slots
 *   reserved by every instance on the one shared slot row), then org D (another mailbox) sends `quiet`.
 * Counted in the sandbox: copies accepted twice (must be 0), the most sendMail calls in flight at
 * once per mailbox across all instances (must be <= 4), 429s, and each instance's share.
 */
import type { LocalHost } from '../dev/host/localHost';
import { HostProcess, startHostProcess } from '../dev/host/processes';
import { azuriteConnectionString, StoragePorts } from '../dev/stack';
import { startStorageProxy, StorageProxy } from '../dev/storage-proxy';
import { getServices } from '@shared/services';
import type { DeliveryRecord } from '@shared/store/deliveryStore';
import { api, connectSender, MAILBOXES, message, newOrgId, sandboxControl } from './app';
import { inParallel, percentile, processCpuMs, progress, waitFor } from './measure';
import { floodMailbox } from './mailboxes';

export interface ScaleOutOptions {
  instances: number;
  /** Delivery part: messages spread evenly over this many mailboxes, one org each. */
  mailboxes: number;
  messages: number;
  flood: number;
  ratePerMinute: number;
  quiet: number;
}

interface Counts {
  /** Copies the sandbox accepted beyond the first of one message id. */
  duplicates: number;
  /** Most sendMail calls in flight at once, per mailbox, across every instance. */
  maxConcurrent: number;
  throttled: number;
  /** Messages each instance logged as sent. */
  perInstance: number[];
  /** Worker outcomes other than `sent`, over all instances (deferrals: waits for a slot or a permit). */
  other: Record<string, number>;
}

/**
 * CPU per message sent over the delivery part: every host process together, and this bench child
 * (its Storage proxies and the enqueuing client). On 2 cores the instances share the CPU, so this
 * is what the throughput ratio is made of.
 */
interface CpuPerMessage {
  hosts: number;
  child: number;
}

interface StorageCounts {
  total: number;
  byKind: Record<string, number>;
}

export interface ScaleOutResult extends ScaleOutOptions {
  /** `storageRequests`: one entry per instance, from its own Storage proxies (delivery part, enqueue included). */
  delivery: Counts & { perSecond: number; storageRequests: StorageCounts[]; cpuMsPerMessage: CpuPerMessage };
  fairness: Counts & { quietP50Ms: number; quietP95Ms: number; floodPerMinute: number; floodMaxPerMinute: number };
}

/** Graph's sendMail takes a few hundred ms in Azure; 100 ms keeps the run short and still lets calls overlap. */
const SEND_LATENCY_MS = 100;
/** The delivery part paces nothing: the highest rate the setting accepts (shared/config.ts). */
const UNPACED_RATE_PER_MINUTE = 10_000;
const RUN_TIMEOUT_MS = 180_000;
/** The cross-instance rate is checked in windows this long (the scheduler spaces slots evenly). */
const RATE_WINDOW_MS = 10_000;

const asHost = (h: HostProcess) => ({ url: h.url }) as LocalHost;

async function enqueueVia(
  hosts: HostProcess[],
  orgId: string,
  ids: string[],
  started: (id: string) => void = () => undefined,
): Promise<void> {
  let next = 0;
  await inParallel(ids, 16, async (id) => {
    started(id);
    const answer = await api(asHost(hosts[next++ % hosts.length]), 'POST', `orgs/${orgId}/messages`, message(id));
    if (answer.status !== 202) throw new Error(`enqueue ${orgId}/${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  });
}

interface Accepted {
  subject: string;
  at: string;
}
const accepted = (mailbox: string) =>
  sandboxControl<Accepted[]>('GET', `messages?provider=microsoft&mailbox=${encodeURIComponent(mailbox)}`);

async function sandboxCounts(hosts: HostProcess[], sentBefore: number[], mailboxes: string[]): Promise<Counts> {
  const highWater = await sandboxControl<Record<string, number>>('GET', 'graph/concurrency');
  const graph = await sandboxControl<Array<{ status: number; path: string }>>('GET', 'requests?service=graph');
  let duplicates = 0;
  for (const mailbox of mailboxes) {
    const subjects = (await accepted(mailbox)).map((m) => m.subject);
    duplicates += subjects.length - new Set(subjects).size;
  }
  return {
    duplicates,
    maxConcurrent: Math.max(0, ...mailboxes.map((m) => highWater[m.toLowerCase()] ?? 0)),
    throttled: graph.filter((r) => r.path.endsWith('/sendMail') && r.status === 429).length,
    perInstance: hosts.map((h, i) => h.sent() - sentBefore[i]),
    other: hosts.reduce<Record<string, number>>((all, h) => {
      for (const [outcome, n] of Object.entries(h.outcomes())) if (outcome !== 'sent') all[outcome] = (all[outcome] ?? 0) + n;
      return all;
    }, {}),
  };
}

async function resetGraph(): Promise<void> {
  await sandboxControl('POST', 'graph/limits', { concurrency: 4, ratePerMinute: 0, latencyMs: SEND_LATENCY_MS });
  await Promise.all(['messages', 'requests', 'graph/concurrency'].map((path) => sandboxControl('DELETE', path)));
}

async function withHosts<T>(
  count: number,
  ratePerMinute: number,
  perHostEnv: Array<Record<string, string>>,
  run: (hosts: HostProcess[]) => Promise<T>,
): Promise<T> {
  const env = { MICROSOFT_MAILBOX_RATE_PER_MINUTE: String(ratePerMinute), MAILBOX_CONCURRENCY: '4' };
  const hosts = await Promise.all(Array.from({ length: count }, (_, i) => startHostProcess({ ...env, ...perHostEnv[i] })));
  try {
    return await run(hosts);
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

/**
 * Each host process behind its own Storage proxies (dev/storage-proxy.ts, in front of the stack's
 * Azurite), so every instance's Storage requests are counted apart: requests per message per instance.
 */
async function meteredStorage(count: number): Promise<{ env: Array<Record<string, string>>; proxies: StorageProxy[][] }> {
  const ports = storagePorts(process.env.AzureWebJobsStorage ?? '');
  const proxies: StorageProxy[][] = [];
  for (let i = 0; i < count; i++) proxies.push(await Promise.all(STORAGE_SERVICES.map((service) => startStorageProxy(ports[service]))));
  const env = proxies.map(([queue, table, blob]) => ({
    AzureWebJobsStorage: azuriteConnectionString({ queue: queue.port, table: table.port, blob: blob.port }),
  }));
  return { env, proxies };
}

const STORAGE_SERVICES = ['queue', 'table', 'blob'] as const;

function storagePorts(connectionString: string): StoragePorts {
  const port = (service: string) => Number(new RegExp(`${service}Endpoint=https?://[^:;]+:(\\d+)`, 'i').exec(connectionString)?.[1]);
  return { queue: port('Queue'), table: port('Table'), blob: port('Blob') };
}

/** One request count per instance and per `METHOD resource`, from its proxies since the last reset. */
function storageCounts(proxies: StorageProxy[][]): StorageCounts[] {
  return proxies.map((services) => {
    const byKind: Record<string, number> = {};
    for (const proxy of services) for (const [kind, n] of Object.entries(proxy.counts)) byKind[kind] = (byKind[kind] ?? 0) + n;
    return { total: services.reduce((n, p) => n + p.forwarded, 0), byKind };
  });
}

/** Orgs of the delivery part, one per mailbox: `bench/mailboxes.ts`'s flood mailboxes. */
async function connectOrgs(host: HostProcess, mailboxes: number): Promise<Array<{ orgId: string; mailbox: string }>> {
  const orgs = Array.from({ length: mailboxes }, (_, i) => ({ orgId: newOrgId(`scale-${i}`), mailbox: floodMailbox(i) }));
  await inParallel(orgs, 4, ({ orgId, mailbox }) => connectSender(asHost(host), orgId, mailbox));
  return orgs;
}

async function delivery(options: ScaleOutOptions): Promise<ScaleOutResult['delivery']> {
  const storage = await meteredStorage(options.instances);
  try {
    return await withHosts(options.instances, UNPACED_RATE_PER_MINUTE, storage.env, async (hosts) => {
      const orgs = await connectOrgs(hosts[0], options.mailboxes);
      await resetGraph();
      storage.proxies.flat().forEach((p) => p.reset());
      const before = hosts.map((h) => h.sent());
      const cpu = startCpu(hosts);
      const perOrg = Math.ceil(options.messages / orgs.length);
      const total = perOrg * orgs.length;
      const started = Date.now();
      await Promise.all(
        orgs.map(({ orgId }) =>
          enqueueVia(
            hosts,
            orgId,
            Array.from({ length: perOrg }, (_, i) => `d-${i}`),
          ),
        ),
      );
      await waitFor(
        `${total} messages sent`,
        () => (hosts.reduce((n, h, i) => n + h.sent() - before[i], 0) >= total ? true : undefined),
        RUN_TIMEOUT_MS,
        50,
      );
      const perSecond = total / ((Date.now() - started) / 1000);
      const cpuMsPerMessage = cpu.perMessage(total);
      const storageRequests = storageCounts(storage.proxies);
      const counts = await sandboxCounts(
        hosts,
        before,
        orgs.map((o) => o.mailbox),
      );
      const perMessage = storageRequests.map((s, i) => (s.total / Math.max(1, counts.perInstance[i])).toFixed(1));
      progress(
        `${options.instances} instance(s): ${total} messages on ${orgs.length} mailboxes sent at ${perSecond.toFixed(1)} msg/s; ` +
          `Storage requests per message per instance ${perMessage.join(' / ')}; CPU ms per message ${JSON.stringify(cpuMsPerMessage)}; ${JSON.stringify(counts)}`,
      );
      return { perSecond, storageRequests, cpuMsPerMessage, ...counts };
    });
  } finally {
    await Promise.all(storage.proxies.flat().map((p) => p.close()));
  }
}

/** Starts counting the CPU of every host and of this process; `perMessage` divides what was spent since by the messages sent. */
function startCpu(hosts: HostProcess[]): { perMessage(messages: number): CpuPerMessage } {
  const hostsCpu = () => hosts.reduce((ms, h) => ms + (processCpuMs(h.pid) ?? NaN), 0);
  const hostsBefore = hostsCpu();
  const childBefore = process.cpuUsage();
  return {
    perMessage(messages) {
      const child = process.cpuUsage(childBefore);
      const round = (ms: number) => Math.round((ms / messages) * 100) / 100;
      return { hosts: round(hostsCpu() - hostsBefore), child: round((child.user + child.system) / 1000) };
    },
  };
}

/** Accepted messages per minute over the run, and the most in any RATE_WINDOW_MS window (scaled to a minute). */
function rates(times: number[]): { perMinute: number; maxPerMinute: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const span = sorted[sorted.length - 1] - sorted[0];
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= RATE_WINDOW_MS) j++;
    most = Math.max(most, i - j + 1);
  }
  return { perMinute: span > 0 ? ((sorted.length - 1) * 60_000) / span : 0, maxPerMinute: (most * 60_000) / RATE_WINDOW_MS };
}

async function fairness(options: ScaleOutOptions): Promise<ScaleOutResult['fairness']> {
  return withHosts(options.instances, options.ratePerMinute, [], async (hosts) => {
    const deliveries = getServices().delivery.deliveries;
    const [flooder, quiet] = [newOrgId('scale-c'), newOrgId('scale-d')];
    await connectSender(asHost(hosts[0]), flooder, MAILBOXES.flood);
    await connectSender(asHost(hosts[0]), quiet, MAILBOXES.quiet);
    await resetGraph();
    const before = hosts.map((h) => h.sent());
    await enqueueVia(
      hosts,
      flooder,
      Array.from({ length: options.flood }, (_, i) => `f-${i}`),
    );
    const quietIds = Array.from({ length: options.quiet }, (_, i) => `q-${i}`);
    const enqueuedAt = new Map<string, number>();
    await enqueueVia(hosts, quiet, quietIds, (id) => enqueuedAt.set(id, Date.now()));
    const rows = await waitFor(
      `org D's ${options.quiet} messages sent`,
      async () => {
        const read = await Promise.all(quietIds.map((id) => deliveries.get(quiet, id)));
        return read.every((r) => r?.status === 'sent') ? (read as DeliveryRecord[]) : undefined;
      },
      RUN_TIMEOUT_MS,
      100,
    );
    const latencies = rows.map((r) => Date.parse(r.sentAt!) - enqueuedAt.get(r.id)!);
    // The whole flood, so the rate is measured over all of it.
    await waitFor(
      `org C's ${options.flood} messages sent`,
      async () => ((await accepted(MAILBOXES.flood)).length >= options.flood ? true : undefined),
      RUN_TIMEOUT_MS,
      500,
    );
    const { perMinute, maxPerMinute } = rates((await accepted(MAILBOXES.flood)).map((m) => Date.parse(m.at)));
    progress(
      `${options.instances} instance(s): org D's p95 ${percentile(latencies, 95)} ms; org C at ${perMinute.toFixed(0)}/min (limit ${options.ratePerMinute})`,
    );
    return {
      quietP50Ms: percentile(latencies, 50),
      quietP95Ms: percentile(latencies, 95),
      floodPerMinute: perMinute,
      floodMaxPerMinute: maxPerMinute,
      ...(await sandboxCounts(hosts, before, [MAILBOXES.flood, MAILBOXES.quiet])),
    };
  });
}

/** Runs in a bench child: both parts at one instance count. */
export async function benchScaleOut(options: ScaleOutOptions): Promise<ScaleOutResult> {
  return { ...options, delivery: await delivery(options), fairness: await fairness(options) };
}

/** The scale-out section `npm run bench` prints after the main table: one row per instance count. */
export function scaleOutTable(results: ScaleOutResult[]): string {
  const one = results.find((r) => r.instances === 1);
  const row = (r: ScaleOutResult) => {
    const d = r.delivery;
    const f = r.fairness;
    const growth = one ? ` (×${(d.perSecond / one.delivery.perSecond).toFixed(2)})` : '';
    const perMessage = (d.storageRequests ?? []).map((s, i) => (s.total / Math.max(1, d.perInstance[i])).toFixed(1)).join(' / ');
    const cpu = d.cpuMsPerMessage ? `${d.cpuMsPerMessage.hosts} / ${d.cpuMsPerMessage.child} ms` : '—';
    return (
      `| ${r.instances} | ${d.perSecond.toFixed(1)} msg/s${growth} | ${d.perInstance.join(' / ')} | ${perMessage} | ${cpu} | ${JSON.stringify(d.other)} | ${d.duplicates} / ${f.duplicates} | ${d.maxConcurrent} / ${f.maxConcurrent} | ${d.throttled + f.throttled} ` +
      `| ${f.floodPerMinute.toFixed(0)}/min (max ${f.floodMaxPerMinute.toFixed(0)} in ${RATE_WINDOW_MS / 1000} s ×${60_000 / RATE_WINDOW_MS}; limit ${r.ratePerMinute}) | ${f.quietP50Ms} / ${f.quietP95Ms} ms |`
    );
  };
  const first = results[0];
  return [
    `6. scale-out: delivery ${first?.messages} messages on ${first?.mailboxes} mailboxes (Graph ${SEND_LATENCY_MS} ms); fairness: org C floods ${first?.flood} at ${first?.ratePerMinute}/min, then org D sends ${first?.quiet}. Same Azurite, same sandbox, N host processes.`,
    '',
    '| instances | delivery throughput | sent per instance | Storage requests per message sent, per instance (enqueue included) | CPU per message: all hosts / bench child | other worker outcomes (delivery) | sent twice (delivery / fairness) | max concurrent sendMail per mailbox, all instances | 429s | org C rate across instances | org D to sent p50 / p95 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(row),
  ].join('\n');
}

/** Instance counts benchmark 6 compares. */
export const SCALE_OUT_INSTANCES = [1, 3] as const;

/** The fairness part's rate and quiet messages; the other sizes are options (`--scale-mailboxes`, `--scale-messages`, `--scale-flood`). */
const FAIRNESS_SIZES = { ratePerMinute: 600, quiet: 5 } as const;

/** The sizes of the run from `npm run bench`'s options (bench/options.ts). */
export const scaleOutSizes = (options: { scaleMailboxes: number; scaleMessages: number; scaleFlood: number }) => ({
  ...FAIRNESS_SIZES,
  mailboxes: options.scaleMailboxes,
  messages: options.scaleMessages,
  flood: options.scaleFlood,
});

/** What runScaleOut needs of the bench stack (bench/stack.ts), without importing it: stack.ts imports the child's task types. */
interface ScaleOutRunner {
  run(task: { kind: 'scaleOut'; options: ScaleOutOptions }): Promise<{ result: unknown }>;
}

/** Benchmark 6 from `run.ts`: one fresh child (and Azurite) per instance count. */
export async function runScaleOut(
  stack: ScaleOutRunner,
  step: (line: string) => void,
  sizes: Omit<ScaleOutOptions, 'instances'>,
): Promise<ScaleOutResult[]> {
  const results: ScaleOutResult[] = [];
  for (const instances of SCALE_OUT_INSTANCES) {
    step(
      `6. scale-out: ${instances} host process(es), ${sizes.messages} messages on ${sizes.mailboxes} mailboxes; flood ${sizes.flood} at ${sizes.ratePerMinute}/min, then ${sizes.quiet}`,
    );
    results.push((await stack.run({ kind: 'scaleOut', options: { instances, ...sizes } })).result as ScaleOutResult);
  }
  return results;
}
