/**
 * The in-memory stores of test/support/fakes.ts refuse what Table and Queue Storage refuse, so a
 * unit test on them cannot pass where the real store would fail.
 */
import { DeliveryTransitionError } from '@shared/delivery/states';
import { fakeDeliveryStore, fakeQueueStore } from '../support/fakes';

const init = { orgId: 'acme', id: 'm-1', category: undefined, recipients: 1, contentHash: 'h' } as const;

describe('fake stores', () => {
  it('the delivery store conditions every write on the ETag read and keeps the lease rule', async () => {
    let now = 1_000_000;
    const store = fakeDeliveryStore(() => now);
    const { record } = await store.create(init);
    expect((await store.create(init)).created).toBe(false);
    const claimed = await store.claim(record, 'worker-a', 60_000);
    await expect(store.claim(record, 'worker-b', 60_000)).rejects.toMatchObject({ reason: 'stale' });
    await expect(store.transition(claimed, 'sent', {}, { owner: 'worker-b' })).rejects.toBeInstanceOf(DeliveryTransitionError);
    await expect(store.transition(claimed, 'queued')).rejects.toMatchObject({ reason: 'illegal' });
    now += 61_000;
    expect((await store.transition(claimed, 'sent', {}, { owner: 'worker-b' })).status).toBe('sent');
  });

  it('the queue hides a received message until its visibility timeout, and counts receives', async () => {
    let now = 0;
    const queue = fakeQueueStore('outbox', () => now);
    await queue.send({ id: 'm-1' }, { visibilityDelaySeconds: 5 });
    expect(await queue.receive(32, 30)).toEqual([]);
    now = 5_000;
    const [first] = await queue.receive(32, 30);
    expect(first.dequeueCount).toBe(1);
    expect(await queue.receive(32, 30)).toEqual([]);
    now = 35_000;
    const [again] = await queue.receive(32, 30);
    expect(again.dequeueCount).toBe(2);
    await queue.delete(first); // an old pop receipt no longer names the message
    expect(await queue.count()).toBe(1);
    await queue.delete(again);
    expect(await queue.count()).toBe(0);
  });
});
