/**
 * A Table storage outage longer than maxDequeueCount x visibilityTimeout during a 200-message run:
 * every message ends `sent` exactly once, none `failed`, nothing stranded in
 * a poison queue. The host settings are shortened (maxDequeueCount 2, visibilityTimeout 1 s) so
 * messages really go through `outbox-poison` during a 12-second outage; Table storage is cut by a
 * proxy in front of Azurite's table port (the app's TableEndpoint points at it).
 *
 * The documented at-least-once window (the provider accepted a message and the row could not yet
 * say `sent`) is kept empty here on purpose, so that "exactly once" is a fair assertion: Table
 * storage is cut once the first 150 messages are recorded sent, with no send in flight, and the
 * other 50 are put on the queue at the moment of the cut. So a known number of messages (50) are in
 * flight through the whole outage, and the outage lasts until copies have gone to outbox-poison and
 * been re-driven (and at least OUTAGE_MS): every run proves what it claims, whatever the load.
 */
import { writeFileSync } from 'node:fs';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { getServices, Services } from '@shared/services';
import { QUEUES } from '@shared/store/names';
import { buildEnvelope } from '@shared/delivery/envelope';
import { acceptedMessages, ids, message, microsoftSender, newOrgId, sandboxControl, waitFor, waitForFinal } from './delivery-helpers';
import { startStorageProxy, StorageProxy } from '../../dev/storage-proxy';

const OUTAGE_MS = 12_000;
const MAX_DEQUEUE_COUNT = 2;
const VISIBILITY_TIMEOUT_MS = 1000;
/** Messages recorded sent before the cut; the rest of the 200 are put on the queue as it starts. */
const BEFORE_CUT = 150;

let proxy: StorageProxy;
let host: LocalHost;
let services: Services;
const logs: string[] = [];

beforeAll(async () => {
  const connectionString = process.env.AzureWebJobsStorage!;
  const tablePort = Number(/TableEndpoint=http:\/\/127\.0\.0\.1:(\d+)\//.exec(connectionString)?.[1]);
  expect(tablePort).toBeGreaterThan(0);
  proxy = await startStorageProxy(tablePort);
  await sandboxControl('POST', 'reset');
  host = await startLocalHost({
    port: 0,
    env: {
      AzureWebJobsStorage: connectionString.replace(
        /TableEndpoint=http:\/\/127\.0\.0\.1:\d+\//,
        `TableEndpoint=http://127.0.0.1:${proxy.port}/`,
      ),
      DELIVERY_RETRY_BASE_SECONDS: '1',
      // 10 a second: the first 150 messages go out over about 15 s.
      MICROSOFT_MAILBOX_RATE_PER_MINUTE: '600',
    },
    timers: false,
    // A wide batch, so the host fetches every copy the outage makes fail.
    queueSettings: {
      maxPollingIntervalMs: 250,
      batchSize: 32,
      newBatchThreshold: 64,
      maxDequeueCount: MAX_DEQUEUE_COUNT,
      visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS,
    },
    log: (line) => logs.push(`${new Date().toISOString()} ${line}`),
  });
  services = getServices();
}, 60_000);

afterAll(async () => {
  if (process.env.OUTAGE_TEST_LOG) writeFileSync(process.env.OUTAGE_TEST_LOG, logs.join('\n'));
  await sandboxControl('DELETE', 'faults').catch(() => undefined);
  await proxy?.up();
  await host?.close();
  await proxy?.close();
});

describe('a Table storage outage during a 200-message run', () => {
  it('ends with every message sent exactly once, none failed, the poison queues empty', async () => {
    expect(OUTAGE_MS).toBeGreaterThan(MAX_DEQUEUE_COUNT * VISIBILITY_TIMEOUT_MS * 3);
    const org = newOrgId('outage');
    await microsoftSender(services, org);
    await sandboxControl('DELETE', 'messages');
    const list = ids('o', 200);
    // Straight onto the queue, as the typed client does (the API's own path is slower than the run):
    // the worker creates each row and paces the messages through the mailbox's slots.
    const enqueue = (some: string[]) =>
      Promise.all(some.map((id) => services.queues.outbox.send(buildEnvelope({ id, orgId: org, content: message(id) }))));
    const mine = async () =>
      (await acceptedMessages()).filter((m) => m.subject.startsWith('Subject o-') && m.mailbox === 'notifications@contoso.example');
    await enqueue(list.slice(0, BEFORE_CUT));
    // Every one of them recorded sent: no send is between answer and record when the table goes.
    await waitForFinal(services, org, list.slice(0, BEFORE_CUT), 100_000);

    await proxy.down();
    const cutAt = Date.now();
    logs.push(`${new Date().toISOString()} test: table down`);
    const sentAtCut = (await mine()).length;
    await enqueue(list.slice(BEFORE_CUT));
    // The outage lasts until it has done what the issue describes (copies dequeued against an
    // unreadable row, moved to outbox-poison and re-driven), and at least OUTAGE_MS.
    const poisonedLogs = () => logs.filter((l) => l.includes(`moved to ${QUEUES.outboxPoison}`)).length;
    const redrivenLogs = () => logs.filter((l) => l.includes('[outboxPoison]') && l.includes('re-driven')).length;
    const outageDone = async () => (poisonedLogs() > 0 && redrivenLogs() > 0 && Date.now() - cutAt >= OUTAGE_MS ? true : undefined);
    await waitFor('copies to be poisoned and re-driven during the outage', outageDone, 120_000);
    const poisonedDuringOutage = poisonedLogs();
    const redrivenDuringOutage = redrivenLogs();
    await proxy.up();
    logs.push(`${new Date().toISOString()} test: table up`);

    // The outage really did what the issue describes: messages went to outbox-poison and came back.
    expect(sentAtCut).toBeLessThan(200);
    expect(poisonedDuringOutage).toBeGreaterThan(0);
    expect(redrivenDuringOutage).toBeGreaterThan(0);
    expect(logs.some((l) => l.includes('delivery row unreadable'))).toBe(true);

    const rows = await waitForFinal(services, org, list, 100_000);
    const failed = [...rows.values()].filter((r) => r.status !== 'sent');
    expect(failed).toEqual([]);
    const subjects = (await mine()).map((m) => m.subject).sort();
    expect(subjects).toEqual(list.map((id) => `Subject ${id}`).sort());
    expect(new Set(subjects).size).toBe(200);

    // Nothing stranded: no poison queue holds anything, and the sweep finds nothing to do.
    expect(await services.queues.outboxPoison.count()).toBe(0);
    expect(await services.queues.named(QUEUES.outboxPoisonPoison).count()).toBe(0);
    const swept = await services.delivery.poisonSweep.run({ info: () => undefined, warn: () => undefined });
    expect(swept).toEqual({ redriven: 0, failed: 0, final: 0, archived: 0, left: 0 });
  }, 300_000);
});
