/**
 * SSRF refusals with WEBHOOK_ALLOW_PRIVATE_TARGETS off: at registration (the API answers 422 and
 * stores nothing) and at dispatch, when a name that resolved to a public address at registration
 * later resolves to a private one (an injected resolver plays the DNS, so no query leaves the
 * machine). A guard on every socket of this test process refuses, and records, any connection to an
 * address outside 127.0.0.0/8: the test proves that none was even attempted.
 */
import { lookup as dnsLookup } from 'node:dns';
import net from 'node:net';
import { createWebhookServices } from '@shared/webhooks';
import type { PlatformEvent } from '@shared/events/types';
import { postWebhook, Poster } from '@shared/webhooks/poster';
import type { ResolvedAddress, Resolver } from '@shared/webhooks/urlSafety';
import { api, newOrgId, startHost, TestHost } from './delivery-helpers';
import { Receiver, startReceiver } from './webhook-helpers';

const outside: string[] = [];
const isLoopback = (address: string) => /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | Array<{ address: string; family: number }>,
  family?: number,
) => void;
type Lookup = (hostname: string, options: object, callback: LookupCallback) => void;

/** Wraps Socket#connect: an IP outside loopback, or a lookup answering one, fails before any packet. */
function guardLoopbackOnly(): () => void {
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guarded(this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as {
      host?: string;
      path?: string;
      lookup?: Lookup;
    };
    if (!options.path) {
      const host = options.host ?? 'localhost';
      if (net.isIP(host) && !isLoopback(host)) {
        outside.push(host);
        throw new Error(`test guard: connection to ${host} refused`);
      }
      const lookup: Lookup = options.lookup ?? (dnsLookup as Lookup);
      options.lookup = (hostname, lookupOptions, callback) =>
        lookup(hostname, lookupOptions, (error, address, family) => {
          const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
          const bad = all.filter((a) => a && !isLoopback(a));
          if (!error && bad.length) {
            outside.push(...bad);
            return callback(Object.assign(new Error(`test guard: ${bad.join(', ')} refused`), { code: 'EGUARD' }), address, family);
          }
          callback(error, address, family);
        });
    }
    return original.apply(this, args as never);
  } as typeof original;
  return () => {
    net.Socket.prototype.connect = original;
  };
}

let t: TestHost;
let receiver: Receiver;
let unguard: () => void;

beforeAll(async () => {
  unguard = guardLoopbackOnly();
  receiver = await startReceiver();
  t = await startHost({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false', WEBHOOK_ALLOW_HTTP_LOCALHOST: 'false', WEBHOOK_TIMEOUT_SECONDS: '2' });
});

afterAll(async () => {
  await t?.host.close();
  await receiver?.close();
  unguard?.();
});

describe('webhook SSRF refusals', () => {
  it('the guard itself refuses an outside address, given directly or by a lookup, before any packet', async () => {
    expect(() => net.connect({ host: '10.255.255.1', port: 9 })).toThrow(/test guard/);
    const socket = net.connect({
      host: 'guard.example.test',
      port: 9,
      lookup: (_h, _o, cb) => (cb as LookupCallback)(null, '192.0.2.1', 4),
    });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    expect(error.code).toBe('EGUARD');
    expect(outside.splice(0)).toEqual(['10.255.255.1', '192.0.2.1']);
  });

  it.each([
    ['https://127.0.0.1/', 'loopback'],
    ['https://10.0.0.1/', 'private'],
    ['https://169.254.169.254/', 'metadata'],
    ['https://localhost/hook', 'localhost resolves to a loopback address'],
    ['https://[::1]:8443/', 'loopback'],
    ['http://hooks.example.com/', 'not https'],
    ['http://localhost:8080/', 'not https'],
    ['https://user:secret@hooks.example.com/', 'credentials'],
  ])('registration of %s is refused (422, %s) and nothing is stored', async (url, why) => {
    const org = newOrgId('ssrf');
    const answer = await api(t.host, 'POST', 'webhooks', { url, events: ['message.sent'], orgId: org });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('WEBHOOK_URL_REFUSED');
    expect(answer.body.error.message).toContain(why);
    expect(answer.body.error.hint).toMatch(/public/);
    expect(JSON.stringify(answer.body)).not.toContain('secret@');
    expect((await api(t.host, 'GET', `webhooks?orgId=${org}`)).body.items).toEqual([]);
  });

  it('a PATCH to a private URL is refused too', async () => {
    const org = newOrgId('ssrf');
    const own = servicesWith(async () => [{ address: '93.184.216.34', family: 4 }]);
    const hook = await own.endpoints.create({ url: 'https://hooks.example.test/in', events: ['message.sent'], orgId: org });
    // Through the host's own services (the system resolver): 10.0.0.1 is refused before any lookup.
    const answer = await api(t.host, 'PATCH', `webhooks/${hook.id}?orgId=${org}`, { url: 'https://10.0.0.1/in' });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('WEBHOOK_URL_REFUSED');
    expect((await own.endpoints.get(org, hook.id)).url).toBe('https://hooks.example.test/in');
  });

  let answers: ResolvedAddress[] = [];
  const posted: string[] = [];
  function servicesWith(resolver: Resolver, allowPrivateTargets = false) {
    const poster: Poster = (options) => {
      posted.push(options.address.address);
      return postWebhook(options);
    };
    return createWebhookServices({
      config: { webhooks: { ...t.services.config.webhooks, allowPrivateTargets } },
      storage: t.services.storage,
      secrets: t.services.secrets,
      bus: async () => undefined,
      clock: Date.now,
      overrides: { resolver, poster, ca: receiver.ca },
    });
  }

  it.each([
    ['10.0.0.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['127.0.0.1', 'loopback'],
    ['::ffff:192.168.0.10', 'private'],
  ])('at dispatch, a name that now resolves to %s is refused without a connection (%s)', async (address, why) => {
    const org = newOrgId('rebind');
    answers = [{ address: '93.184.216.34', family: 4 }];
    const own = servicesWith(async () => answers);
    const hook = await own.endpoints.create({ url: 'https://hooks.example.test/in', events: ['webhook.test'], orgId: org });
    answers = [{ address, family: address.includes(':') ? 6 : 4 }];
    const event: PlatformEvent = {
      id: `evt_rebind${Date.now()}`,
      type: 'webhook.test',
      timestamp: new Date().toISOString(),
      orgId: org,
      data: {},
    };
    await own.deps.events.put(event);
    const before = posted.length;
    const outcome = await own.dispatcher.deliver(
      { endpointId: hook.id, scope: org, eventId: event.id, attempt: 1 },
      { info: () => undefined, warn: () => undefined },
    );
    expect(outcome).toBe('retrying');
    expect(posted.length).toBe(before);
    const [attempt] = (await own.endpoints.attempts(org, hook.id)).items;
    expect(attempt).toMatchObject({ delivered: false, error: expect.stringContaining(why) });
    expect(attempt.statusCode).toBeUndefined();
    await own.endpoints.remove(org, hook.id);
  });

  it('the connection goes to the address that was checked (pinned), not to a second DNS answer', async () => {
    const org = newOrgId('pin');
    // Loopback is allowed for this one endpoint's services only, so the receiver can answer.
    const pinnedTo: string[] = ['127.0.0.2'];
    const own = servicesWith(async () => pinnedTo.map((a) => ({ address: a, family: 4 as const })), true);
    const port = new URL(receiver.url('/')).port;
    const hook = await own.endpoints.create({ url: `https://localhost:${port}/pinned`, events: ['webhook.test'], orgId: org });
    const event: PlatformEvent = {
      id: `evt_pin${Date.now()}`,
      type: 'webhook.test',
      timestamp: new Date().toISOString(),
      orgId: org,
      data: {},
    };
    await own.deps.events.put(event);
    const log = { info: () => undefined, warn: () => undefined };
    const task = { endpointId: hook.id, scope: org, eventId: event.id, attempt: 1 };
    // The receiver listens on 127.0.0.1 only: the pinned 127.0.0.2 is refused, though the system resolves localhost to 127.0.0.1.
    expect(await own.dispatcher.deliver(task, log)).toBe('retrying');
    pinnedTo[0] = '127.0.0.1';
    expect(await own.dispatcher.deliver(task, log)).toBe('delivered');
    const attempts = (await own.endpoints.attempts(org, hook.id)).items.reverse();
    expect(attempts.map((a) => [a.error, a.statusCode])).toEqual([
      ['connection refused', undefined],
      [undefined, 200],
    ]);
    expect(receiver.received('/pinned')).toHaveLength(1);
    await own.endpoints.remove(org, hook.id);
  });

  it('no connection outside 127.0.0.0/8 was attempted by anything in this file', () => {
    expect(posted.every(isLoopback)).toBe(true);
    expect(outside).toEqual([]);
  });
});
