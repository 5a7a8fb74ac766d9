/**
 * The local Functions host, in-process, against the test run's Azurite: HTTP routing with route
 * parameters and auth levels, request/response translation, failures, and queue triggers with
 * host.json's maxDequeueCount and the poison queue.
 */
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import type { HttpRequest, InvocationContext, Timer } from '@azure/functions';
import { HTTP_STREAMING, type FunctionDefinition, type TimerFunction } from '../../functions/registry';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { readHostSettings } from '../../dev/host/hostJson';
import { TimerRunner } from '../../dev/host/timers';
import { loadConfig } from '@shared/config';
import { createStorageClients } from '@shared/store/storageClients';
import { createQueueStore, encodeQueueMessage } from '@shared/store/outboxQueue';
import { fakeOnly } from '../support/fake-clock';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const suffix = randomUUID().slice(0, 8);
const FAILING_QUEUE = `host-fails-${suffix}`;
const WORKING_QUEUE = `host-works-${suffix}`;
const storage = createStorageClients(loadConfig(), () => {
  throw new Error('no credential needed');
});

const failingCalls: number[] = [];
const handled: Array<{ entry: unknown; metadata: InvocationContext['triggerMetadata'] }> = [];
const timerCalls: Timer[] = [];
const logs: string[] = [];

const functions: FunctionDefinition[] = [
  {
    kind: 'http',
    name: 'echo',
    route: 'orgs/{orgId}/echo/{id?}',
    methods: ['GET', 'POST'],
    authLevel: 'function',
    handler: async (request: HttpRequest) => ({
      status: 201,
      headers: { 'x-echo': 'yes' },
      jsonBody: {
        method: request.method,
        params: request.params,
        query: Object.fromEntries(request.query),
        statuses: request.query.getAll('status'),
        contentType: request.headers.get('content-type'),
        tag: request.headers.get('x-tag'),
        body: request.method === 'POST' ? await request.json() : null,
      },
    }),
  },
  {
    // Named to sort before "echo": the host tries routes in function-name order, so a literal route
    // is reached only if its function comes first (dev/host/conformance/httpRules.ts).
    kind: 'http',
    name: 'anEchoSpecial',
    route: 'orgs/{orgId}/echo/special',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: async () => ({ body: 'special' }),
  },
  {
    kind: 'http',
    name: 'boom',
    route: 'boom',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: async () => {
      throw new Error('handler exploded with secret-value-123');
    },
  },
  {
    kind: 'queue',
    name: 'alwaysFails',
    queueName: FAILING_QUEUE,
    handler: async (_entry, context) => {
      failingCalls.push(context.triggerMetadata!.dequeueCount as number);
      throw new Error('this handler always fails');
    },
  },
  {
    kind: 'queue',
    name: 'works',
    queueName: WORKING_QUEUE,
    handler: async (entry, context) => {
      handled.push({ entry, metadata: context.triggerMetadata });
    },
  },
  {
    kind: 'timer',
    name: 'everySecond',
    schedule: '* * * * * *',
    handler: async (timer) => {
      timerCalls.push(timer);
    },
  },
];

let host: LocalHost;

beforeAll(async () => {
  host = await startLocalHost({
    port: 0,
    functions,
    // Tests should not wait host.json's 10 s between retries or 2 s between idle polls.
    queueSettings: { visibilityTimeoutMs: 0, maxPollingIntervalMs: 100 },
    maxRequestBytes: 1024 * 1024,
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await host?.close();
});

const api = (path: string, init?: RequestInit) => fetch(`${host.url}/api/${path}`, init);
const json = (response: Response): Promise<any> => response.json();

describe('HTTP routes', () => {
  test('a function-level route answers 401 without the key or with a wrong one, 200 with the header or ?code=', async () => {
    const none = await api('orgs/acme/echo');
    expect(none.status).toBe(401);
    expect((await json(none)).error.code).toBe('UNAUTHORIZED');
    expect((await api('orgs/acme/echo', { headers: { 'x-functions-key': `${KEY}x` } })).status).toBe(401);
    expect((await api('orgs/acme/echo?code=wrong')).status).toBe(401);

    expect((await api('orgs/acme/echo', { headers: { 'x-functions-key': KEY } })).status).toBe(201);
    expect((await api(`orgs/acme/echo?code=${encodeURIComponent(KEY)}`)).status).toBe(201);
  });

  test('route parameters (optional, URL-encoded) and the query reach the handler; the literal route of the earlier name wins', async () => {
    const withId = await json(await api('orgs/acme/echo/m%2F1%20x?status=failed', { headers: { 'x-functions-key': KEY } }));
    // As Kestrel decodes the path: every escape but an encoded slash (dev/host/routes.ts).
    // Streamed, the host's binding data adds the query parameters (but `code`) to the route's.
    expect(withId.params).toEqual({ ...(HTTP_STREAMING ? { status: 'failed' } : {}), orgId: 'acme', id: 'm%2F1 x' });
    expect(withId.query).toEqual({ status: 'failed' });
    const withoutId = await json(await api('ORGS/acme/Echo', { headers: { 'x-functions-key': KEY } }));
    expect(withoutId.params).toEqual({ orgId: 'acme' });
    const special = await api('orgs/acme/echo/special');
    expect(await special.text()).toBe('special');
  });

  test('the body, headers and status travel both ways', async () => {
    const response = await api('orgs/acme/echo', {
      method: 'POST',
      headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'Grüße' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await json(response)).toEqual({
      method: 'POST',
      params: { orgId: 'acme' },
      query: {},
      statuses: [],
      contentType: 'application/json',
      tag: null,
      body: { subject: 'Grüße' },
    });
  });

  test('a repeated header reaches the handler as the host passes it, one value joined with ","; a repeated query key as the mode gives it', async () => {
    // node:http sends an array value as two header lines (fetch would fold them into one).
    const echoed = await new Promise<any>((resolve, reject) => {
      get(
        `${host.url}/api/orgs/acme/echo?status=failed&status=sent&empty=`,
        { headers: { 'x-functions-key': KEY, 'x-tag': ['a', 'b'] } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        },
      ).on('error', reject);
    });
    // Streamed, the query comes from the URL (every value); otherwise from the host's map (joined).
    expect(echoed.statuses).toEqual(HTTP_STREAMING ? ['failed', 'sent'] : ['failed,sent']);
    expect(echoed.query.empty).toBe('');
    expect(echoed.tag).toBe('a,b');
  });

  test('unknown routes and methods are 404; a body over the limit is 413', async () => {
    expect((await api('nowhere')).status).toBe(404);
    expect((await api('boom', { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${host.url}/not-api/boom`)).status).toBe(404);
    const tooBig = await api('orgs/acme/echo', { method: 'POST', headers: { 'x-functions-key': KEY }, body: 'x'.repeat(1024 * 1024 + 1) });
    expect(tooBig.status).toBe(413);
    expect((await json(tooBig)).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('a handler that throws gives a generic 500 (logged, nothing leaked) and the host keeps serving', async () => {
    const response = await api('boom');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).error.code).toBe('INTERNAL');
    expect(text).not.toContain('secret-value-123');
    expect(logs.some((line) => line.includes('[boom] error') && line.includes('handler exploded'))).toBe(true);
    expect((await api('orgs/acme/echo', { headers: { 'x-functions-key': KEY } })).status).toBe(201);
  });

  test('request log lines carry the path but never the query (it may hold the function key)', async () => {
    await api(`orgs/acme/echo?code=${encodeURIComponent(KEY)}`);
    expect(logs.some((line) => line.startsWith('GET /api/orgs/acme/echo -> 201'))).toBe(true);
    expect(logs.join('\n')).not.toContain(KEY);
  });
});

describe('queue triggers', () => {
  test('a message whose handler always throws runs exactly maxDequeueCount times, then sits unchanged in <queue>-poison', async () => {
    const { maxDequeueCount } = readHostSettings().queues;
    const text = encodeQueueMessage({ id: 'doomed', n: 1 });
    await createQueueStore(storage, FAILING_QUEUE).sendEncoded(text);

    const poison = await storage.queue(`${FAILING_QUEUE}-poison`);
    while ((await poison.peekMessages()).peekedMessageItems.length === 0) await new Promise((r) => setTimeout(r, 100));
    // The copy reaches the poison queue before the original is deleted and the move is logged.
    await host.drain();

    expect(failingCalls).toEqual(Array.from({ length: maxDequeueCount }, (_, i) => i + 1));
    expect((await poison.peekMessages()).peekedMessageItems[0].messageText).toBe(text);
    expect(await createQueueStore(storage, FAILING_QUEUE).count()).toBe(0);
    expect(logs.some((line) => line.includes(`moved to ${FAILING_QUEUE}-poison`))).toBe(true);
  });

  test('a handled message arrives decoded with its trigger metadata, and is deleted', async () => {
    const queue = createQueueStore(storage, WORKING_QUEUE);
    await queue.send({ id: 'fine', subject: 'Grüße' });
    await queue.sendEncoded(Buffer.from('just text').toString('base64'));
    while (handled.length < 2) await new Promise((r) => setTimeout(r, 50));
    await host.drain();

    const objectEntry = handled.find((h) => typeof h.entry === 'object')!;
    expect(objectEntry.entry).toEqual({ id: 'fine', subject: 'Grüße' });
    expect(objectEntry.metadata).toMatchObject({ dequeueCount: 1, queueTrigger: '{"id":"fine","subject":"Grüße"}' });
    for (const key of ['id', 'popReceipt', 'insertionTime', 'expirationTime', 'nextVisibleTime']) {
      expect(typeof objectEntry.metadata![key]).toBe('string');
    }
    expect(handled.find((h) => typeof h.entry === 'string')!.entry).toBe('just text');
    expect(await queue.count()).toBe(0);
  });
});

describe('timer triggers', () => {
  test('a timer function runs on its NCRONTAB schedule with the Timer object the host passes', async () => {
    while (timerCalls.length < 2) await new Promise((r) => setTimeout(r, 100));
    const [first, second] = timerCalls;
    expect(new Date(second.scheduleStatus.last).getTime()).toBeGreaterThan(0);
    expect(new Date(first.scheduleStatus.next).getTime() % 1000).toBe(0);
  });

  test('a run on time is not past due, one held up over a second is (on Jest clock, not a loaded machine)', async () => {
    const calls: Timer[] = [];
    const fn: TimerFunction = {
      kind: 'timer',
      name: 'jestClock',
      schedule: '* * * * * *',
      handler: async (timer) => void calls.push(timer),
    };
    fakeOnly(['Date', 'setTimeout', 'clearTimeout'], { now: Date.parse('2026-12-07T00:00:00.500Z') });
    const runner = new TimerRunner(fn, 60_000, (line) => logs.push(line));
    try {
      runner.start();
      await jest.advanceTimersByTimeAsync(500); // due at 00:00:01
      expect(calls.map((timer) => timer.isPastDue)).toEqual([false]);
      // The clock jumps 2 s with no timer firing (a blocked loop): the 00:00:02 run starts 2 s late.
      jest.setSystemTime(Date.parse('2026-12-07T00:00:03.000Z'));
      await jest.advanceTimersByTimeAsync(1000);
      expect(calls.map((timer) => timer.isPastDue)).toEqual([false, true]);
    } finally {
      await runner.stop();
      jest.useRealTimers();
    }
  });
});
