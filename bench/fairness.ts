/**
 * Benchmark 4 (README "Benchmarks"): fairness. Org A floods its mailbox with far more messages than
 * the per-mailbox rate lets out during the run; right after, org B (another mailbox) sends a few.
 * B must not wait behind A: the scheduler gives each of A's messages a future slot of A's mailbox
 * at enqueue time, so the queue is not a FIFO of A's backlog. Measured: B's time from its enqueue
 * request to `sent` (the row's sentAt), and how much of A's flood was sent by then.
 */
import { startLocalHost } from '../dev/host/localHost';
import { getServices } from '@shared/services';
import type { DeliveryRecord, DeliveryStore } from '@shared/store/deliveryStore';
import { connectSender, enqueue, MAILBOXES, newOrgId, prepareSandbox } from './app';
import type { LatencyProfile } from './profiles';
import { percentile, progress, waitFor } from './measure';

export interface FairnessOptions {
  /** Messages org A enqueues, and the per-mailbox rate (MICROSOFT_MAILBOX_RATE_PER_MINUTE). */
  flood: number;
  ratePerMinute: number;
  /** Messages org B sends once A's flood is enqueued. */
  quiet: number;
  profile: LatencyProfile;
}

export interface FairnessResult extends FairnessOptions {
  floodEnqueueSeconds: number;
  /** Seconds each successive 1,000 of A's enqueue requests took (shows Azurite slowing down as it fills). */
  floodEnqueueChunkSeconds: number[];
  /** How long B's enqueue requests took, all together; B's attempts (1 each when nothing was retried) and retry codes seen. */
  quietEnqueueMs: number;
  quietAttempts: number;
  quietRetryCodes: string[];
  quietP50Ms: number;
  quietP95Ms: number;
  quietMaxMs: number;
  /** A's messages sent when B's last one was sent. */
  floodSentByThen: number;
  /** A's messages sent before B's first enqueue: B waited behind the rest of them in a FIFO queue. */
  floodSentBeforeQuiet: number;
}

/** B's messages must all be sent within this; A's flood is never waited for. */
const QUIET_TIMEOUT_MS = 120_000;
const MAX_PAGES = 200;
const ENQUEUE_CHUNK = 1000;

/** Times A's messages were sent (its `sent` rows, paged through the delivery list). */
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

export async function benchFairness(options: FairnessOptions): Promise<FairnessResult> {
  await prepareSandbox(options.profile);
  const host = await startLocalHost({
    port: 0,
    env: { MICROSOFT_MAILBOX_RATE_PER_MINUTE: String(options.ratePerMinute) },
    timers: false,
    log: () => undefined,
  });
  const deliveries = getServices().delivery.deliveries;
  const flooder = newOrgId('flood');
  const quiet = newOrgId('quiet');
  let closing: Promise<void> | undefined;
  try {
    await connectSender(host, flooder, MAILBOXES.flood);
    await connectSender(host, quiet, MAILBOXES.quiet);

    const floodStart = Date.now();
    const chunkStarts: number[] = [];
    let started = 0;
    await enqueue(host, flooder, Array.from({ length: options.flood }, (_, i) => `flood-${i}`), () => {
      if (started++ % ENQUEUE_CHUNK === 0) chunkStarts.push(Date.now());
    });
    chunkStarts.push(Date.now());
    const floodEnqueueSeconds = (Date.now() - floodStart) / 1000;
    progress(`org A's ${options.flood} messages enqueued in ${floodEnqueueSeconds.toFixed(1)} s; org B sends ${options.quiet}`);

    const quietIds = Array.from({ length: options.quiet }, (_, i) => `quiet-${i}`);
    const enqueuedAt = new Map<string, number>();
    const quietStart = Date.now();
    await enqueue(host, quiet, quietIds, (id) => enqueuedAt.set(id, Date.now()));
    const quietEnqueueMs = Date.now() - quietStart;
    const retryCodes = new Set<string>();
    const rows = await waitFor(
      `org B's ${options.quiet} messages sent`,
      async () => {
        const read = await Promise.all(quietIds.map((id) => deliveries.get(quiet, id)));
        for (const row of read) if (row?.status === 'retrying') retryCodes.add(row.code ?? 'unknown');
        if (read.some((r) => r?.status === 'failed')) throw new Error(`an org B message failed: ${JSON.stringify(read.find((r) => r?.status === 'failed'))}`);
        return read.every((r) => r?.status === 'sent') ? (read as DeliveryRecord[]) : undefined;
      },
      QUIET_TIMEOUT_MS,
      100,
    );
    const latencies = rows.map((r) => Date.parse(r.sentAt!) - enqueuedAt.get(r.id)!);
    const lastQuietSent = Math.max(...rows.map((r) => Date.parse(r.sentAt!)));
    progress(`org B's messages sent within ${lastQuietSent - quietStart} ms of its first enqueue request; stopping the flood`);
    // Stop the flood, then read what it had done (the store outlives the host).
    closing = host.close();
    await closing;
    const floodSent = await sentTimes(deliveries, flooder);
    progress(`counted ${floodSent.length} of org A's messages sent`);
    return {
      ...options,
      floodEnqueueSeconds,
      floodEnqueueChunkSeconds: chunkStarts.slice(1).map((t, i) => (t - chunkStarts[i]) / 1000),
      quietEnqueueMs,
      quietAttempts: rows.reduce((sum, r) => sum + r.attempts, 0),
      quietRetryCodes: [...retryCodes],
      quietP50Ms: percentile(latencies, 50),
      quietP95Ms: percentile(latencies, 95),
      quietMaxMs: Math.max(...latencies),
      floodSentByThen: floodSent.filter((t) => t <= lastQuietSent).length,
      floodSentBeforeQuiet: floodSent.filter((t) => t < quietStart).length,
    };
  } finally {
    await (closing ?? host.close());
  }
}
