/**
 * Delivery under faults injected by the sandbox: throttling storms, 5xx storms, dropped connections
 * and a Key Vault outage. Every message must end `sent` exactly once (the sandbox's accepted list has
 * no duplicates), nothing may reach the poison queue, and the host never retries (dequeue count 1).
 */
import { randomBytes } from 'node:crypto';
import {
  acceptedMessages,
  ids,
  dequeueCounts,
  enqueueAll,
  googleSender,
  microsoftSender,
  newOrgId,
  sandboxControl,
  startWithDefaultSender,
  TestHost,
  waitFor,
  waitForFinal,
} from './delivery-helpers';
import { QUEUES } from '@shared/store/names';
import { buildEnvelope } from '@shared/delivery/envelope';

let t: TestHost;

beforeAll(async () => {
  t = await startWithDefaultSender();
});

afterAll(async () => {
  await t?.host.close();
});

beforeEach(async () => {
  await sandboxControl('DELETE', 'faults');
  await sandboxControl('DELETE', 'messages');
  await sandboxControl('DELETE', 'requests');
  t.logs.length = 0;
});

const poisonCount = () => t.services.queues.outboxPoison.count();

/** Each accepted message exactly once, from the expected mailbox. */
async function expectSentOnce(mailbox: string, list: string[]): Promise<void> {
  const subjects = (await acceptedMessages())
    .filter((m) => m.mailbox === mailbox)
    .map((m) => m.subject)
    .sort();
  expect(subjects).toEqual(list.map((id) => `Subject ${id}`).sort());
}

describe('delivery under faults', () => {
  it('sendMail answering 429 (Retry-After 2) for the first 50 requests: all sent, none poisoned, dequeue counts stay at 1', async () => {
    const org = newOrgId('throttled');
    await microsoftSender(t.services, org);
    await sandboxControl('POST', 'faults', {
      service: 'graph',
      method: 'POST',
      path: '/sendMail$',
      status: 429,
      retryAfter: '2',
      count: 50,
    });
    const list = ids('t', 30);
    await enqueueAll(t.host, org, list);

    const rows = await waitForFinal(t.services, org, list);
    expect([...rows.values()].every((r) => r.status === 'sent')).toBe(true);
    const requests = await sandboxControl<Array<{ status: number }>>('GET', 'requests?service=graph&path=/sendMail$');
    expect(requests.filter((r) => r.status === 429)).toHaveLength(50);
    expect(requests.filter((r) => r.status === 202)).toHaveLength(30);
    expect(Math.max(...[...rows.values()].map((r) => r.attempts))).toBeGreaterThan(1);
    await expectSentOnce('notifications@contoso.example', list);
    expect(await poisonCount()).toBe(0);
    expect(new Set(dequeueCounts(t.logs))).toEqual(new Set([1]));
  });

  it('a 503 storm on Graph and dropped connections on Gmail, then recovery: nothing lost, nothing duplicated', async () => {
    const ms = newOrgId('storm');
    const google = newOrgId('drops');
    await microsoftSender(t.services, ms);
    await googleSender(t.services, google, 'alerts@fabrikam.example');
    await sandboxControl('POST', 'faults', { service: 'graph', method: 'POST', path: '/sendMail$', status: 503, count: 30 });
    await sandboxControl('POST', 'faults', { service: 'gmail', method: 'POST', path: '/messages/send$', drop: true, count: 15 });
    const msList = ids('s', 20);
    const googleList = ids('d', 20);
    await Promise.all([enqueueAll(t.host, ms, msList), enqueueAll(t.host, google, googleList)]);

    const msRows = await waitForFinal(t.services, ms, msList);
    const googleRows = await waitForFinal(t.services, google, googleList);
    for (const row of [...msRows.values(), ...googleRows.values()]) expect(row.status).toBe('sent');
    expect([...msRows.values()].some((r) => r.attempts > 1)).toBe(true);
    expect([...googleRows.values()].some((r) => r.attempts > 1)).toBe(true);
    await expectSentOnce('notifications@contoso.example', msList);
    await expectSentOnce('alerts@fabrikam.example', googleList);
    expect(await poisonCount()).toBe(0);
    expect(new Set(dequeueCounts(t.logs))).toEqual(new Set([1]));
  });

  it('Key Vault down for 30 s while new senders start: messages wait in retrying, then all go out once', async () => {
    const org = newOrgId('vault');
    await microsoftSender(t.services, org);
    // Secrets written during setup are cached; a fresh process would not have them.
    t.services.secrets.forget(`org-${org}-`);
    await sandboxControl('POST', 'faults', { service: 'keyVault', status: 503, durationMs: 30_000 });
    const list = ids('v', 10);
    await enqueueAll(t.host, org, list);

    const during = await waitFor('a retry while the vault is down', async () => {
      const row = await t.services.delivery.deliveries.get(org, list[0]);
      return row?.status === 'retrying' ? row : undefined;
    });
    expect(during.code).toBe('SECRET_STORE_UNAVAILABLE');
    const rows = await waitForFinal(t.services, org, list, 90_000);
    for (const row of rows.values()) expect(row.status).toBe('sent');
    await expectSentOnce('notifications@contoso.example', list);
    expect(await poisonCount()).toBe(0);
    expect(new Set(dequeueCounts(t.logs))).toEqual(new Set([1]));
  }, 150_000);

  it('a re-delivered message that is already sent is not sent again', async () => {
    const org = newOrgId('redeliver');
    await microsoftSender(t.services, org);
    await enqueueAll(t.host, org, ['once']);
    await waitForFinal(t.services, org, ['once']);
    // What the host does when a worker dies after recording `sent` but before the message is deleted.
    const again = { v: 1, id: 'once', orgId: org, to: [{ address: 'customer@example.com' }], subject: 'Subject once', text: 'x' };
    await t.services.queues.outbox.send(again);
    await t.services.queues.outbox.send(again);
    await waitFor('the duplicates to be dropped', async () =>
      t.logs.filter((l) => l.includes(`${org}/once is already sent; duplicate dropped`)).length === 2 ? true : undefined,
    );
    await expectSentOnce('notifications@contoso.example', ['once']);
  });

  it('a message left in sending by a worker that died is marked uncertain after its lease, not sent again; with resendIfUncertain it is taken over and sent once', async () => {
    const org = newOrgId('takeover');
    await microsoftSender(t.services, org);
    const deliveries = t.services.delivery.deliveries;
    for (const id of ['stuck', 'resend']) {
      const { record } = await deliveries.create({ orgId: org, id });
      // The dead worker's claim, its lease already run out: whether Graph accepted its send is unknown.
      await deliveries.claim(record, 'dead-worker', 1_000, {}, Date.now() - 5_000);
      const content = {
        to: [{ address: 'customer@example.com' }],
        subject: `Subject ${id}`,
        text: 'x',
        ...(id === 'resend' ? { resendIfUncertain: true } : {}),
      };
      await t.services.queues.outbox.send(buildEnvelope({ id, orgId: org, content }));
    }
    const rows = await waitForFinal(t.services, org, ['stuck', 'resend']);
    expect(rows.get('stuck')).toMatchObject({
      status: 'uncertain',
      attempts: 1,
      uncertainAt: expect.any(String),
      error: { code: 'DELIVERY_UNCERTAIN' },
    });
    expect(rows.get('resend')).toMatchObject({ status: 'sent', attempts: 2 });
    await t.host.drain();
    await expectSentOnce('notifications@contoso.example', ['resend']);
  });

  it('what the host sets aside is re-driven and sent when it was never attempted, archived with its raw text when unreadable, and the sweep empties outbox-poison-poison', async () => {
    const org = newOrgId('poison');
    await microsoftSender(t.services, org);
    // The host moved this one after maxDequeueCount failures, before any attempt: it is re-driven, not failed.
    await t.services.queues.outboxPoison.send({
      v: 1,
      id: 'gave-up',
      orgId: org,
      to: [{ address: 'a@example.com' }],
      subject: 'Subject gave-up',
      text: 't',
    });
    // Base64 of text without an id: no delivery row to fail, so it is archived with its text.
    const marker = randomBytes(6).toString('hex');
    await t.services.queues.outboxPoison.send(`garbage ${marker}`);
    // Not even Base64: no trigger can decode it (Functions neither); the host sets it aside in
    // outbox-poison-poison, which only the poison sweep (a timer) reads.
    await t.services.queues.named(QUEUES.outbox).sendEncoded(`%%not-base64 ${marker}%%`);

    const rows = await waitForFinal(t.services, org, ['gave-up']);
    expect(rows.get('gave-up')).toMatchObject({ status: 'sent', attempts: 1 });
    await expectSentOnce('notifications@contoso.example', ['gave-up']);
    const today = () => t.services.delivery.poisonArchive.list(new Date().toISOString().slice(0, 10));
    const archived = await waitFor('the archived raw text', async () => (await today()).find((r) => r.raw.includes(marker)));
    expect(archived).toMatchObject({ queue: 'outbox-poison', raw: `garbage ${marker}` });
    const poisonPoison = t.services.queues.named(QUEUES.outboxPoisonPoison);
    await waitFor('the undecodable text in outbox-poison-poison', async () => ((await poisonPoison.count()) > 0 ? true : undefined));

    const swept = await t.services.delivery.poisonSweep.run({ info: () => undefined, warn: () => undefined });
    expect(swept.archived).toBeGreaterThanOrEqual(1);
    expect(swept.left).toBe(0);
    expect((await today()).find((r) => r.raw === `%%not-base64 ${marker}%%`)).toMatchObject({
      queue: QUEUES.outboxPoisonPoison,
      reason: 'not Base64',
    });
    expect(await poisonPoison.count()).toBe(0);
  });

  it('at most 4 sendMail calls at once per mailbox: no MailboxConcurrency 429 even with slow Graph', async () => {
    const org = newOrgId('concurrency');
    await microsoftSender(t.services, org);
    await sandboxControl('POST', 'graph/limits', { concurrency: 4, latencyMs: 300 });
    try {
      const list = ids('c', 24);
      await enqueueAll(t.host, org, list);
      const rows = await waitForFinal(t.services, org, list);
      for (const row of rows.values()) expect(row).toMatchObject({ status: 'sent', attempts: 1 });
      const requests = await sandboxControl<Array<{ status: number }>>('GET', 'requests?service=graph&path=/sendMail$');
      expect(requests.filter((r) => r.status === 429)).toEqual([]);
      expect(requests).toHaveLength(24);
    } finally {
      await sandboxControl('POST', 'graph/limits', { latencyMs: 0 });
    }
  });
});
