/** DeliveryStore and the mailbox slot rows against Azurite (started by the test runner). */
import { randomUUID } from 'node:crypto';
import { createStorageClients } from '@shared/store/storageClients';
import { createDeliveryStore } from '@shared/delivery/deliveries';
import { DeliveryTransitionError } from '@shared/delivery/states';
import { createMailboxSlotStore } from '@shared/store/mailboxSlots';
import { createMailboxScheduler } from '@shared/delivery/scheduler';
import { createPoisonArchive } from '@shared/store/poisonArchive';

const storage = () =>
  createStorageClients({ storage: { kind: 'connectionString', connectionString: process.env.AzureWebJobsStorage! } }, () => {
    throw new Error('no credential needed for a connection string');
  });

const store = createDeliveryStore(storage());
const org = () => `org-${randomUUID().slice(0, 8)}`;

async function refusal(promise: Promise<unknown>): Promise<DeliveryTransitionError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryTransitionError);
    return error as DeliveryTransitionError;
  }
  throw new Error('expected the transition to be refused');
}

describe('DeliveryStore', () => {
  it('creates a delivery once: the same id again returns the existing row', async () => {
    const orgId = org();
    const first = await store.create({ orgId, id: 'm1', category: 'invite', recipients: 2 });
    expect(first).toMatchObject({ created: true, record: { status: 'queued', attempts: 0, category: 'invite', recipients: 2 } });
    const second = await store.create({ orgId, id: 'm1' });
    expect(second.created).toBe(false);
    expect(second.record).toMatchObject({ status: 'queued', category: 'invite' });
  });

  it('walks queued -> sending -> sent and counts the attempt', async () => {
    const orgId = org();
    const { record } = await store.create({ orgId, id: 'm1' });
    const claimed = await store.claim(record, 'worker-a', 60_000, { via: 'org', provider: 'microsoft', sender: 'n@contoso.example' });
    expect(claimed).toMatchObject({ status: 'sending', attempts: 1, leaseOwner: 'worker-a', via: 'org' });
    const sent = await store.transition(claimed, 'sent', { sentAt: new Date().toISOString() }, { owner: 'worker-a' });
    expect(sent.status).toBe('sent');
    const read = await store.get(orgId, 'm1');
    expect(read).toMatchObject({ status: 'sent', attempts: 1, provider: 'microsoft' });
    expect(read?.leaseOwner).toBeUndefined();
  });

  it('refuses an illegal transition (sent -> sending) with a typed error', async () => {
    const orgId = org();
    const { record } = await store.create({ orgId, id: 'm1' });
    const sent = await store.transition(await store.claim(record, 'w', 60_000), 'sent', {}, { owner: 'w' });
    const error = await refusal(store.claim(sent, 'w2', 60_000));
    expect(error).toMatchObject({ reason: 'illegal', from: 'sent', to: 'sending', code: 'CONCURRENT_UPDATE' });
    await refusal(store.transition(sent, 'failed', {}, { ignoreLease: true }));
    expect((await store.get(orgId, 'm1'))?.status).toBe('sent');
  });

  it('refuses a write based on a stale ETag: two workers cannot both claim', async () => {
    const orgId = org();
    const { record } = await store.create({ orgId, id: 'm1' });
    const [a, b] = await Promise.allSettled([store.claim(record, 'a', 60_000), store.claim(record, 'b', 60_000)]);
    const outcomes = [a.status, b.status].sort();
    expect(outcomes).toEqual(['fulfilled', 'rejected']);
    const rejected = (a.status === 'rejected' ? a : b) as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ reason: 'stale' });
    expect((await store.get(orgId, 'm1'))?.attempts).toBe(1);
  });

  it('honours the lease: another worker waits until it runs out, then may take over', async () => {
    const orgId = org();
    const { record } = await store.create({ orgId, id: 'm1' });
    const now = Date.now();
    const claimed = await store.claim(record, 'a', 10_000, {}, now);
    expect((await refusal(store.claim(claimed, 'b', 10_000, {}, now + 5000))).reason).toBe('leased');
    expect((await refusal(store.transition(claimed, 'sent', {}, { owner: 'b', now: now + 5000 }))).reason).toBe('leased');
    const takenOver = await store.claim(claimed, 'b', 10_000, {}, now + 11_000);
    expect(takenOver).toMatchObject({ status: 'sending', attempts: 2, leaseOwner: 'b' });
    // The first worker's late record is refused: the row moved on (its ETag is stale).
    expect((await refusal(store.transition(claimed, 'sent', {}, { owner: 'a', now: now + 12_000 }))).reason).toBe('stale');
  });

  it('records retrying with the due time, and failed as final', async () => {
    const orgId = org();
    const { record } = await store.create({ orgId, id: 'm1' });
    const claimed = await store.claim(record, 'w', 60_000);
    const due = new Date(Date.now() + 30_000).toISOString();
    const retrying = await store.transition(claimed, 'retrying', { code: 'PROVIDER_THROTTLED', nextAttemptAt: due }, { owner: 'w' });
    expect(retrying).toMatchObject({ status: 'retrying', code: 'PROVIDER_THROTTLED', nextAttemptAt: due });
    const again = await store.claim(retrying, 'w2', 60_000);
    expect(again.nextAttemptAt).toBeUndefined();
    const failed = await store.transition(again, 'failed', { code: 'MS_SECRET_EXPIRED' }, { owner: 'w2' });
    expect(failed.status).toBe('failed');
    expect((await refusal(store.claim(failed, 'w3', 60_000))).reason).toBe('illegal');
  });

  it('lists newest first, filters by status, and pages with a cursor', async () => {
    const orgId = org();
    const base = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) await store.create({ orgId, id: `m${i}`, now: base + i * 1000 });
    const m1 = (await store.get(orgId, 'm1'))!;
    await store.transition(m1, 'failed', { code: 'INVALID_MESSAGE' });

    const page1 = await store.list(orgId, { limit: 2 });
    expect(page1.items.map((d) => d.id)).toEqual(['m4', 'm3']);
    expect(page1.cursor).toBeDefined();
    const page2 = await store.list(orgId, { limit: 2, cursor: page1.cursor });
    expect(page2.items.map((d) => d.id)).toEqual(['m2', 'm1']);
    const page3 = await store.list(orgId, { limit: 2, cursor: page2.cursor });
    expect(page3.items.map((d) => d.id)).toEqual(['m0']);

    const failed = await store.list(orgId, { status: 'failed' });
    expect(failed.items).toEqual([expect.objectContaining({ id: 'm1', status: 'failed', code: 'INVALID_MESSAGE' })]);
    expect((await store.list(org())).items).toEqual([]);
  });
});

describe('mailbox slot rows', () => {
  it('two instances reserving the same mailbox at once never get the same slot', async () => {
    const key = `microsoft:${randomUUID()}@contoso.example`;
    const instanceA = createMailboxScheduler(createMailboxSlotStore(storage()));
    const instanceB = createMailboxScheduler(createMailboxSlotStore(storage()));
    const slots = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? instanceA : instanceB).reserve(key, 600)));
    expect(new Set(slots).size).toBe(40);
    const sorted = [...slots].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(99);
  });
});

describe('poison archive', () => {
  it('keeps an unreadable message with its raw text', async () => {
    const archive = createPoisonArchive(storage());
    const raw = `{not json ${randomUUID()}`;
    const kept = await archive.keep({ queue: 'outbox', raw, reason: 'not JSON' });
    const rows = await archive.list(kept.day);
    expect(rows).toContainEqual(expect.objectContaining({ raw, reason: 'not JSON', queue: 'outbox', truncated: false }));
  });
});
