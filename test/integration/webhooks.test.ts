/**
 * Signed webhooks end to end, through the local host (its queue triggers, Azurite, the sandbox Key
 * Vault) and a local HTTPS receiver on 127.0.0.1 (so WEBHOOK_ALLOW_PRIVATE_TARGETS is on here; the
 * refusals are in webhooks-ssrf.test.ts). Retries start at 1 s, so back-off takes seconds. The POST
 * deadline is 30 s, which an answering receiver never reaches however loaded the machine; the
 * "never answers" case fires its own deadline (after 1 s and after the other endpoint has its answer).
 */
import { spawnSync } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { documentValidator } from '../support/openapi';
import { OrgMailerClient, verifyWebhook } from '@shared/client';
import { MailerError } from '@shared/errors';
import { EVENT_TYPES } from '@shared/events/catalogue';
import { messageEventOf } from '@shared/delivery/events';
import type { PlatformEvent } from '@shared/events/types';
import { QUEUES } from '@shared/store/names';
import { postWebhook, Poster } from '@shared/webhooks/poster';
import { api, enqueueAll, message, microsoftSender, newOrgId, sleep, startHost, TestHost, waitFor, waitForFinal } from './delivery-helpers';
import { Receiver, ReceivedHook, startReceiver } from './webhook-helpers';

let t: TestHost;
let receiver: Receiver;
const secrets: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  t = await startHost({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_TIMEOUT_SECONDS: '30' });
  // Events left by earlier test files would only delay ours.
  await (await t.services.storage.queue(QUEUES.webhookEvents)).clearMessages();
});

afterAll(async () => {
  await t?.host.close();
  await receiver?.close();
});

async function register(body: Record<string, unknown>): Promise<{ id: string; secret: string; orgId?: string }> {
  const answer = await api(t.host, 'POST', 'webhooks', body);
  if (answer.status !== 201) throw new Error(`register: ${answer.status} ${JSON.stringify(answer.body)}`);
  secrets.push(answer.body.secret);
  return answer.body;
}

const verified = (secret: string, hook: ReceivedHook) => {
  const a = new Webhook(secret).verify(hook.body, hook.headers) as PlatformEvent;
  const b = verifyWebhook(secret, hook.headers, hook.body);
  expect(b).toEqual(a);
  return a;
};

const attemptsOf = async (id: string, orgId?: string) =>
  (await api(t.host, 'GET', `webhooks/${id}/attempts${orgId ? `?orgId=${orgId}` : ''}`)).body.items as Array<Record<string, any>>;

describe('webhooks', () => {
  it('every event type reaches a subscribed endpoint, signed so that both verifiers accept it and refuse a tampered copy', async () => {
    const org = newOrgId('hooks');
    const hook = await register({ url: receiver.url('/all'), events: EVENT_TYPES, orgId: org, description: 'everything' });
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.orgId).toBe(org);

    // Real producers: a message through the API and the worker, a test send, a delivery-side failure, a reset.
    await microsoftSender(t.services, org);
    await enqueueAll(t.host, org, ['w-1'], 1);
    // And one straight onto the queue with the typed client: the worker creates its row (its `message.queued`).
    await new OrgMailerClient({ connectionString: process.env.AzureWebJobsStorage! }).send(org, message('w-typed'));
    await waitForFinal(t.services, org, ['w-1', 'w-typed']);
    expect((await api(t.host, 'POST', `orgs/${org}/sender/test`, { to: 'it@contoso.example' })).status).toBe(200);
    await t.services.senders.resolver.markNeedsAttention(org, new MailerError('MS_SECRET_EXPIRED', 'The client secret has expired.'));
    expect((await api(t.host, 'POST', `orgs/${org}/sender/reset`)).status).toBe(200);
    expect((await api(t.host, 'POST', `webhooks/${hook.id}/test?orgId=${org}`)).status).toBe(202);
    // Producers that are other issues' (or statuses this flow cannot reach here), through the same bus.
    const at = new Date().toISOString();
    const row = { orgId: org, id: 'w-2', attempts: 1, updatedAt: at };
    for (const status of ['retrying', 'failed', 'uncertain', 'expanded', 'partly_failed'])
      await t.services.events(messageEventOf({ ...row, status, code: 'PROVIDER_UNAVAILABLE' })!);
    const samples: Record<string, Record<string, unknown>> = {
      'sender.secret_expiring': {
        provider: 'microsoft',
        senderEmail: 'notifications@contoso.example',
        expiresOn: at,
        daysBefore: 7,
        daysLeft: 7,
      },
      'webhook.disabled': { endpointId: hook.id, url: receiver.url('/all'), failingSince: at, disabledAt: at },
      'directory.group.members_changed': { groupId: 'g-1', connectionId: 'dcaaaaaaaaaa', added: ['u-1'], removed: [] },
    };
    for (const type of EVENT_TYPES.filter((ty) => ty.startsWith('directory.') || ty in samples)) {
      const data =
        samples[type] ??
        (type.startsWith('directory.user.') ? { userId: 'u-1', email: 'ann@contoso.example' } : { groupId: 'g-1', displayName: 'Sales' });
      await t.services.events({ id: `evt_${type.replace(/\W/g, '')}${Date.now()}`, type, timestamp: at, orgId: org, data });
    }

    const hooks = await waitFor(
      'every event type at the receiver',
      async () => {
        const got = receiver.received('/all');
        const types = new Set(got.map((h) => JSON.parse(h.body).type));
        return EVENT_TYPES.every((type) => types.has(type)) ? got : undefined;
      },
      60_000,
    );
    const document = (await api(t.host, 'GET', 'openapi.json')).body;
    for (const h of hooks) {
      const event = verified(hook.secret, h);
      // The body is what the document's `webhooks` section says this type carries.
      const schema = document.webhooks[event.type].post.requestBody.content['application/json'].schema;
      expect({ type: event.type, ok: z.fromJSONSchema(schema).safeParse(event).success }).toEqual({ type: event.type, ok: true });
      expect(z.fromJSONSchema(schema).safeParse({ ...event, data: 'x' }).success).toBe(false);
      expect(h.headers['webhook-id']).toBe(event.id);
      expect(event.orgId).toBe(org);
      expect(h.headers['content-type']).toBe('application/json');
    }
    const sample = hooks[0];
    expect(() => new Webhook(hook.secret).verify(sample.body.replace(/"orgId":"/, '"orgId":"x'), sample.headers)).toThrow();
    expect(() => verifyWebhook(hook.secret, sample.headers, sample.body.replace(/"orgId":"/, '"orgId":"x'))).toThrow(/did not verify/);
    const bodies = hooks.map((h) => JSON.parse(h.body));
    const sent = bodies.find((e) => e.type === 'message.sent' && e.data.messageId === 'w-1');
    expect(sent.data).toMatchObject({ messageId: 'w-1', status: 'sent', via: 'org' });
    await waitFor('the typed message events', async () => {
      const types = receiver
        .received('/all')
        .map((h) => JSON.parse(h.body))
        .filter((e) => e.data.messageId === 'w-typed')
        .map((e) => e.type);
      return types.includes('message.queued') && types.includes('message.sent') ? true : undefined;
    });
    const attention = hooks.map((h) => JSON.parse(h.body)).find((e) => e.type === 'sender.needs_attention');
    expect(attention.data).toMatchObject({ status: 'needs_attention', code: 'MS_SECRET_EXPIRED' });

    // The API's answers are what the document says.
    const answers: Array<[string, unknown]> = [
      ['WebhookList', (await api(t.host, 'GET', `webhooks?orgId=${org}`)).body],
      ['WebhookView', (await api(t.host, 'GET', `webhooks/${hook.id}?orgId=${org}`)).body],
      ['WebhookAttempts', (await api(t.host, 'GET', `webhooks/${hook.id}/attempts?orgId=${org}`)).body],
      ['WebhookWithSecret', hook],
    ];
    for (const [name, body] of answers)
      expect({ name, ok: documentValidator(document, name).safeParse(body).success }).toEqual({ name, ok: true });
  });

  it("fan-out: an org's endpoint hears only its org, an all-orgs endpoint every org, each only the types it subscribed to", async () => {
    const [a, b] = [newOrgId('scope-a'), newOrgId('scope-b')];
    const everyOrg = await register({ url: receiver.url('/every'), events: ['directory.user.created'] });
    const onlyA = await register({ url: receiver.url('/only-a'), events: ['directory.user.created'], orgId: a });
    await register({ url: receiver.url('/a-groups'), events: ['directory.group.created'], orgId: a });
    const at = new Date().toISOString();
    const ids = { a: `evt_scope_a${Date.now()}`, b: `evt_scope_b${Date.now()}` };
    await t.services.events({ id: ids.b, type: 'directory.user.created', timestamp: at, orgId: b, data: { userId: 'u-b' } });
    await t.services.events({ id: ids.a, type: 'directory.user.created', timestamp: at, orgId: a, data: { userId: 'u-a' } });
    const every = await waitFor('both events at the all-orgs endpoint', async () => {
      const got = receiver.received('/every').map((h) => h.headers['webhook-id']);
      return got.includes(ids.a) && got.includes(ids.b) ? got : undefined;
    });
    expect(every.filter((id) => id === ids.a || id === ids.b).sort()).toEqual([ids.a, ids.b].sort());
    await waitFor("org A's event at its endpoint", async () => (receiver.received('/only-a').length ? true : undefined));
    await t.host.drain();
    expect(receiver.received('/only-a').map((h) => h.headers['webhook-id'])).toEqual([ids.a]);
    expect(receiver.received('/a-groups')).toEqual([]);
    expect(verified(everyOrg.secret, receiver.received('/every')[0]).type).toBe('directory.user.created');
    expect(verified(onlyA.secret, receiver.received('/only-a')[0]).orgId).toBe(a);
    // The bus queues only what someone subscribed to.
    const probe = (orgId: string, type: string) => t.services.webhooks.wanted({ id: 'evt_probe', type, timestamp: at, orgId, data: {} });
    expect(await probe(a, 'directory.group.created')).toBe(true);
    expect(await probe(b, 'directory.user.created')).toBe(true); // the all-orgs endpoint
    expect(await probe(b, 'directory.group.created')).toBe(false);
    expect(await probe(newOrgId('nobody'), 'message.sent')).toBe(false);
    await api(t.host, 'DELETE', `webhooks/${everyOrg.id}`);
  });

  it('a receiver answering 500 three times, then 200: delivered on the fourth try after back-off, four attempts logged, dequeue counts 1', async () => {
    const hook = await register({ url: receiver.url('/flaky'), events: ['webhook.test'] });
    receiver.script('/flaky', [500, 500, 500]);
    const from = t.logs.length;
    const { body } = await api(t.host, 'POST', `webhooks/${hook.id}/test`);
    await waitFor('a 2xx answer', async () => (receiver.received('/flaky').length >= 4 ? true : undefined), 60_000);
    const attempts = await waitFor('four attempts', async () => {
      const items = await attemptsOf(hook.id);
      return items.length >= 4 ? items : undefined;
    });
    // The fourth attempt's row is written before its invocation logs and clears failingSince.
    await t.host.drain();
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.delivered])).toEqual([
      [4, 200, true],
      [3, 500, false],
      [2, 500, false],
      [1, 500, false],
    ]);
    expect(attempts.every((a) => a.eventId === body.eventId)).toBe(true);
    // Each retry waited its back-off (1 s, 2 s, 4 s, each -20 %).
    const times = attempts.map((a) => Date.parse(a.at)).reverse();
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(800);
    expect(times[3] - times[2]).toBeGreaterThanOrEqual(3200);
    const received = receiver.received('/flaky');
    expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set([body.eventId]));
    const counts = t.logs
      .slice(from)
      .filter((l) => l.startsWith('[webhookDelivery] '))
      .flatMap((l) => [...l.matchAll(/\(dequeue (\d+)\)/g)].map((m) => Number(m[1])));
    expect(counts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(counts)).toEqual(new Set([1]));
    // One structured line per attempt (docs/operations.md), with the endpoint id but never its URL.
    const lines = t.logs
      .slice(from)
      .filter((l) => l.includes('mailer.webhook.attempt {'))
      .map((l) => JSON.parse(l.slice(l.indexOf('{'))));
    expect(lines.filter((f) => f.targetId === hook.id).map((f) => [f.attempt, f.status])).toEqual([
      [1, 'HTTP 500'],
      [2, 'HTTP 500'],
      [3, 'HTTP 500'],
      [4, 'delivered'],
    ]);
    expect(t.logs.slice(from).some((l) => l.includes(receiver.url('/flaky')))).toBe(false);
    expect((await api(t.host, 'GET', `webhooks/${hook.id}`)).body.failingSince).toBeUndefined();
  });

  it('a receiver that never answers: each attempt ends at the deadline, and another endpoint gets the same event meanwhile', async () => {
    const HANG_DEADLINE_MS = 1000;
    const org = newOrgId('hang');
    const slow = await register({ url: receiver.url('/hang'), events: ['sender.reset'], orgId: org });
    const fast = await register({ url: receiver.url('/fast'), events: ['sender.reset'], orgId: org });
    receiver.script('/hang', 'hang');
    // The hanging POST's deadline fires once it has run 1 s AND the other endpoint has its answer, so
    // "meanwhile" holds however slowly a loaded machine picks up the second delivery.
    let fastAnswered!: () => void;
    const fastDone = new Promise<void>((resolve) => (fastAnswered = resolve));
    const { deps } = t.services.webhooks;
    const realPoster = deps.poster;
    const poster: Poster = async (options) => {
      if (options.url.pathname === '/fast') return realPoster(options).finally(fastAnswered);
      if (options.url.pathname !== '/hang') return realPoster(options);
      const deadline = new AbortController();
      void Promise.all([fastDone, sleep(HANG_DEADLINE_MS)]).then(() => deadline.abort());
      return realPoster({ ...options, deadline: deadline.signal });
    };
    deps.poster = poster;
    try {
      const at = new Date().toISOString();
      await t.services.events({ id: `evt_hang${Date.now()}`, type: 'sender.reset', timestamp: at, orgId: org, data: {} });
      const [first] = await waitFor('a timed-out attempt', async () => {
        const items = await attemptsOf(slow.id, org);
        return items.length ? items.reverse() : undefined;
      });
      expect(first).toMatchObject({ attempt: 1, delivered: false, error: 'timeout' });
      expect(first.statusCode).toBeUndefined();
      expect(first.durationMs).toBeGreaterThanOrEqual(HANG_DEADLINE_MS - 50);
      const [delivered] = await attemptsOf(fast.id, org);
      expect(delivered).toMatchObject({ delivered: true, statusCode: 200 });
      // The other endpoint's POST arrived before the hanging one's deadline passed.
      expect(receiver.received('/fast')[0].at).toBeLessThan(Date.parse(first.at) + first.durationMs);
    } finally {
      deps.poster = realPoster;
    }
    await api(t.host, 'DELETE', `webhooks/${slow.id}?orgId=${org}`);
  });

  it('without a deadline of its own, a POST to a receiver that never answers ends at timeoutMs as a timeout', async () => {
    receiver.script('/hang-direct', 'hang');
    const url = new URL(receiver.url('/hang-direct'));
    const address = { address: url.hostname, family: 4 as const };
    const result = await postWebhook({ url, address, headers: {}, body: '{}', timeoutMs: 1000, ca: receiver.ca });
    expect(result).toMatchObject({ error: 'timeout' });
    expect(result.statusCode).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(950);
    expect(receiver.received('/hang-direct')).toHaveLength(1);
  });

  it('rotate-secret: during the overlap both signatures are sent and either secret verifies; replay re-sends with the same id', async () => {
    const org = newOrgId('rotate');
    const hook = await register({ url: receiver.url('/rotate'), events: ['webhook.test'], orgId: org });
    const rotated = await api(t.host, 'POST', `webhooks/${hook.id}/rotate-secret?orgId=${org}`);
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.secret);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    const { body } = await api(t.host, 'POST', `webhooks/${hook.id}/test?orgId=${org}`);
    const [h] = await waitFor('the test event', async () =>
      receiver.received('/rotate').length ? receiver.received('/rotate') : undefined,
    );
    expect(h.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verified(hook.secret, h).id).toBe(body.eventId);
    expect(verified(rotated.body.secret, h).id).toBe(body.eventId);

    expect((await api(t.host, 'POST', `webhooks/${hook.id}/replay?orgId=${org}`, { eventId: body.eventId })).status).toBe(202);
    const again = await waitFor('the replay', async () =>
      receiver.received('/rotate').length >= 2 ? receiver.received('/rotate') : undefined,
    );
    expect(again[1].headers['webhook-id']).toBe(body.eventId);
    expect((await api(t.host, 'POST', `webhooks/${hook.id}/replay?orgId=${org}`, { eventId: 'evt_nope' })).body.error.code).toBe(
      'WEBHOOK_EVENT_NOT_FOUND',
    );
  });

  it("bad input: unknown event type, too many endpoints, another org's id, bad fields; nothing stored", async () => {
    const org = newOrgId('limits');
    const unknown = await api(t.host, 'POST', 'webhooks', {
      url: receiver.url('/x'),
      events: ['message.sent', 'message.bounced'],
      orgId: org,
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({
      code: 'WEBHOOK_EVENT_UNKNOWN',
      fields: { events: expect.stringContaining('message.bounced') },
    });
    expect((await api(t.host, 'POST', 'webhooks', { url: receiver.url('/x'), events: [], orgId: org })).body.error.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      (await api(t.host, 'POST', 'webhooks', { url: receiver.url('/x'), events: ['message.sent'], orgId: org, extra: 1 })).status,
    ).toBe(422);
    expect((await api(t.host, 'GET', `webhooks?orgId=${org}`)).body.items).toEqual([]);

    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await register({ url: receiver.url(`/n${i}`), events: ['message.sent'], orgId: org })).id);
    const over = await api(t.host, 'POST', 'webhooks', { url: receiver.url('/n20'), events: ['message.sent'], orgId: org });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('WEBHOOK_LIMIT_REACHED');
    expect((await api(t.host, 'GET', `webhooks?orgId=${org}`)).body.items).toHaveLength(20);

    const other = newOrgId('other');
    for (const [method, path] of [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/rotate-secret'],
      ['POST', '/test'],
      ['GET', '/attempts'],
    ] as const) {
      const answer = await api(
        t.host,
        method,
        `webhooks/${ids[0]}${path}?orgId=${other}`,
        method === 'PATCH' ? { description: 'x' } : undefined,
      );
      expect({ method, path, status: answer.status, code: answer.body?.error?.code }).toEqual({
        method,
        path,
        status: 404,
        code: 'WEBHOOK_NOT_FOUND',
      });
    }
    expect((await api(t.host, 'GET', `webhooks/${ids[0]}`)).status).toBe(404); // not in the all-orgs scope either
    expect((await api(t.host, 'GET', `webhooks/${ids[0]}?orgId=${org}`)).status).toBe(200);
    const patched = await api(t.host, 'PATCH', `webhooks/${ids[0]}?orgId=${org}`, { events: ['message.failed'], enabled: false });
    expect(patched.body).toMatchObject({ events: ['message.failed'], enabled: false });
    expect((await api(t.host, 'DELETE', `webhooks/${ids[0]}?orgId=${org}`)).status).toBe(204);
    expect((await api(t.host, 'GET', `webhooks/${ids[0]}?orgId=${org}`)).status).toBe(404);
    for (const id of ids.slice(1)) await api(t.host, 'DELETE', `webhooks/${id}?orgId=${org}`);
  });

  it('five days of consecutive failure disable the endpoint and keep a webhook.disabled notice (published too)', async () => {
    let now = Date.now();
    const published: PlatformEvent[] = [];
    const { createWebhookServices } = await import('@shared/webhooks');
    const own = createWebhookServices({
      config: t.services.config,
      storage: t.services.storage,
      secrets: t.services.secrets,
      bus: async (e) => void published.push(e),
      clock: () => now,
      overrides: { ca: receiver.ca },
    });
    const org = newOrgId('dead');
    const hook = await own.endpoints.create({ url: receiver.url('/dead'), events: ['webhook.test'], orgId: org });
    secrets.push(hook.secret);
    receiver.script('/dead', Array(10).fill(503));
    const log = { info: () => undefined, warn: () => undefined };
    const event: PlatformEvent = {
      id: `evt_dead${Date.now()}`,
      type: 'webhook.test',
      timestamp: new Date(now).toISOString(),
      orgId: org,
      data: {},
    };
    await own.deps.events.put(event);
    const task = { endpointId: hook.id, scope: org, eventId: event.id, attempt: 1 };
    expect(await own.dispatcher.deliver(task, log)).toBe('retrying');
    const failingSince = (await own.endpoints.get(org, hook.id)).failingSince;
    expect(failingSince).toBe(new Date(now).toISOString());
    now += 25 * 3600_000;
    expect(await own.dispatcher.deliver({ ...task, attempt: 9, firstAttemptAt: event.timestamp }, log)).toBe('gave-up');
    now += 4 * 24 * 3600_000;
    expect(await own.dispatcher.deliver(task, log)).toBe('disabled');
    const view = await own.endpoints.get(org, hook.id);
    expect(view).toMatchObject({
      enabled: false,
      failingSince,
      notice: { type: 'webhook.disabled', reason: expect.stringContaining('HTTP 503') },
    });
    expect(published).toEqual([
      expect.objectContaining({
        type: 'webhook.disabled',
        orgId: org,
        data: expect.objectContaining({ endpointId: hook.id, failingSince }),
      }),
    ]);
    expect(await own.dispatcher.deliver(task, log)).toBe('dropped');
    const enabled = await own.endpoints.update(org, hook.id, { enabled: true });
    expect(enabled).toMatchObject({ enabled: true });
    expect(enabled.notice).toBeUndefined();
  });

  it('an endless answer is read to 64 KiB, then dropped; a redirect is not followed', async () => {
    const org = newOrgId('bodies');
    const endless = await register({ url: receiver.url('/endless'), events: ['webhook.test'], orgId: org });
    const moved = await register({ url: receiver.url('/redirect'), events: ['webhook.test'], orgId: org });
    receiver.script('/endless', 'endless');
    receiver.script('/redirect', 'redirect');
    await api(t.host, 'POST', `webhooks/${endless.id}/test?orgId=${org}`);
    await api(t.host, 'POST', `webhooks/${moved.id}/test?orgId=${org}`);
    const [read] = await waitFor('the endless attempt', async () =>
      (await attemptsOf(endless.id, org)).length ? attemptsOf(endless.id, org) : undefined,
    );
    // Without the cap the POST deadline would end it as a timeout.
    expect(read).toMatchObject({ delivered: true, statusCode: 200 });
    expect(read.error).toBeUndefined();
    const [redirected] = await waitFor('the redirect attempt', async () =>
      (await attemptsOf(moved.id, org)).length ? attemptsOf(moved.id, org) : undefined,
    );
    expect(redirected).toMatchObject({ delivered: false, statusCode: 302 });
    expect(receiver.received('/redirect-moved')).toEqual([]);
    for (const id of [endless.id, moved.id]) await api(t.host, 'DELETE', `webhooks/${id}?orgId=${org}`);
  });

  it('the attempts log keeps the last 100, newest first', async () => {
    const store = t.services.webhooks.deps.attempts;
    const endpointId = `wh_${'0'.repeat(12)}${Date.now().toString(16).padStart(12, '0').slice(-12)}`;
    const base = Date.parse('2026-12-01T00:00:00.000Z');
    for (let i = 1; i <= 104; i++) {
      await store.add(
        endpointId,
        {
          eventId: `evt_${i}`,
          eventType: 'webhook.test',
          at: new Date(base + i * 1000).toISOString(),
          attempt: 1,
          delivered: true,
          statusCode: 200,
          durationMs: 3,
        },
        100,
      );
    }
    const kept = await store.list(endpointId, 1000);
    expect(kept).toHaveLength(100);
    expect(kept[0].eventId).toBe('evt_104');
    expect(kept[99].eventId).toBe('evt_5');
    await store.deleteAll(endpointId);
    expect(await store.list(endpointId, 1000)).toEqual([]);
  });

  it('verifyWebhook is exported by the package entry org-mailer/client', () => {
    const probe = spawnSync(process.execPath, ['-p', "typeof require('org-mailer/client').verifyWebhook"], { encoding: 'utf8' });
    expect(probe.stdout.trim()).toBe('function');
  });

  it('no signing secret appears in any answer after creation, nor in any log line', async () => {
    expect(secrets.length).toBeGreaterThan(20);
    expect(t.logs.length).toBeGreaterThan(50);
    const answers = JSON.stringify([
      (await api(t.host, 'GET', 'webhooks')).body,
      ...(await Promise.all(
        receiver
          .received()
          .slice(0, 5)
          .map((h) => h.body),
      )),
    ]);
    for (const secret of secrets) {
      expect(answers.includes(secret)).toBe(false);
      expect(answers.includes(secret.slice(6))).toBe(false);
      expect(t.logs.some((l) => l.includes(secret.slice(6, 30)))).toBe(false);
    }
    expect(
      (await api(t.host, 'GET', 'webhooks')).body.items.every((i: Record<string, unknown>) => !('secret' in i) && !('secretName' in i)),
    ).toBe(true);
  });
});
