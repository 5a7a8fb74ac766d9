/**
 * Benchmark 4 (bench/README.md): fairness: N orgs (default 10) each
 * flood their own mailbox with far more messages than the per-mailbox rate lets out during the
 * run; once every flood is queued, a quiet org (another mailbox) sends a few. The quiet org must not
 * wait behind the floods: the scheduler gives each flood message a future slot of its mailbox at
 * enqueue time, so the queue is not a FIFO of the backlog. Measured: the quiet org's time from each
 * enqueue request to `sent` (the row's sentAt), how far each flood had got by then, how many flood
 * messages were due but unsent when the quiet org started (the worker's backlog: what a slot
 * schedule cannot help with), and what a FIFO queue would have made the quiet org wait.
 *
 * The floods go through the messages API (`POST /api/orgs/{orgId}/messages`, 16 requests in flight,
 * the orgs interleaved): the typed client would be faster per message, but its messages carry no
 * slot (the worker reserves one and defers each), so a typed-client flood would be another scenario.
 */
import { startLocalHost } from '../dev/host/localHost';
import { getServices } from '@shared/services';
import type { DeliveryRecord } from '@shared/model/delivery';
import type { DeliveryStore } from '@shared/delivery/deliveries';
import { connectSender, enqueueMany, MAILBOXES, newOrgId, prepareSandbox } from './app';
import { floodMailbox } from './mailboxes';
import type { LatencyProfile } from './profiles';
import { dueByRate, fifoWaitSeconds, interleavedFlood, ownRateFloorMs, percentile, progress, waitFor } from './measure';

export interface FairnessOptions {
  /** Orgs that flood, each with its own sender and mailbox; messages each enqueues. */
  floodOrgs: number;
  flood: number;
  /** The per-mailbox rate (MICROSOFT_MAILBOX_RATE_PER_MINUTE). */
  ratePerMinute: number;
  /** Messages the quiet org sends once every flood is enqueued. */
  quiet: number;
  profile: LatencyProfile;
}

export interface FairnessResult extends FairnessOptions {
  floodEnqueueSeconds: number;
  /** How long the quiet org's enqueue requests took, all together; its attempts (1 each when nothing was retried) and retry codes seen. */
  quietEnqueueMs: number;
  quietAttempts: number;
  quietRetryCodes: string[];
  quietP50Ms: number;
  quietP95Ms: number;
  quietMaxMs: number;
  /** The quiet mailbox's own rate: its last message's slot is this long after its first. */
  quietOwnRateFloorMs: number;
  /** Flood messages sent (all orgs) when the quiet org's last one was sent; the least and most of one org. */
  floodSentByThen: number;
  floodSentByThenPerOrg: { min: number; max: number };
  /** Flood messages sent before the quiet org's first enqueue request. */
  floodSentBeforeQuiet: number;
  /** Flood messages whose slot had come (by the rate, from each flood's first request) but were not sent when the quiet org started. */
  floodDueUnsentAtQuiet: number;
  /** Flood messages sent per second while the quiet org's were on their way (the worker's throughput then). */
  workerPerSecond: number;
  /** Seconds the quiet org's first message would have waited behind the unsent floods in a FIFO queue. */
  fifoWaitSeconds: number;
}

/** The quiet org's messages must all be sent within this; the floods are never waited for. */
const QUIET_TIMEOUT_MS = 120_000;
const MAX_PAGES = 200;

/** Times an org's messages were sent (its `sent` rows, paged through the delivery list). */
async function sentTimes(deliveries: DeliveryStore, orgId: string): Promise<number[]> {
  const times: number[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await deliveries.list(orgId, { status: 'sent', cursor, limit: 200 });
    for (const row of result.items) if (row.sentAt) times.push(Date.parse(row.sentAt));
    cursor = result.cursor;
    if (!cursor) return times;
  }
  throw new Error(`more than ${MAX_PAGES} pages of sent deliveries for ${orgId}`);
}

async function waitForQuiet(deliveries: DeliveryStore, quiet: string, ids: string[], retryCodes: Set<string>): Promise<DeliveryRecord[]> {
  return waitFor(
    `the quiet org's ${ids.length} messages sent`,
    async () => {
      const read = await Promise.all(ids.map((id) => deliveries.get(quiet, id)));
      for (const row of read) if (row?.status === 'retrying') retryCodes.add(row.code ?? 'unknown');
      const failed = read.find((r) => r?.status === 'failed');
      if (failed) throw new Error(`a quiet org message failed: ${JSON.stringify(failed)}`);
      return read.every((r) => r?.status === 'sent') ? (read as DeliveryRecord[]) : undefined;
    },
    QUIET_TIMEOUT_MS,
    100,
  );
}

export async function benchFairness(options: FairnessOptions): Promise<FairnessResult> {
  await prepareSandbox(options.profile);
  const host = await startLocalHost({
    port: 0,
    env: { MICROSOFT_MAILBOX_RATE_PER_MINUTE: String(options.ratePerMinute) },
    timers: false,
    log: () => undefined,
  });
  const deliveries = getServices().delivery.deliveries;
  const flooders = Array.from({ length: options.floodOrgs }, (_, i) => newOrgId(`flood${i}`));
  const quiet = newOrgId('quiet');
  let closing: Promise<void> | undefined;
  try {
    for (const [i, org] of flooders.entries()) await connectSender(host, org, floodMailbox(i));
    await connectSender(host, quiet, MAILBOXES.quiet);

    const floodStart = Date.now();
    const firstRequest = new Map<string, number>();
    await enqueueMany(host, interleavedFlood(flooders, options.flood), ({ orgId }) => {
      if (!firstRequest.has(orgId)) firstRequest.set(orgId, Date.now());
    });
    const floodEnqueueSeconds = (Date.now() - floodStart) / 1000;
    progress(
      `${options.floodOrgs} x ${options.flood} flood messages enqueued in ${floodEnqueueSeconds.toFixed(1)} s; the quiet org sends ${options.quiet}`,
    );

    const quietIds = Array.from({ length: options.quiet }, (_, i) => `quiet-${i}`);
    const enqueuedAt = new Map<string, number>();
    const quietStart = Date.now();
    await enqueueMany(
      host,
      quietIds.map((id) => ({ orgId: quiet, id })),
      ({ id }) => enqueuedAt.set(id, Date.now()),
    );
    const quietEnqueueMs = Date.now() - quietStart;
    const retryCodes = new Set<string>();
    const rows = await waitForQuiet(deliveries, quiet, quietIds, retryCodes);
    const latencies = rows.map((r) => Date.parse(r.sentAt!) - enqueuedAt.get(r.id)!);
    const lastQuietSent = Math.max(...rows.map((r) => Date.parse(r.sentAt!)));
    progress(`the quiet org's messages sent within ${lastQuietSent - quietStart} ms of its first enqueue request; stopping the floods`);
    // Stop the floods, then read what they had done (the store outlives the host).
    closing = host.close();
    await closing;
    const sent = await Promise.all(flooders.map((org) => sentTimes(deliveries, org)));
    const byThen = sent.map((times) => times.filter((t) => t <= lastQuietSent).length);
    const before = sent.map((times) => times.filter((t) => t < quietStart).length);
    const during = sent.flat().filter((t) => t >= quietStart && t <= lastQuietSent).length;
    const windowSeconds = Math.max(0.001, (lastQuietSent - quietStart) / 1000);
    const floodSentBeforeQuiet = before.reduce((a, b) => a + b, 0);
    const due = flooders.map((org) => dueByRate(quietStart - firstRequest.get(org)!, options.flood, options.ratePerMinute));
    const workerPerSecond = during / windowSeconds;
    progress(`counted ${sent.flat().length} flood messages sent`);
    return {
      ...options,
      floodEnqueueSeconds,
      quietEnqueueMs,
      quietAttempts: rows.reduce((sum, r) => sum + r.attempts, 0),
      quietRetryCodes: [...retryCodes],
      quietP50Ms: percentile(latencies, 50),
      quietP95Ms: percentile(latencies, 95),
      quietMaxMs: Math.max(...latencies),
      quietOwnRateFloorMs: ownRateFloorMs(options.quiet, options.ratePerMinute),
      floodSentByThen: byThen.reduce((a, b) => a + b, 0),
      floodSentByThenPerOrg: { min: Math.min(...byThen), max: Math.max(...byThen) },
      floodSentBeforeQuiet,
      floodDueUnsentAtQuiet: due.reduce((sum, d, i) => sum + Math.max(0, d - before[i]), 0),
      workerPerSecond,
      fifoWaitSeconds: fifoWaitSeconds({
        unsent: options.floodOrgs * options.flood - floodSentBeforeQuiet,
        mailboxes: options.floodOrgs,
        ratePerMinute: options.ratePerMinute,
        workerPerSecond,
      }),
    };
  } finally {
    await (closing ?? host.close());
  }
}
