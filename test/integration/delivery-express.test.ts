/**
 * The express lane (shared/delivery/enqueue.ts, docs/delivery.md, "Per-mailbox limits and fairness"): a
 * message due at once never queues behind other mailboxes' DUE backlog. Org A's flood is enqueued
 * with no worker running and left until every one of its slots has come due (a backlog, as on an
 * instance that cannot keep up); then a worker starts that takes one message at a time per queue
 * (so the backlog binds), and org B (another mailbox) sends 3. All of B's are sent while most of
 * A's backlog still waits; in one FIFO queue B would wait behind all of it.
 */
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { getServices } from '@shared/services';
import { QUEUES } from '@shared/store/names';
import {
  emptyQueues,
  enqueueAll,
  googleSender,
  ids,
  microsoftSender,
  newOrgId,
  sandboxControl,
  sleep,
  waitFor,
  waitForFinal,
} from './delivery-helpers';

const FLOOD = 100;
const RATE_PER_MINUTE = 600; // A's slots 100 ms apart: 10 s of sending, the first 2 s of it on the express lane
const GRAPH_LATENCY_MS = 200;
const ENV = { MICROSOFT_MAILBOX_RATE_PER_MINUTE: String(RATE_PER_MINUTE), GOOGLE_MAILBOX_RATE_PER_MINUTE: String(RATE_PER_MINUTE) };

let worker: LocalHost | undefined;

afterAll(async () => {
  await worker?.close();
  await sandboxControl('POST', 'graph/limits', { latencyMs: 0 });
});

it(`a quiet org's messages are sent while another org's due backlog of ${FLOOD} mostly waits`, async () => {
  const a = newOrgId('backlog');
  const b = newOrgId('quiet');
  // Only this file's messages on the lanes (an earlier file's leftovers would keep the express lane busy).
  await emptyQueues();
  const setup = await startLocalHost({ port: 0, env: ENV, queues: false, timers: false, log: () => undefined });
  const floodIds = ids('a', FLOOD);
  try {
    await microsoftSender(getServices(), a);
    await googleSender(getServices(), b, 'admin@fabrikam.example');
    await enqueueAll(setup, a, floodIds, 16);
  } finally {
    await setup.close();
  }
  // Every slot of A's comes due: the whole flood is now a backlog of due messages.
  await sleep((FLOOD * 60_000) / RATE_PER_MINUTE + 1000);
  // Each of A's sends takes the time Graph does in Azure (B sends through Gmail, untouched), so how many
  // of A's go out while B's 3 do is set by the lanes, not by how fast this machine runs A's sends.
  await sandboxControl('POST', 'graph/limits', { latencyMs: GRAPH_LATENCY_MS });

  worker = await startLocalHost({
    port: 0,
    env: ENV,
    timers: false,
    queueSettings: { batchSize: 1, newBatchThreshold: 0, maxPollingIntervalMs: 250 },
    log: () => undefined,
  });
  const services = getServices();
  // A's first 2 s of slots took the express lane: let the worker finish those first, so B's lane is empty.
  const express = services.queues.named(QUEUES.outboxExpress);
  await waitFor('the express lane drained', async () => ((await express.count()) === 0 ? true : undefined), 60_000, 100);
  const quietStart = Date.now();
  const quietIds = ids('b', 3);
  await enqueueAll(worker, b, quietIds, 3);
  const quiet = await waitForFinal(services, b, quietIds, 60_000);
  expect([...quiet.values()].map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
  const quietDone = Math.max(...[...quiet.values()].map((r) => Date.parse(r.sentAt!)));

  const flood = await waitForFinal(services, a, floodIds, 120_000);
  expect([...flood.values()].filter((r) => r.status !== 'sent')).toEqual([]);
  const sentAt = [...flood.values()].map((r) => Date.parse(r.sentAt!));
  const waiting = sentAt.filter((at) => at > quietStart).length;
  const overtaking = sentAt.filter((at) => at > quietStart && at <= quietDone).length;
  console.log(`express lane: ${waiting} of A's backlog still waited when B enqueued; ${overtaking} of them were sent before B's 3 were`);
  // In one FIFO queue B would wait for (nearly) all of them.
  expect(waiting).toBeGreaterThanOrEqual(30);
  expect(overtaking).toBeLessThan(waiting / 3);
}, 180_000);
