/**
 * The outbox worker's decisions, with in-memory stores (test/support/fakes.ts) and a scripted provider: what is sent,
 * retried (as a new queue message, never by throwing), deferred, failed, or dropped as a duplicate.
 * The sandbox-backed end-to-end runs are in test/integration/delivery-*.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { MailerError } from '@shared/errors';
import type { MailProvider, OutgoingMail } from '@shared/providers/types';
import type { SenderConfig } from '@shared/model/sender';
import { createStorageClients } from '@shared/store/storageClients';
import { createDeliveryStore, DeliveryStore } from '@shared/delivery/deliveries';
import type { QueueStore } from '@shared/store/outboxQueue';
import type { SenderStore, StoredSender } from '@shared/store/senderStore';
import { createMailboxScheduler } from '@shared/delivery/scheduler';
import { MailboxLimiter } from '@shared/delivery/mailboxLimiter';
import { retryPolicy } from '@shared/delivery/retryPolicy';
import { createOutboxWorker } from '@shared/delivery/worker';
import { createRecorder } from '@shared/delivery/recorder';
import { requeueOn } from '@shared/delivery/requeue';
import type { DeliveryRecord } from '@shared/model/delivery';
import { createPoisonHandler } from '@shared/delivery/poison';
import { createEnqueuer } from '@shared/delivery/enqueue';
import type { DeliveryEvent } from '@shared/delivery/events';
import { eventOf } from '@shared/delivery/events';
import { createSenderResolver } from '@shared/senders/resolve';
import { noEvents } from '@shared/events/bus';
import type { ProviderCache } from '@shared/senders/providerCache';
import { fakeDeliveryStore, fakeMailboxSlotStore, fakePayloadStore, fakePoisonArchive, fakeQueueStore } from '../support/fakes';
import { senderConfig as buildSenderConfig } from '../support/builders';

const deliveries = fakeDeliveryStore();
const payloads = fakePayloadStore();
const poisonArchive = fakePoisonArchive();
const log = { info: () => undefined, warn: () => undefined };

function senderConfig(orgId: string, email: string, extra: Partial<SenderConfig> = {}): SenderConfig {
  const now = new Date().toISOString();
  return buildSenderConfig({ orgId, senderEmail: email, senderName: orgId, secretRefs: {}, createdAt: now, updatedAt: now, ...extra });
}

/** A provider that answers from a script: each call takes the next step (undefined = accept). */
class ScriptedProvider implements MailProvider {
  readonly sent: OutgoingMail[] = [];
  constructor(
    readonly sender: { address: string },
    readonly script: Array<Error | undefined> = [],
  ) {}
  async verify() {
    return [];
  }
  async send(mail: OutgoingMail) {
    const step = this.script.shift();
    if (step) throw step;
    this.sent.push(mail);
    return { providerMessageId: `pm-${this.sent.length}` };
  }
}

function setup(
  options: {
    orgFallback?: boolean;
    noDefault?: boolean;
    rate?: number;
    orgStatus?: SenderConfig['status'];
    retryBaseMs?: number;
    deliveries?: DeliveryStore;
    leaseMs?: number;
    sendBudgetMs?: number;
    express?: boolean;
    clock?: () => number;
  } = {},
) {
  const orgId = `org-${randomUUID().slice(0, 8)}`;
  const orgMailbox = `${orgId}@contoso.example`;
  const defaultMailbox = `default-${orgId}@platform.example`;
  const org = new ScriptedProvider({ address: orgMailbox });
  const fallback = new ScriptedProvider({ address: defaultMailbox });
  const configs: Record<string, SenderConfig> = {
    [orgId]: senderConfig(orgId, orgMailbox, { fallbackToDefault: options.orgFallback ?? true, status: options.orgStatus ?? 'active' }),
    _default: senderConfig('_default', defaultMailbox),
  };
  if (options.noDefault) delete configs._default;
  const attention: Array<[string, string]> = [];
  // The real resolver (routing rules included) over an in-memory sender table and scripted providers.
  const senders: SenderStore = {
    get: async (id) => (configs[id] ? { config: configs[id], etag: String(configs[id].version) } : undefined),
    create: async (config) => ((configs[config.orgId] = config), { config, etag: '1' }),
    replace: async (config): Promise<StoredSender> => {
      if (config.status === 'needs_attention') attention.push([config.orgId, config.lastError!.code]);
      configs[config.orgId] = config;
      return { config, etag: String(config.version) };
    },
    delete: async (id) => void delete configs[id],
    patch: async () => undefined,
    list: async () => ({ items: Object.values(configs).map((config) => ({ config, etag: String(config.version) })) }),
    listOrg: async (id) => ({ senders: configs[id] ? [{ config: configs[id], etag: String(configs[id].version) }] : [] }),
    putRouting: async () => {
      throw new Error('not used');
    },
  };
  const providers = { get: (config: SenderConfig) => (config.orgId === orgId ? org : fallback) } as unknown as ProviderCache;
  const resolver = createSenderResolver({ store: senders, providers, events: noEvents, now: () => new Date() });
  const outbox = fakeQueueStore(`outbox-${randomUUID().slice(0, 8)}`);
  const events: DeliveryEvent[] = [];
  const scheduler = createMailboxScheduler(fakeMailboxSlotStore());
  const ratePerMinute = { microsoft: options.rate ?? 6000, google: 6000 };
  // Every transition the worker publishes; `queued` is the enqueue's own answer (events.ts `statusQueueEvents` skips it too).
  const publish = async (record: DeliveryRecord) => void (record.status !== 'queued' && events.push(eventOf(record)));
  const clock = options.clock ?? Date.now;
  const recorder = createRecorder({ deliveries: options.deliveries ?? deliveries, publish, requeue: requeueOn(outbox), payloads, clock });
  const leaseMs = options.leaseMs ?? 60_000;
  const worker = createOutboxWorker({
    recorder,
    payloads,
    poisonArchive,
    resolver,
    scheduler,
    limiter: new MailboxLimiter(4),
    policy: retryPolicy(options.retryBaseMs ?? 1000),
    ratePerMinute,
    leaseMs,
    sendBudgetMs: options.sendBudgetMs ?? leaseMs,
    queueName: 'outbox',
  });
  const express = options.express ? fakeQueueStore(`express-${randomUUID().slice(0, 8)}`) : undefined;
  const enqueuer = createEnqueuer({ deliveries, outbox, express, payloads, resolver, scheduler, ratePerMinute, publish, clock });
  const poison = createPoisonHandler({
    deliveries,
    payloads,
    poisonArchive,
    publish,
    requeue: requeueOn(outbox),
    policy: retryPolicy(options.retryBaseMs ?? 1000),
    queueName: 'outbox-poison',
    clock,
  });
  return { orgId, org, fallback, attention, outbox, express, events, worker, enqueuer, poison, configs };
}

/** Every message put on a queue store, with its visibility delay (the store is wrapped by a spy). */
function spyOnQueue(outbox: QueueStore) {
  const sent: Array<{ value: Record<string, unknown>; delaySeconds: number }> = [];
  const original = outbox.send.bind(outbox);
  outbox.send = async (value, options) => {
    sent.push({ value: value as Record<string, unknown>, delaySeconds: options?.visibilityDelaySeconds ?? 0 });
    return original(value, options);
  };
  return sent;
}

const message = (id: string, orgId: string, extra: Record<string, unknown> = {}) => ({
  v: 1,
  id,
  orgId,
  to: [{ address: 'ann@example.com' }],
  subject: 'Hello',
  text: 'Hi',
  ...extra,
});

const throttled = (seconds: number) => new MailerError('PROVIDER_THROTTLED', 'throttled', { retryAfterSeconds: seconds });
const unavailable = () => new MailerError('PROVIDER_UNAVAILABLE', 'unavailable');
const expired = () => new MailerError('MS_SECRET_EXPIRED', 'The client secret has expired.');

describe('outbox worker', () => {
  it('sends a message, records sent with the sender used, and publishes each transition', async () => {
    const t = setup();
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('sent');
    expect(t.org.sent.map((m) => m.id)).toEqual(['m1']);
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({
      status: 'sent',
      attempts: 1,
      via: 'org',
      provider: 'microsoft',
      sender: `${t.orgId}@contoso.example`,
      providerMessageId: 'pm-1',
    });
    expect(t.events.map((e) => e.status)).toEqual(['sending', 'sent']);
    expect(t.events[1]).toEqual({ id: 'm1', orgId: t.orgId, status: 'sent', at: expect.any(String), via: 'org' });
  });

  it('drops a re-delivered message that is already sent (no second send)', async () => {
    const t = setup();
    await t.worker.process(message('m1', t.orgId), log);
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('duplicate');
    expect(t.org.sent).toHaveLength(1);
  });

  it('turns a 429 into retrying + a NEW queue message delayed by Retry-After, without throwing', async () => {
    const t = setup();
    const queued = spyOnQueue(t.outbox);
    t.org.script.push(throttled(2));
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('retrying');
    const row = await deliveries.get(t.orgId, 'm1');
    expect(row).toMatchObject({ status: 'retrying', attempts: 1, code: 'PROVIDER_THROTTLED' });
    expect(queued).toHaveLength(1);
    expect(queued[0].value).toMatchObject({ id: 'm1', orgId: t.orgId, subject: 'Hello' });
    expect(queued[0].delaySeconds).toBeGreaterThanOrEqual(2);
    expect(queued[0].delaySeconds).toBeLessThanOrEqual(2.4);
    // The mailbox is paused for the Retry-After: its next message waits too, without an attempt.
    expect(await t.worker.process(message('m2', t.orgId), log)).toBe('deferred');
    expect((await deliveries.get(t.orgId, 'm2'))?.attempts).toBe(0);
  });

  it('an early copy of a retrying message is deferred to its due time, not sent early', async () => {
    const t = setup({ retryBaseMs: 60_000 });
    t.org.script.push(unavailable());
    await t.worker.process(message('m1', t.orgId), log);
    const queued = spyOnQueue(t.outbox);
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('deferred');
    expect(queued[0].delaySeconds).toBeGreaterThan(0);
    expect(t.org.sent).toHaveLength(0);
  });

  it('gives up after 8 attempts with the last code', async () => {
    const t = setup();
    for (let i = 0; i < 8; i++) t.org.script.push(unavailable());
    for (let attempt = 1; attempt <= 8; attempt++) {
      const row = await deliveries.get(t.orgId, 'm1');
      if (row?.nextAttemptAt) {
        // Make the retry due now (the test does not wait for the back-off).
        await deliveries.transition(row, 'retrying', { nextAttemptAt: new Date().toISOString() });
      }
      const outcome = await t.worker.process(message('m1', t.orgId), log);
      expect(outcome).toBe(attempt < 8 ? 'retrying' : 'failed');
    }
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({ status: 'failed', attempts: 8, code: 'PROVIDER_UNAVAILABLE' });
  });

  it('an auth failure marks the sender needs_attention and falls back to the default sender, saying why', async () => {
    const t = setup();
    t.org.script.push(expired());
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('retrying');
    expect(t.attention).toEqual([[t.orgId, 'MS_SECRET_EXPIRED']]);
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({ status: 'retrying', via: 'default', viaReason: 'MS_SECRET_EXPIRED' });
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('sent');
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({
      status: 'sent',
      via: 'default',
      viaReason: 'MS_SECRET_EXPIRED',
      attempts: 2,
    });
    expect(t.fallback.sent.map((m) => m.id)).toEqual(['m1']);
    // Later messages of the org go straight to the default sender while it needs attention.
    expect(await t.worker.process(message('m2', t.orgId), log)).toBe('sent');
    expect(await deliveries.get(t.orgId, 'm2')).toMatchObject({ via: 'default', viaReason: 'MS_SECRET_EXPIRED', attempts: 1 });
  });

  it('without fallback an auth failure fails the message, and later ones, with the code', async () => {
    const t = setup({ orgFallback: false });
    t.org.script.push(expired());
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('failed');
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({ status: 'failed', code: 'MS_SECRET_EXPIRED' });
    // The org chose "never from another mailbox": later messages are still tried there and fail with the real code.
    t.org.script.push(expired());
    expect(await t.worker.process(message('m2', t.orgId), log)).toBe('failed');
    expect(await deliveries.get(t.orgId, 'm2')).toMatchObject({ status: 'failed', code: 'MS_SECRET_EXPIRED', via: 'org' });
    expect(t.fallback.sent).toHaveLength(0);
  });

  it('an org without an active sender uses the default sender', async () => {
    const t = setup({ orgStatus: 'draft' });
    await t.worker.process(message('m1', t.orgId), log);
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({ status: 'sent', via: 'default', viaReason: 'NO_ACTIVE_SENDER' });
  });

  it('with no sender anywhere: 422 at enqueue, SENDER_NOT_FOUND in the worker', async () => {
    const t = setup({ orgStatus: 'draft', noDefault: true });
    await expect(
      t.enqueuer.enqueue(t.orgId, { id: 'm1', to: [{ address: 'a@example.com' }], subject: 's', text: 't' }),
    ).rejects.toMatchObject({
      code: 'INVALID_MESSAGE',
      status: 422,
      fields: { orgId: expect.any(String) },
    });
    expect(await t.worker.process(message('m2', t.orgId), log)).toBe('failed');
    expect(await deliveries.get(t.orgId, 'm2')).toMatchObject({ status: 'failed', code: 'SENDER_NOT_FOUND' });
  });

  it('fails invalid messages at once with INVALID_MESSAGE, and archives unreadable ones', async () => {
    const t = setup();
    expect(await t.worker.process(message('bad', t.orgId, { subject: 'a\r\nBcc: x@example.com' }), log)).toBe('failed');
    expect(await deliveries.get(t.orgId, 'bad')).toMatchObject({
      status: 'failed',
      code: 'INVALID_MESSAGE',
      message: expect.stringMatching(/subject/),
    });
    expect(await t.worker.process('{"v":1,"id":', log)).toBe('archived');
    expect(await t.worker.process(message('good', t.orgId), log)).toBe('sent');
  });

  it('defers a message until its mailbox slot, carrying the slot so it is not reserved twice', async () => {
    const t = setup({ rate: 6 }); // one per 10 s
    const queued = spyOnQueue(t.outbox);
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('sent');
    expect(await t.worker.process(message('m2', t.orgId), log)).toBe('deferred');
    expect(queued[0].value.slot).toEqual({ mailbox: `microsoft:${t.orgId}@contoso.example`, at: expect.any(Number) });
    expect(queued[0].delaySeconds).toBeGreaterThanOrEqual(9);
    expect((await deliveries.get(t.orgId, 'm2'))?.status).toBe('queued');
  });

  it('a message that waits carries the row it inserted, so its next look needs no read; a copy of other content carries none', async () => {
    const t = setup({ rate: 6 }); // one per 10 s
    const queued = spyOnQueue(t.outbox);
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('sent');
    expect(await t.worker.process(message('m2', t.orgId), log)).toBe('deferred');
    const row = (await deliveries.get(t.orgId, 'm2'))!;
    expect(queued[0].value).toMatchObject({ row: { etag: row.etag, at: row.createdAt, contentHash: row.contentHash } });
    expect(queued[0].value.seen).toBeUndefined();
    // The waited copy again, while its slot is still ahead: decided on its snapshot, with no read.
    const reads = jest.spyOn(deliveries, 'get');
    expect(await t.worker.process(queued[0].value, log)).toBe('deferred');
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    expect(queued[1].value.row).toEqual(queued[0].value.row);
    // Same id, other content, before the slot: it waits too, but names no row (its content was never checked against it).
    expect(await t.worker.process(message('m2', t.orgId, { subject: 'Changed' }), log)).toBe('deferred');
    expect(queued[2].value).toMatchObject({ seen: true });
    expect(queued[2].value.row).toBeUndefined();
  });

  it('the enqueue API schedules at enqueue time: a flood gets increasing visibility delays', async () => {
    const t = setup({ rate: 30 }); // one per 2 s
    const queued = spyOnQueue(t.outbox);
    for (let i = 0; i < 4; i++)
      await t.enqueuer.enqueue(t.orgId, { id: `m${i}`, to: [{ address: 'a@example.com' }], subject: 's', text: 't' });
    // The first at once (its row is written before its queue message), then one slot every 2 s.
    expect(queued.map((q) => Math.round(q.delaySeconds))).toEqual([0, 2, 4, 6]);
    // Each carries the row's snapshot, so the worker claims without reading the row.
    expect(queued[0].value.row).toEqual({
      etag: expect.any(String),
      at: expect.any(String),
      recipients: 1,
      contentHash: expect.any(String),
    });
    // A second POST of an id still queued answers with the existing message; the extra queue copy
    // it writes (the first request's may have failed) is dropped by the worker.
    expect(await t.enqueuer.enqueue(t.orgId, { id: 'm0', to: [{ address: 'a@example.com' }], subject: 's', text: 't' })).toEqual({
      id: 'm0',
      status: 'queued',
      created: false,
    });
  });

  it('the express lane takes what is due within 2 s of its acceptance; the rest of a flood stays on outbox', async () => {
    const t = setup({ rate: 30, express: true }); // one per 2 s
    const regular = spyOnQueue(t.outbox);
    const express = spyOnQueue(t.express!);
    for (let i = 0; i < 4; i++)
      await t.enqueuer.enqueue(t.orgId, { id: `m${i}`, to: [{ address: 'a@example.com' }], subject: 's', text: 't' });
    // Slots at 0, 2, 4, 6 s (less the time the enqueues took): within the window go express, a backlog does not.
    expect(express.map((q) => q.value.id)).toEqual(['m0', 'm1']);
    expect(regular.map((q) => q.value.id)).toEqual(['m2', 'm3']);
    expect(Math.max(...express.map((q) => q.delaySeconds))).toBeLessThanOrEqual(2);
    expect(Math.min(...regular.map((q) => q.delaySeconds))).toBeGreaterThan(2);
    // The express copy is an ordinary envelope: the worker sends it.
    expect(await t.worker.process(express[0].value, log)).toBe('sent');
  });

  it('defers a copy that arrives while another worker holds the lease', async () => {
    const t = setup();
    const { record } = await deliveries.create({ orgId: t.orgId, id: 'm1' });
    await deliveries.claim(record, 'other-worker', 60_000);
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('deferred');
    expect(t.org.sent).toHaveLength(0);
  });

  it('throws an unexpected error for the host to retry, after freeing the row; the poison handler then records POISON with that reason', async () => {
    const t = setup();
    t.org.script.push(new TypeError('bug'));
    await expect(t.worker.process(message('m1', t.orgId), log)).rejects.toThrow('bug');
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({ status: 'retrying', code: 'INTERNAL' });
    expect(await t.poison.process(message('m1', t.orgId), log)).toBe('failed');
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({
      status: 'failed',
      code: 'POISON',
      message: expect.stringContaining('INTERNAL'),
    });
    expect(t.events.at(-1)).toMatchObject({ status: 'failed', code: 'POISON' });
  });

  it('the poison handler re-drives a never-attempted message onto outbox with its count; the worker then sends it', async () => {
    const t = setup();
    const sent = spyOnQueue(t.outbox);
    expect(await t.poison.process(message('m1', t.orgId), log)).toBe('redriven');
    expect(await deliveries.get(t.orgId, 'm1')).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(sent[0].value).toMatchObject({ id: 'm1', orgId: t.orgId, redrive: { count: 1, since: expect.any(Number) } });
    expect(sent[0].delaySeconds).toBeGreaterThan(0);
    expect(await t.worker.process(sent[0].value, log)).toBe('sent');
    expect(t.org.sent.map((m) => m.id)).toEqual(['m1']);
  });

  it('the poison handler re-drives while the row cannot be read (Storage down), and never fails it', async () => {
    const t = setup();
    const sent = spyOnQueue(t.outbox);
    const down = createStorageClients(
      {
        storage: {
          kind: 'connectionString',
          connectionString:
            'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1',
        },
      },
      () => {
        throw new Error('unused');
      },
    );
    const poison = createPoisonHandler({
      deliveries: createDeliveryStore(down),
      payloads,
      poisonArchive,
      publish: async () => undefined,
      requeue: requeueOn(t.outbox),
      policy: retryPolicy(1000),
      queueName: 'outbox-poison',
      clock: Date.now,
    });
    expect(await poison.process(message('m1', t.orgId, { redrive: { count: 2, since: Date.now() - 1000, reason: 'x' } }), log)).toBe(
      'redriven',
    );
    expect(sent[0].value).toMatchObject({ redrive: { count: 3, reason: expect.stringContaining('unavailable') } });
  });

  it('the poison handler leaves a sent message sent', async () => {
    const t = setup();
    await t.worker.process(message('m1', t.orgId), log);
    expect(await t.poison.process(message('m1', t.orgId), log)).toBe('final');
    expect((await deliveries.get(t.orgId, 'm1'))?.status).toBe('sent');
  });

  it('loads a claim-checked payload and deletes it once sent', async () => {
    const t = setup();
    const body = message('big', t.orgId, { text: 'x'.repeat(70_000) });
    const ref = `${t.orgId}/${randomUUID()}.json`;
    await payloads.put(ref, JSON.stringify(body));
    expect(await t.worker.process({ v: 1, id: 'big', orgId: t.orgId, payloadRef: ref }, log)).toBe('sent');
    expect(t.org.sent[0].text).toHaveLength(70_000);
    expect(await payloads.get(ref)).toBeUndefined();
  });

  it('same id, other content: 409 IDEMPOTENCY_CONFLICT at enqueue, and the worker drops the other copy unsent', async () => {
    const t = setup();
    const first = { id: 'idem', to: [{ address: 'a@example.com' }], subject: 'First', text: 'one' };
    expect((await t.enqueuer.enqueue(t.orgId, first)).created).toBe(true);
    // The same content, keys in another order: a plain duplicate.
    expect(
      await t.enqueuer.enqueue(t.orgId, { text: 'one', subject: 'First', to: [{ address: 'a@example.com' }], id: 'idem' }),
    ).toMatchObject({ created: false });
    const refused = await t.enqueuer.enqueue(t.orgId, { ...first, subject: 'Second' }).catch((e: MailerError) => e);
    expect(refused).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', status: 409 });
    expect(
      await t.worker.process(message('idem', t.orgId, { subject: 'Second', text: 'one', to: [{ address: 'a@example.com' }] }), log),
    ).toBe('conflict');
    expect(t.org.sent).toHaveLength(0);
    expect(
      await t.worker.process(message('idem', t.orgId, { subject: 'First', text: 'one', to: [{ address: 'a@example.com' }] }), log),
    ).toBe('sent');
    expect(t.org.sent.map((m) => m.subject)).toEqual(['First']);
  });

  it('typed-client path: the first content claimed wins; a copy with other content is dropped, never sent', async () => {
    const t = setup();
    t.org.script.push(unavailable());
    expect(await t.worker.process(message('typed', t.orgId), log)).toBe('retrying');
    expect((await deliveries.get(t.orgId, 'typed'))?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const row = (await deliveries.get(t.orgId, 'typed'))!;
    await deliveries.transition(row, 'retrying', { nextAttemptAt: new Date().toISOString() });
    expect(await t.worker.process(message('typed', t.orgId, { subject: 'Changed' }), log)).toBe('conflict');
    expect(t.org.sent).toHaveLength(0);
    expect(await t.worker.process(message('typed', t.orgId), log)).toBe('sent');
  });

  it('a row left sending by a worker whose lease ran out is marked uncertain, with an event, and never sent again', async () => {
    const t = setup();
    const { record } = await deliveries.create({ orgId: t.orgId, id: 'u1' });
    // The dead worker's claim, its lease already run out (claimed 5 s ago for 1 s): no waiting for it to expire.
    await deliveries.claim(record, 'dead-worker', 1_000, {}, Date.now() - 5_000);
    expect(await t.worker.process(message('u1', t.orgId), log)).toBe('uncertain');
    expect(await deliveries.get(t.orgId, 'u1')).toMatchObject({
      status: 'uncertain',
      attempts: 1,
      code: 'DELIVERY_UNCERTAIN',
      uncertainAt: expect.any(String),
    });
    expect(t.events.at(-1)).toMatchObject({ id: 'u1', status: 'uncertain', code: 'DELIVERY_UNCERTAIN' });
    expect(await t.worker.process(message('u1', t.orgId), log)).toBe('duplicate');
    expect(t.org.sent).toHaveLength(0);
  });

  it('resendIfUncertain: true takes such a row over and sends again', async () => {
    const t = setup();
    const { record } = await deliveries.create({ orgId: t.orgId, id: 'u2' });
    // The dead worker's claim, its lease already run out (claimed 5 s ago for 1 s): no waiting for it to expire.
    await deliveries.claim(record, 'dead-worker', 1_000, {}, Date.now() - 5_000);
    expect(await t.worker.process(message('u2', t.orgId, { resendIfUncertain: true }), log)).toBe('sent');
    expect(await deliveries.get(t.orgId, 'u2')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('accepted by the provider, `sent` not writable: never failed, never resent; the queued proof records sent', async () => {
    // A stub store whose writes of `sent` fail as a Table outage would.
    const failing: DeliveryStore = {
      ...deliveries,
      transition: async (current, to, changes, options) => {
        if (to === 'sent') throw new MailerError('STORAGE_UNAVAILABLE', 'Azure Storage is unavailable (injected).');
        return deliveries.transition(current, to, changes, options);
      },
    };
    const t = setup({ deliveries: failing });
    const queued = spyOnQueue(t.outbox);
    expect(await t.worker.process(message('acc', t.orgId), log)).toBe('unrecorded');
    expect(t.org.sent).toHaveLength(1);
    expect(await deliveries.get(t.orgId, 'acc')).toMatchObject({ status: 'sending', attempts: 1 });
    expect(queued).toHaveLength(1);
    expect(queued[0].value.accepted).toEqual({ attempt: 1, owner: expect.any(String), at: expect.any(String), providerMessageId: 'pm-1' });
    // Storage is back: the follow-up records sent from the proof, even though the lease is still live.
    const healthy = setup();
    healthy.configs[t.orgId] = t.configs[t.orgId];
    expect(await healthy.worker.process(queued[0].value, log)).toBe('sent');
    expect(await deliveries.get(t.orgId, 'acc')).toMatchObject({ status: 'sent', attempts: 1, providerMessageId: 'pm-1' });
    expect(await healthy.worker.process(queued[0].value, log)).toBe('duplicate');
    expect(t.org.sent).toHaveLength(1);
  });

  it('accepted, and neither the row nor the queue writable: the error goes to the host, and the next copy marks uncertain (no resend)', async () => {
    const failing: DeliveryStore = {
      ...deliveries,
      transition: async (current, to, changes, options) => {
        if (to === 'sent') throw new MailerError('STORAGE_UNAVAILABLE', 'Azure Storage is unavailable (injected).');
        return deliveries.transition(current, to, changes, options);
      },
    };
    // The lease runs out on the worker's clock, moved by the test rather than waited out.
    let now = Date.now();
    const t = setup({ deliveries: failing, leaseMs: 50, clock: () => now });
    const send = t.outbox.send.bind(t.outbox);
    t.outbox.send = async () => {
      throw new MailerError('STORAGE_UNAVAILABLE', 'queue down (injected)');
    };
    await expect(t.worker.process(message('lost', t.orgId), log)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    t.outbox.send = send;
    now += 80;
    expect(await t.worker.process(message('lost', t.orgId), log)).toBe('uncertain');
    expect(await deliveries.get(t.orgId, 'lost')).toMatchObject({ status: 'uncertain', code: 'DELIVERY_UNCERTAIN' });
    expect(t.org.sent).toHaveLength(1);
  });

  it('a send past the send budget is PROVIDER_TIMEOUT: retrying like a 503, the permit released, the sender left active', async () => {
    const t = setup({ sendBudgetMs: 100 });
    const send = t.org.send.bind(t.org);
    t.org.send = () => new Promise(() => undefined); // hangs, whatever signal it was given
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('retrying');
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({ status: 'retrying', attempts: 1, code: 'PROVIDER_TIMEOUT' });
    expect(t.attention).toEqual([]);
    t.org.send = send;
    // The mailbox is not blocked: with one permit per call gone back, the next message is sent at once.
    expect(await t.worker.process(message('m2', t.orgId), log)).toBe('sent');
  });

  it('an unknown provider 403 fails the message with its code but does not mark the sender needs_attention', async () => {
    const t = setup();
    t.org.script.push(
      new MailerError('PROVIDER_FORBIDDEN_UNKNOWN', 'Microsoft Graph refused the request with HTTP 403 ErrorSomethingNew: new.'),
    );
    expect(await t.worker.process(message('m1', t.orgId), log)).toBe('failed');
    expect(await deliveries.get(t.orgId, 'm1')).toMatchObject({ status: 'failed', code: 'PROVIDER_FORBIDDEN_UNKNOWN', via: 'org' });
    expect(t.attention).toEqual([]);
    expect(t.configs[t.orgId].status).toBe('active');
  });
});
