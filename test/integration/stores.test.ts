/**
 * The Storage adapters against the test run's Azurite, with the real Azure SDKs: SenderStore
 * (ETag concurrency, exact round trip), QueueStore (Base64 JSON, visibility delay), PayloadStore,
 * create-on-first-use, and STORAGE_UNAVAILABLE when Storage cannot be reached.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '@shared/config';
import { MailerError } from '@shared/errors';
import type { SenderConfig } from '@shared/model/sender';
import { azuriteConnectionString } from '../../dev/stack';
import { createQueueStore, decodeQueueMessage } from '@shared/store/outboxQueue';
import { createPayloadStore } from '@shared/store/payloadStore';
import { createSenderStore } from '@shared/store/senderStore';
import { createStorageClients } from '@shared/store/storageClients';
import { googleSenderConfig, senderConfig } from '../support/builders';
import { freePort } from '../support/ports';

const config = loadConfig();
const noCredential = () => {
  throw new Error('connection-string Storage needs no credential');
};
const storage = createStorageClients(config, noCredential);

function fullSender(orgId: string): SenderConfig {
  return senderConfig({
    orgId,
    senderEmail: 'notifications@contoso.example',
    senderName: 'Contoso Notifications – Ünïcode',
    replyTo: 'support@contoso.example',
    fallbackToDefault: false,
    saveToSentItems: true,
    status: 'needs_attention',
    version: 7,
    secretGeneration: 3,
    clientSecretExpiresOn: '2027-01-31',
    mailboxObjectId: '33333333-3333-4333-8333-333333333333',
    accountEmail: 'admin@contoso.example',
    refreshTokenIssuedAt: '2026-01-01T00:00:00.000Z',
    consentedAt: '2026-01-02T03:04:05.678Z',
    secretRefs: { clientSecret: `org-${orgId}-client-secret-3` },
    secretHints: { clientSecret: 'set 2026-01-02, ends …abc' },
    lastTest: { ok: false, at: '2026-01-03T00:00:00.000Z', to: 'it@contoso.example', code: 'MS_SECRET_EXPIRED' },
    lastError: {
      code: 'MS_SECRET_EXPIRED',
      message: 'The client secret has expired.',
      hint: 'Create a new secret.',
      at: '2026-01-03T00:00:00.000Z',
    },
    updatedAt: '2026-01-03T00:00:00.000Z',
  });
}

function minimalSender(orgId: string): SenderConfig {
  const created = '2026-02-01T00:00:00.000Z';
  return googleSenderConfig({ orgId, senderName: 'Alerts', status: 'draft', locked: false, createdAt: created, updatedAt: created });
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<MailerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailerError);
  expect((error as MailerError).code).toBe(code);
  return error as MailerError;
}

describe('SenderStore', () => {
  const senders = createSenderStore(storage);

  test('round-trips every field of a SenderConfig exactly, and a minimal one without inventing fields', async () => {
    const full = fullSender(`full-${randomUUID().slice(0, 8)}`);
    await senders.create(full);
    expect((await senders.get(full.orgId))?.config).toEqual(full);

    const minimal = minimalSender(`min-${randomUUID().slice(0, 8)}`);
    await senders.create(minimal);
    const read = (await senders.get(minimal.orgId))!.config;
    expect(read).toEqual(minimal);
    expect(Object.keys(read).sort()).toEqual(Object.keys(minimal).sort());
  });

  test('the reserved default org id is stored like any other', async () => {
    const orgId = '_default';
    await senders.delete(orgId);
    await senders.create(minimalSender(orgId));
    expect((await senders.get(orgId))?.config.orgId).toBe('_default');
    await senders.delete(orgId);
  });

  test('a replace with a stale ETag is refused with CONCURRENT_UPDATE; the fresh writer wins', async () => {
    const orgId = `race-${randomUUID().slice(0, 8)}`;
    await senders.create(fullSender(orgId));
    const admin1 = (await senders.get(orgId))!;
    const admin2 = (await senders.get(orgId))!;
    expect(admin1.etag).toBe(admin2.etag);

    const first = await senders.replace({ ...admin1.config, senderName: 'First writer', version: 8 }, admin1.etag);
    expect(first.etag).not.toBe(admin1.etag);
    await expectCode(senders.replace({ ...admin2.config, senderName: 'Stale writer', version: 8 }, admin2.etag), 'CONCURRENT_UPDATE');
    expect((await senders.get(orgId))!.config.senderName).toBe('First writer');

    // Re-read, then the update goes through.
    const fresh = (await senders.get(orgId))!;
    await senders.replace({ ...fresh.config, senderName: 'Second writer', version: 9 }, fresh.etag);
    expect((await senders.get(orgId))!.config).toMatchObject({ senderName: 'Second writer', version: 9 });
  });

  test('replace removes fields that are now absent (lastError cleared after a good test)', async () => {
    const orgId = `clear-${randomUUID().slice(0, 8)}`;
    const created = await senders.create(fullSender(orgId));
    const { lastError: _dropped, replyTo: _alsoDropped, ...rest } = created.config;
    await senders.replace(rest, created.etag);
    const read = (await senders.get(orgId))!.config;
    expect(read).toEqual(rest);
    expect('lastError' in read).toBe(false);
  });

  test('create refuses an existing org, delete honours the ETag, and missing rows are not errors', async () => {
    const orgId = `life-${randomUUID().slice(0, 8)}`;
    expect(await senders.get(orgId)).toBeUndefined();
    const created = await senders.create(minimalSender(orgId));
    await expectCode(senders.create(minimalSender(orgId)), 'CONCURRENT_UPDATE');
    const updated = await senders.replace({ ...created.config, status: 'active' }, created.etag);
    await expectCode(senders.delete(orgId, created.etag), 'CONCURRENT_UPDATE');
    await senders.delete(orgId, updated.etag);
    expect(await senders.get(orgId)).toBeUndefined();
    await senders.delete(orgId);
    await expectCode(senders.replace(created.config, updated.etag), 'SENDER_NOT_FOUND');
  });
});

describe('QueueStore', () => {
  test('messages are Base64 JSON on the wire, as the Functions host expects, and decode back', async () => {
    const name = `q-b64-${randomUUID().slice(0, 8)}`;
    const queue = createQueueStore(storage, name);
    const message = { v: 1, id: 'ü-1', orgId: 'acme', subject: 'Grüße 🎉', to: [{ address: 'a@x.example' }] };
    await queue.send(message);

    // Read the raw text with a plain SDK client: what any other reader (the real host) sees.
    const text = (await (await storage.queue(name)).peekMessages()).peekedMessageItems[0].messageText;
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(text, 'base64').toString('utf8'))).toEqual(message);
    expect(await queue.peek()).toEqual([message]);

    const [entry] = await queue.receive(1, 30);
    expect(entry.dequeueCount).toBe(1);
    expect(decodeQueueMessage(entry.messageText)).toEqual({ ok: true, value: message, text: JSON.stringify(message) });
    await queue.delete(entry);
    expect(await queue.count()).toBe(0);
  });

  test('decoding follows @azure/functions: JSON when it parses, else the string; non-Base64 is refused', () => {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    expect(decodeQueueMessage(b64('plain text'))).toEqual({ ok: true, value: 'plain text', text: 'plain text' });
    expect(decodeQueueMessage(b64('42'))).toEqual({ ok: true, value: 42, text: '42' });
    expect(decodeQueueMessage('{"not":"base64"}')).toEqual({ ok: false });
  });

  test('a message sent with a visibility delay stays invisible until the delay has passed', async () => {
    const queue = createQueueStore(storage, `q-delay-${randomUUID().slice(0, 8)}`);
    // Hidden for ten minutes, so no slowness of the machine lets it show before the first receive.
    await queue.send({ id: 'hidden' }, { visibilityDelaySeconds: 600 });
    await queue.send({ id: 'now' });

    // Only the undelayed one is there to take; the delayed one exists but is hidden.
    const first = await queue.receive(32, 60);
    expect(first.map((e) => decodeQueueMessage(e.messageText))).toEqual([{ ok: true, value: { id: 'now' }, text: '{"id":"now"}' }]);
    expect(await queue.count()).toBe(2);

    const sentAt = Date.now();
    await queue.send({ id: 'later' }, { visibilityDelaySeconds: 3 });
    let delayed: Awaited<ReturnType<typeof queue.receive>> = [];
    while (delayed.length === 0) {
      await new Promise((r) => setTimeout(r, 250));
      delayed = await queue.receive(32, 60);
    }
    // Azurite counts visibility in whole seconds: allow one second of rounding, never earlier than that.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(2000);
    expect(delayed.map((e) => decodeQueueMessage(e.messageText))).toMatchObject([{ value: { id: 'later' } }]);
  });

  test('release makes a received message visible again with a higher dequeue count', async () => {
    const queue = createQueueStore(storage, `q-release-${randomUUID().slice(0, 8)}`);
    await queue.send({ id: 'again' });
    const [entry] = await queue.receive(1, 60);
    expect(await queue.receive(1, 60)).toEqual([]);
    await queue.release(entry, 0);
    const [again] = await queue.receive(1, 60);
    expect(again.id).toBe(entry.id);
    expect(again.dequeueCount).toBe(2);
  });
});

describe('PayloadStore', () => {
  const payloads = createPayloadStore(storage);

  test('a 2 MB claim-check payload round-trips byte for byte, and delete is idempotent', async () => {
    const name = `acme/${randomUUID()}`;
    const data = randomBytes(2 * 1024 * 1024);
    await payloads.put(name, data, 'application/octet-stream');
    expect((await payloads.get(name))!.equals(data)).toBe(true);
    await payloads.delete(name);
    expect(await payloads.get(name)).toBeUndefined();
    await payloads.delete(name);
  });

  test('refuses blob names that could escape their prefix', async () => {
    await expectCode(payloads.put('acme/../other', 'x'), 'INVALID_MESSAGE');
    await expectCode(payloads.get('a\nb'), 'INVALID_MESSAGE');
  });
});

describe('create on first use, and Storage down', () => {
  test('a table, queue and container that never existed are created once, on first use', async () => {
    const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
    const fresh = createStorageClients(config, noCredential);
    const table = await fresh.table(`fresh${suffix}`);
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 1 });
    expect(fresh.table(`fresh${suffix}`)).toBe(fresh.table(`fresh${suffix}`));
    const queue = await fresh.queue(`fresh-${suffix}`);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    const container = await fresh.container(`fresh-${suffix}`);
    expect(await container.exists()).toBe(true);
  });

  test('an unreachable Storage is STORAGE_UNAVAILABLE (retryable), for every adapter', async () => {
    const port = await freePort();
    const closed = { blob: port, queue: port, table: port };
    const down = createStorageClients(
      { storage: { kind: 'connectionString', connectionString: azuriteConnectionString(closed) } },
      noCredential,
    );
    const errors = [
      await expectCode(createSenderStore(down).get('acme'), 'STORAGE_UNAVAILABLE'),
      await expectCode(createQueueStore(down, 'outbox').send({ id: 'x' }), 'STORAGE_UNAVAILABLE'),
      await expectCode(createPayloadStore(down).get('acme/x'), 'STORAGE_UNAVAILABLE'),
    ];
    for (const error of errors) {
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/connection refused/);
      expect(error.message).not.toMatch(/AccountKey|Eby8/);
    }
  });
});
