/**
 * The poison sweep over in-memory stores (test/support/fakes.ts): what sits in a poison queue is
 * re-driven, archived or left for the next run when Storage refuses the way out; handled entries
 * leave the queue.
 */
import { requeueOn } from '@shared/delivery/requeue';
import { randomUUID } from 'node:crypto';
import { fakeDeliveryStore, fakePayloadStore, fakePoisonArchive, fakeQueueStore } from '../support/fakes';
import { createPoisonHandler } from '@shared/delivery/poison';
import { createPoisonSweep } from '@shared/delivery/poisonSweep';
import { retryPolicy } from '@shared/delivery/retryPolicy';
import { MailerError } from '@shared/errors';

const deliveries = fakeDeliveryStore();
const payloads = fakePayloadStore();
const poisonArchive = fakePoisonArchive();
const log = { info: () => undefined, warn: () => undefined };
const suffix = () => randomUUID().slice(0, 8);

function setup() {
  const outbox = fakeQueueStore(`outbox-${suffix()}`);
  const poison = fakeQueueStore(`outbox-poison-${suffix()}`);
  const poisonPoison = fakeQueueStore(`outbox-pp-${suffix()}`);
  const handler = createPoisonHandler({
    deliveries,
    payloads,
    poisonArchive,
    publish: async () => undefined,
    requeue: requeueOn(outbox),
    policy: retryPolicy(1000),
    queueName: poison.name,
    clock: Date.now,
  });
  const sweep = createPoisonSweep({ queues: [poison, poisonPoison], handler, poisonArchive });
  return { outbox, poison, poisonPoison, handler, sweep };
}

describe('poison sweep', () => {
  it('re-drives a never-attempted message from either poison queue and archives text that is not Base64', async () => {
    const t = setup();
    const orgId = `org-${suffix()}`;
    await t.poison.send({ v: 1, id: 'a', orgId, to: [{ address: 'ann@example.com' }], subject: 's', text: 't' });
    await t.poisonPoison.send({
      v: 1,
      id: 'b',
      orgId,
      to: [{ address: 'ann@example.com' }],
      subject: 's',
      text: 't',
      redrive: { count: 1, since: Date.now(), reason: 'x' },
    });
    const marker = suffix();
    await t.poisonPoison.sendEncoded(`%%${marker}%%`);

    expect(await t.sweep.run(log)).toEqual({ redriven: 2, failed: 0, final: 0, archived: 1, left: 0 });
    expect(await t.poison.count()).toBe(0);
    expect(await t.poisonPoison.count()).toBe(0);
    expect(await t.outbox.count()).toBe(2);
    const archived = (await poisonArchive.list(new Date().toISOString().slice(0, 10))).find((r) => r.raw === `%%${marker}%%`);
    expect(archived).toMatchObject({ queue: t.poisonPoison.name, reason: 'not Base64' });
  });

  it('leaves an entry in place when handling it fails, for the next run', async () => {
    const t = setup();
    await t.poison.send({ v: 1, id: 'a', orgId: `org-${suffix()}`, to: [{ address: 'ann@example.com' }], subject: 's', text: 't' });
    t.outbox.send = async () => {
      throw new MailerError('STORAGE_UNAVAILABLE', 'Azure Storage is unavailable (send to queue: connection refused).');
    };
    expect(await t.sweep.run(log)).toEqual({ redriven: 0, failed: 0, final: 0, archived: 0, left: 1 });
    expect(await t.poison.count()).toBe(1);
  });
});
