/**
 * Sending to a directory group through the real enqueuer, outbox worker and group fan-out, with
 * in-memory stores (test/support/fakes.ts), a fake DirectoryReader over the sandbox seed (test/support/fake-directory.ts), a
 * provider that records what it sends, and a clock the test moves. The queue is a list the test
 * drains itself (the visibility delays are the clock's business here). The same flow through the
 * local host, the sandbox and the synced copy: test/integration/group-send.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { createEnqueuer } from '@shared/delivery/enqueue';
import { eventOf, DeliveryEvent } from '@shared/delivery/events';
import { createGroupFanout } from '@shared/delivery/groupFanout';
import { MailboxLimiter } from '@shared/delivery/mailboxLimiter';
import { retryPolicy } from '@shared/delivery/retryPolicy';
import { createMailboxScheduler } from '@shared/delivery/scheduler';
import { createOutboxWorker } from '@shared/delivery/worker';
import { createRecorder } from '@shared/delivery/recorder';
import { requeueOn } from '@shared/delivery/requeue';
import { groupCheckAtEnqueue } from '@shared/delivery/groupExpansion';
import { MailerError } from '@shared/errors';
import type { MailProvider, OutgoingMail } from '@shared/providers/types';
import { senderConfig } from '../support/builders';
import type { SenderResolver } from '@shared/senders/resolve';
import { CONTOSO_DIRECTORY_USER_IDS as U, CONTOSO_GROUP_IDS as G, seedContosoDirectory } from '../../dev/sandbox/directory-seed';
import { FakeDirectory, fakeDirectory } from '../support/fake-directory';
import {
  fakeDeliveryStore,
  fakeGroupChildren,
  fakeMailboxSlotStore,
  fakePayloadStore,
  fakePoisonArchive,
  fakeQueueStore,
} from '../support/fakes';

const deliveries = fakeDeliveryStore();
const children = fakeGroupChildren(deliveries);
const log = { info: () => undefined, warn: () => undefined };
const LEASE_MS = 60_000;

/** Records each mail; a step of `failures` (by recipient address) makes that copy's send throw. */
class RecordingProvider implements MailProvider {
  readonly sent: OutgoingMail[] = [];
  readonly failures = new Map<string, MailerError>();
  constructor(readonly sender: { address: string }) {}
  async verify() {
    return [];
  }
  async send(mail: OutgoingMail) {
    const failure = this.failures.get(mail.to[0]?.address ?? '');
    if (failure) throw failure;
    this.sent.push(mail);
    return { providerMessageId: `pm-${this.sent.length}` };
  }
}

function setup(options: { reader?: FakeDirectory; limit?: number } = {}) {
  const orgId = `grp-${randomUUID().slice(0, 8)}`;
  let now = Date.now();
  const clock = () => now;
  const senderEmail = `notifications-${orgId}@contoso.example`;
  const provider = new RecordingProvider({ address: senderEmail });
  const config = senderConfig({ orgId, senderEmail, fallbackToDefault: false });
  const resolver: SenderResolver = {
    resolve: async () => ({ orgId, config, provider, via: 'org', senderKey: 'default', reason: 'test', hops: [] }),
    resolveDefault: async () => undefined,
    markNeedsAttention: async () => undefined,
  };
  // The queue as a list: what the enqueuer and the worker put on `outbox`.
  const outbox = fakeQueueStore('unused');
  const queued: unknown[] = [];
  outbox.send = async (value) => (queued.push(value), { id: String(queued.length) });
  const payloads = fakePayloadStore();
  const events: DeliveryEvent[] = [];
  // The status queue's events (events.ts `statusQueueEvents` leaves `queued` to the enqueue's answer).
  const publish = async (record: Parameters<typeof eventOf>[0]) => void (record.status !== 'queued' && events.push(eventOf(record)));
  const scheduler = createMailboxScheduler(fakeMailboxSlotStore(), clock);
  const ratePerMinute = { microsoft: 6000, google: 6000 };
  const policy = retryPolicy(1000);
  const reader = options.reader ?? fakeDirectory(seedContosoDirectory());
  const copyFaults = { failAfter: Infinity };
  let copies = 0;
  const limit = options.limit ?? 1000;
  const recorder = createRecorder({ deliveries, publish, requeue: requeueOn(outbox), payloads, clock });
  const enqueuer = createEnqueuer({
    deliveries,
    outbox,
    payloads,
    resolver,
    scheduler,
    ratePerMinute,
    publish,
    clock,
    checkGroups: groupCheckAtEnqueue(reader, limit),
  });
  const groups = createGroupFanout({
    reader,
    limit,
    children,
    recorder,
    policy,
    leaseMs: LEASE_MS,
    enqueuer: {
      enqueue: async (org, body, copyOf) => {
        if (copies++ >= copyFaults.failAfter) throw new Error('the instance died mid fan-out');
        return enqueuer.enqueue(org, body, copyOf);
      },
    },
  });
  const worker = createOutboxWorker({
    recorder,
    payloads,
    poisonArchive: fakePoisonArchive(),
    resolver,
    scheduler,
    limiter: new MailboxLimiter(4),
    policy,
    ratePerMinute,
    leaseMs: LEASE_MS,
    sendBudgetMs: LEASE_MS,
    queueName: 'outbox',
    groups,
  });

  /** Hands every queued message to the worker, moving the clock 3 s per round, until the queue is empty. */
  async function drain(rounds = 30): Promise<string[]> {
    const outcomes: string[] = [];
    for (let round = 0; round < rounds && queued.length; round++) {
      now += 3000;
      const batch = queued.splice(0);
      for (const entry of batch) outcomes.push(await worker.process(entry, log));
    }
    if (queued.length) throw new Error(`still ${queued.length} queued after ${rounds} rounds`);
    return outcomes;
  }
  const advance = (ms: number) => (now += ms);
  return { orgId, provider, queued, events, enqueuer, worker, drain, advance, reader, copyFaults };
}

const body = (id: string, to: unknown[], extra: Record<string, unknown> = {}) => ({
  id,
  to,
  subject: `Subject ${id}`,
  text: 'Hello team',
  ...extra,
});
const sentTo = (p: RecordingProvider) => p.sent.map((m) => m.to.map((t) => t.address).join(',')).sort();
const PRIVACY_TEAM = ['ada@contoso.example', 'ben@contoso.example', 'carla@contoso.example', 'erin@contoso.example'];

describe('group send through the worker', () => {
  it('Privacy team: one copy per enabled member, each addressed to them alone; Dan skipped and reported; parent rolls up to sent', async () => {
    const t = setup();
    await t.enqueuer.enqueue(
      t.orgId,
      body('team-1', [{ group: 'privacy-team@contoso.example' }], { cc: [{ address: 'ada@contoso.example' }] }),
    );
    const outcomes = await t.drain();
    expect(outcomes.filter((o) => o === 'expanded')).toHaveLength(1);

    expect(sentTo(t.provider)).toEqual(PRIVACY_TEAM);
    for (const mail of t.provider.sent) {
      expect(mail).toMatchObject({ cc: [], bcc: [], subject: 'Subject team-1', text: 'Hello team' });
      expect(mail.to).toHaveLength(1);
    }
    const parent = await deliveries.get(t.orgId, 'team-1');
    expect(parent).toMatchObject({
      status: 'sent',
      group: {
        groups: [{ ref: 'privacy-team@contoso.example', connection: 'dcaaaaaaaaaa', groupId: G.privacyTeam, name: 'Privacy team' }],
        expandedCount: 4,
        skipped: { disabled: 1, noMail: 0, disabledIds: [U.dan], noMailIds: [] },
        outcomes: { sent: 4, failed: 0, uncertain: 0, pending: 0, reasons: {} },
      },
    });
    expect(parent?.code).toBeUndefined();
    // Each copy is a delivery of its own that names its parent and the member.
    const copies = await Promise.all(t.provider.sent.map((m) => deliveries.get(t.orgId, m.id)));
    expect(copies.map((c) => c?.parent)).toEqual(['team-1', 'team-1', 'team-1', 'team-1']);
    // Ada was also named by address (cc): her copy is the explicit one, without a member id.
    expect(copies.map((c) => c?.member ?? 'explicit').sort()).toEqual([U.ben, U.carla, U.erin, 'explicit'].sort());
    // Events: the parent's claim, its expansion (with counts) and its rollup; each copy its own.
    const parentEvents = t.events.filter((e) => e.id === 'team-1');
    expect(parentEvents.map((e) => e.status)).toEqual(['sending', 'expanded', 'sent']);
    expect(parentEvents[2].group).toEqual({ expandedCount: 4, sent: 4, failed: 0, uncertain: 0, pending: 0 });
    expect(t.events.filter((e) => e.parentId === 'team-1' && e.status === 'sent')).toHaveLength(4);
  });

  it('some copies fail: partly_failed with per-reason counts and the top reason as the code', async () => {
    const t = setup();
    t.provider.failures.set('carla@contoso.example', new MailerError('MS_MESSAGE_TOO_LARGE', 'too large'));
    await t.enqueuer.enqueue(t.orgId, body('team-2', [{ group: G.privacyTeam }]));
    await t.drain();
    expect(sentTo(t.provider)).toEqual(['ada@contoso.example', 'ben@contoso.example', 'erin@contoso.example']);
    expect(await deliveries.get(t.orgId, 'team-2')).toMatchObject({
      status: 'partly_failed',
      code: 'MS_MESSAGE_TOO_LARGE',
      message: '3 of 4 copies were sent; not sent: MS_MESSAGE_TOO_LARGE x1.',
      group: { outcomes: { sent: 3, failed: 1, pending: 0, reasons: { MS_MESSAGE_TOO_LARGE: 1 } } },
    });
    expect(t.events.filter((e) => e.id === 'team-2').at(-1)).toMatchObject({ status: 'partly_failed', code: 'MS_MESSAGE_TOO_LARGE' });
  });

  it('a crash in the middle of the fan-out and the re-delivery of the parent make no duplicate copy', async () => {
    const t = setup();
    await t.enqueuer.enqueue(t.orgId, body('team-3', [{ group: G.privacyTeam }]));
    const [parentCopy] = t.queued.splice(0);
    t.copyFaults.failAfter = 2;
    t.advance(3000);
    await expect(t.worker.process(parentCopy, log)).rejects.toThrow('the instance died mid fan-out');
    expect(await deliveries.get(t.orgId, 'team-3')).toMatchObject({ status: 'sending', attempts: 1 });
    expect(t.queued.length).toBeLessThan(4); // some copies made it, not all

    // The host re-delivers the parent; after the dead worker's lease it expands again. Twice, even.
    t.copyFaults.failAfter = Infinity;
    t.advance(LEASE_MS);
    expect(await t.worker.process(parentCopy, log)).toBe('expanded');
    expect(await t.worker.process(parentCopy, log)).toBe('deferred');
    await t.drain();
    expect(sentTo(t.provider)).toEqual(PRIVACY_TEAM);
    expect(await deliveries.get(t.orgId, 'team-3')).toMatchObject({ status: 'sent', group: { expandedCount: 4, outcomes: { sent: 4 } } });
    // A late copy of the parent after the end is a plain duplicate.
    expect(await t.worker.process(parentCopy, log)).toBe('duplicate');
    expect(t.provider.sent).toHaveLength(4);
  });

  it('the group vanished or grew past the limit by send time: the parent fails with the code, nothing is sent', async () => {
    // Privacy team has 5 members (Dan included): within the limit at enqueue; by send time Legal is gone from it, and 3 joined: 6.
    const t = setup({ limit: 5 });
    await t.enqueuer.enqueue(t.orgId, body('gone', [{ group: G.legal }]));
    await t.enqueuer.enqueue(t.orgId, body('grew', [{ group: G.privacyTeam }]));
    const seed = seedContosoDirectory();
    t.reader.seed = {
      ...seed,
      groups: seed.groups
        .filter((g) => g.id !== G.legal)
        .map((g) => (g.id === G.privacyTeam ? { ...g, members: [...g.members, U.frank, U.grace, U.admin] } : g)),
    };
    await t.drain();
    expect(await deliveries.get(t.orgId, 'gone')).toMatchObject({ status: 'failed', code: 'DIRECTORY_GROUP_NOT_FOUND' });
    expect(await deliveries.get(t.orgId, 'grew')).toMatchObject({ status: 'failed', code: 'DIRECTORY_GROUP_TOO_LARGE' });
    expect(t.provider.sent).toHaveLength(0);
  });

  it('the directory copy unreadable at send time: the parent retries, then expands', async () => {
    const t = setup();
    await t.enqueuer.enqueue(t.orgId, body('later', [{ group: G.legal }]));
    t.reader.failNext = new MailerError('STORAGE_UNAVAILABLE', 'Table storage did not answer');
    const outcomes = await t.drain();
    expect(outcomes[0]).toBe('retrying');
    expect(sentTo(t.provider)).toEqual(['carla@contoso.example', 'erin@contoso.example']);
    expect(await deliveries.get(t.orgId, 'later')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('at enqueue: an unknown group, a group over the limit or one with no one to send to is refused and nothing is written', async () => {
    const t = setup({ limit: 3 });
    const refused = async (id: string, to: unknown[]) => {
      const error = await t.enqueuer.enqueue(t.orgId, body(id, to)).catch((e: MailerError) => e);
      expect(await deliveries.get(t.orgId, id)).toBeUndefined();
      return error;
    };
    expect(await refused('u1', [{ group: 'no-such-group@contoso.example' }])).toMatchObject({
      code: 'DIRECTORY_GROUP_NOT_FOUND',
      status: 422,
    });
    expect(await refused('u2', [{ group: G.privacyTeam }])).toMatchObject({ code: 'DIRECTORY_GROUP_TOO_LARGE', status: 422 });
    const seed = seedContosoDirectory();
    t.reader.seed = { ...seed, groups: [...seed.groups, { id: 'nobody', name: 'Former staff', members: [U.dan, U.sam] }] };
    expect(await refused('u3', [{ group: 'nobody' }])).toMatchObject({ code: 'DIRECTORY_GROUP_EMPTY' });
    expect(t.queued).toHaveLength(0);
    // Unreadable now: accepted; the worker decides at send time.
    t.reader.failNext = new MailerError('STORAGE_UNAVAILABLE', 'down');
    expect(await t.enqueuer.enqueue(t.orgId, body('u4', [{ group: G.legal }]))).toMatchObject({ created: true, status: 'queued' });
  });
});
