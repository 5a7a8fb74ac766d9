/**
 * Storage operations per delivered message on the happy path, counted by
 * requests, never by time: Azurite's three ports sit behind counting proxies (dev/storage-proxy.ts)
 * and the app's AzureWebJobsStorage points at them. Each run enqueues a batch of messages for one
 * sender (through the messages API, or straight onto the queue as the typed client does), waits for
 * the sandbox to accept them all, and divides the requests made meanwhile by the message count.
 *
 * The host's own queue traffic is listed apart: its receives are polls (batched, and empty ones
 * depend on time, not on messages), and the delete of a finished message is how the host completes
 * an invocation. Everything else the pipeline asks of Storage for a message counts.
 */
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { getServices, Services } from '@shared/services';
import { buildEnvelope } from '@shared/delivery/envelope';
import { ensureAllStorage } from '@shared/store/storageClients';
import { acceptedMessages, emptyQueues, enqueueAll, ids, message, microsoftSender, newOrgId, waitFor } from './delivery-helpers';
import { startStorageProxy, StorageProxy } from '../../dev/storage-proxy';

const N = 40;
const SERVICES = ['Blob', 'Queue', 'Table'] as const;

let proxies: Record<(typeof SERVICES)[number], StorageProxy>;
let host: LocalHost;
let services: Services;
const logs: string[] = [];

beforeAll(async () => {
  let connectionString = process.env.AzureWebJobsStorage!;
  // A message an earlier test file left hidden would become visible in a counting window.
  await emptyQueues();
  const entries = await Promise.all(
    SERVICES.map(async (service) => {
      const port = Number(new RegExp(`${service}Endpoint=http://127\\.0\\.0\\.1:(\\d+)/`).exec(connectionString)?.[1]);
      expect(port).toBeGreaterThan(0);
      const proxy = await startStorageProxy(port);
      connectionString = connectionString.replace(
        new RegExp(`${service}Endpoint=http://127\\.0\\.0\\.1:\\d+/`),
        `${service}Endpoint=http://127.0.0.1:${proxy.port}/`,
      );
      return [service, proxy] as const;
    }),
  );
  proxies = Object.fromEntries(entries) as typeof proxies;
  host = await startLocalHost({
    port: 0,
    env: { AzureWebJobsStorage: connectionString, MICROSOFT_MAILBOX_RATE_PER_MINUTE: '6000', DELIVERY_RETRY_BASE_SECONDS: '1' },
    timers: false,
    queueSettings: { maxPollingIntervalMs: 250, batchSize: 16 },
    log: (line) => logs.push(line),
  });
  services = getServices();
  await ensureAllStorage(services.storage);
}, 60_000);

afterAll(async () => {
  await host?.close();
  await Promise.all(Object.values(proxies ?? {}).map((p) => p.close()));
});

interface Counted {
  /** Requests per message by `service METHOD resource`, host polls and completions included. */
  perMessage: Record<string, number>;
  /** Status events put on `delivery-events` and `webhook-events` per message. */
  events: number;
  /**
   * The pipeline's own requests per message (everything but the host's receives and deletes and the
   * events), in two parts: what is remembered or reserved for many messages at once (slot rows,
   * sender lists, webhook endpoints), and what each message needs for itself.
   */
  amortized: number;
  unshared: number;
  hostDeletes: number;
}

const EVENT_QUEUES = /^POST (delivery-events|webhook-events)\/messages$/;
/** The host completing an outbox message, on either lane (`outbox`, `outbox-express`). */
const COMPLETE = /^DELETE outbox(-express)?\/messages\/\*$/;
const HOST = new RegExp(`^GET [\\w-]+/messages$|${COMPLETE.source}`);
const completions = (counts: Record<string, number>) =>
  Object.entries(counts).reduce((sum, [kind, n]) => sum + (COMPLETE.test(kind) ? n : 0), 0);
/** Shared by many messages; per message they depend on how long the run takes (cache ages), so they get their own bound. */
const AMORTIZED = /^(\w+ mailboxslots|GET senders\(\)|PATCH senders|GET webhookendpoints\(\))/;

/** Runs `send` for `list` of `org`, waits until the sandbox accepted every one, and counts. */
async function count(org: string, list: string[], send: () => Promise<void>): Promise<Counted> {
  const subjects = new Set(list.map((id) => message(id).subject));
  for (const proxy of Object.values(proxies)) proxy.reset();
  await send();
  await waitFor(
    `${list.length} messages of ${org} accepted`,
    async () => ((await acceptedMessages()).filter((m) => subjects.has(m.subject)).length >= list.length ? true : undefined),
    60_000,
  );
  // The last `sent` is written just after the provider's answer: wait for its log line (no Storage
  // read), then for the host to complete every invocation (its delete comes after the function returns).
  await waitFor(
    'every outcome logged',
    async () => (list.every((id) => logs.some((l) => l.includes(`${org}/${id} sent`))) ? true : undefined),
    30_000,
    50,
  );
  await waitFor('every message completed', async () => (completions(proxies.Queue.counts) >= list.length ? true : undefined), 30_000, 50);
  // Sum whole requests and divide once: a sum of fractions like 3/40 is off by a rounding error.
  const totals = { pipeline: 0, events: 0, amortized: 0, hostDeletes: 0 };
  const perMessage: Record<string, number> = {};
  for (const [service, proxy] of Object.entries(proxies)) {
    for (const [kind, n] of Object.entries(proxy.counts)) {
      perMessage[`${service.toLowerCase()} ${kind}`] = n / list.length;
      if (service === 'Queue' && COMPLETE.test(kind)) totals.hostDeletes += n;
      if (service === 'Queue' && EVENT_QUEUES.test(kind)) totals.events += n;
      else if (!(service === 'Queue' && HOST.test(kind))) totals.pipeline += n;
      if (service === 'Table' && AMORTIZED.test(kind)) totals.amortized += n;
    }
  }
  const each = (total: number) => total / list.length;
  const counted: Counted = {
    perMessage,
    events: each(totals.events),
    amortized: each(totals.amortized),
    unshared: each(totals.pipeline - totals.amortized),
    hostDeletes: each(totals.hostDeletes),
  };
  return counted;
}

describe('Storage operations per delivered message (happy path)', () => {
  it('through the messages API: at most 4 of the pipeline, plus the host completing each once', async () => {
    const org = newOrgId('ops-api');
    await microsoftSender(services, org);
    const list = ids(org, N);
    const counted = await count(org, list, () => enqueueAll(host, org, list, 8));
    console.log(`Storage requests per message, messages API:\n${JSON.stringify(counted.perMessage, null, 2)}`);
    expect(counted.hostDeletes).toBe(1);
    // Queue message + row insert at enqueue, claim, `sent`; plus what blocks of messages share.
    expect(counted.unshared).toBeLessThanOrEqual(4);
    expect(counted.amortized).toBeLessThanOrEqual(1);
    // `message.sent` on delivery-events (no webhook subscribed; `sending` is not published).
    expect(counted.events).toBeLessThanOrEqual(1);
  }, 180_000);

  it('through the typed client (straight onto the queue): at most 4, the row created by the claim', async () => {
    const org = newOrgId('ops-client');
    await microsoftSender(services, org);
    const list = ids(org, N);
    const counted = await count(org, list, async () => {
      await Promise.all(list.map((id) => services.queues.outbox.send(buildEnvelope({ id, orgId: org, content: message(id) }))));
    });
    console.log(`Storage requests per message, typed client:\n${JSON.stringify(counted.perMessage, null, 2)}`);
    expect(counted.hostDeletes).toBe(1);
    // Queue message, the claim that inserts the row, `sent`.
    expect(counted.unshared).toBeLessThanOrEqual(3);
    expect(counted.amortized).toBeLessThanOrEqual(1);
    expect(counted.events).toBeLessThanOrEqual(1);
    // Every message exactly once, and each row says so.
    const accepted = (await acceptedMessages()).filter((m) => list.includes(m.subject.slice('Subject '.length)));
    expect(accepted).toHaveLength(N);
    const rows = await Promise.all(list.map((id) => services.delivery.deliveries.get(org, id)));
    expect(rows.map((r) => r?.status)).toEqual(list.map(() => 'sent'));
  }, 180_000);
});
