/** The local host's parsers: NCRONTAB schedules, route templates, host.json TimeSpans; its queue polling back-off. */
import { NcrontabSchedule } from '../../dev/host/ncrontab';
import { RouteTemplate } from '../../dev/host/routes';
import { byHostOrder } from '../../dev/host/conformance';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeSpan, readHostSettings } from '../../dev/host/hostJson';
import { AZURE_MAX_REQUEST_BYTES, requestBodyLimit } from '../../dev/host/http';
import { streamedParams } from '../../dev/host/rpcHttp';
import { FRESH_BACKOFF, nextPollDelay, PollBackoff } from '../../dev/host/pollDelay';

const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) => new NcrontabSchedule(expression).next(at(after)).toISOString();

describe('NCRONTAB', () => {
  test.each([
    ['0 */5 * * * *', '2026-03-01T10:02:30.000Z', '2026-03-01T10:05:00.000Z'],
    ['0 */5 * * * *', '2026-03-01T10:05:00.000Z', '2026-03-01T10:10:00.000Z'],
    ['*/10 * * * * *', '2026-03-01T10:00:59.500Z', '2026-03-01T10:01:00.000Z'],
    ['0 30 9 * * 1-5', '2026-03-06T10:00:00.000Z', '2026-03-09T09:30:00.000Z'], // Friday after 9:30 -> Monday
    ['0 0 0 1 Jan *', '2026-03-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['0 0 12 29 2 *', '2026-03-01T00:00:00.000Z', '2028-02-29T12:00:00.000Z'], // leap day
    ['0 0 * * * Sun', '2026-03-01T23:30:00.000Z', '2026-03-08T00:00:00.000Z'], // 2026-03-01 is a Sunday
    ['5/20 0 0 * * *', '2026-03-01T00:00:06.000Z', '2026-03-01T00:00:25.000Z'],
    ['0 15,45 * * * *', '2026-03-01T10:20:00.000Z', '2026-03-01T10:45:00.000Z'],
    ['0 0 0 13 * 5', '2026-03-01T00:00:00.000Z', '2026-03-13T00:00:00.000Z'], // day AND weekday: Friday the 13th
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  test.each(['* * * * *', '60 * * * * *', '* * * 0 * *', '*/0 * * * * *', '* * * * Foo *'])('refuses "%s"', (expression) => {
    expect(() => new NcrontabSchedule(expression)).toThrow(/NCRONTAB/);
  });

  test('a schedule that can never occur says so instead of looping', () => {
    expect(() => new NcrontabSchedule('0 0 0 31 2 *').next(at('2026-01-01T00:00:00Z'))).toThrow(/never occurs/);
  });
});

describe('route templates', () => {
  const segments = (path: string) => path.split('/').filter(Boolean);

  test('parameters, optional trailing parameters, constraints and catch-alls', () => {
    const route = new RouteTemplate('orgs/{orgId}/messages/{id?}');
    expect(route.match(segments('orgs/acme/messages/m-1'))).toEqual({ orgId: 'acme', id: 'm-1' });
    expect(route.match(segments('orgs/acme/messages'))).toEqual({ orgId: 'acme' });
    expect(route.match(segments('orgs/acme/messages/m-1/extra'))).toBeUndefined();
    expect(route.match(segments('orgs/acme'))).toBeUndefined();
    expect(new RouteTemplate('items/{n:int}').match(segments('items/x'))).toBeUndefined();
    expect(new RouteTemplate('items/{n:int}').match(segments('items/42'))).toEqual({ n: '42' });
    expect(new RouteTemplate('files/{*path}').match(segments('files/a/b%20c'))).toEqual({ path: 'a/b c' });
    // Kestrel keeps an encoded slash encoded; everything else is decoded.
    expect(new RouteTemplate('files/{name}').match(segments('files/a%2fb%C3%BC%2F'))).toEqual({ name: 'a%2fbü%2F' });
  });

  test('routes are tried in function-name order, compared as .NET OrdinalIgnoreCase (upper-cased)', () => {
    const names = ['senderTest', 'Sender', 'sender_x', 'senders', 'a'].map((name) => ({ name }));
    // Upper-cased, "_" (0x5F) sorts after the letters; "SENDER" before "SENDERS" before "SENDERTEST".
    expect([...names].sort(byHostOrder).map((n) => n.name)).toEqual(['a', 'Sender', 'senders', 'senderTest', 'sender_x']);
  });

  test.each(['a/{b?}/c', 'a/{*rest}/c', 'a/{b:nope}', 'a/x{b}'])('refuses "%s"', (template) => {
    expect(() => new RouteTemplate(template)).toThrow(/route/);
  });
});

describe("queue polling back-off (the extension's RandomizedExponentialBackoffStrategy, at its middle factor)", () => {
  const delays = (found: boolean[], maxMs: number) => {
    let backoff: PollBackoff = FRESH_BACKOFF;
    return found.map((f) => (backoff = nextPollDelay(backoff, f, maxMs)).delayMs);
  };

  test('empty polls wait 100 ms, then the minimum plus 2^(n-1) minimums, up to maxPollingInterval, and stay there', () => {
    expect(delays(Array(9).fill(false), 2000)).toEqual([100, 200, 300, 500, 900, 1700, 2000, 2000, 2000]);
    expect(delays(Array(12).fill(false), 60_000).slice(-3)).toEqual([25_700, 51_300, 60_000]);
  });

  test('a message found since the last delay starts it over at the minimum', () => {
    expect(delays([false, false, false, false, true, false, false], 2000)).toEqual([100, 200, 300, 500, 100, 200, 300]);
  });

  test('a maxPollingInterval under the minimum polls at the minimum', () => {
    expect(delays([false, false, true], 50)).toEqual([100, 100, 100]);
  });
});

describe('host.json', () => {
  test('TimeSpans as the Functions host reads them', () => {
    expect(parseTimeSpan('00:00:10', 'x')).toBe(10_000);
    expect(parseTimeSpan('1.02:03:04.5', 'x')).toBe(((26 * 60 + 3) * 60 + 4) * 1000 + 500);
    expect(parseTimeSpan(2000, 'x')).toBe(2000);
    expect(() => parseTimeSpan('10s', 'visibilityTimeout')).toThrow(/visibilityTimeout/);
  });

  test('queue settings come from extensions.queues, with the Functions defaults for what is absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostjson-'));
    const file = join(dir, 'host.json');
    writeFileSync(
      file,
      JSON.stringify({
        extensions: { queues: { batchSize: 4, maxDequeueCount: 3, visibilityTimeout: '00:00:30', maxPollingInterval: '00:00:02' } },
      }),
    );
    expect(readHostSettings(file)).toEqual({
      queues: {
        batchSize: 4,
        newBatchThreshold: 2,
        maxDequeueCount: 3,
        visibilityTimeoutMs: 30_000,
        maxPollingIntervalMs: 2_000,
        messageEncoding: 'base64',
      },
      routePrefix: 'api',
      functionTimeoutMs: 300_000,
    });
    writeFileSync(file, JSON.stringify({ version: '2.0', functionTimeout: '00:10:00', extensions: { http: { routePrefix: '' } } }));
    expect(readHostSettings(file)).toEqual({
      queues: {
        batchSize: 16,
        newBatchThreshold: 8,
        maxDequeueCount: 5,
        visibilityTimeoutMs: 0,
        maxPollingIntervalMs: 60_000,
        messageEncoding: 'base64',
      },
      routePrefix: '',
      functionTimeoutMs: 600_000,
    });
  });
});

describe('request body limit', () => {
  test('FUNCTIONS_REQUEST_BODY_SIZE_LIMIT when it is a whole number of bytes, else the host default of 100 MB', () => {
    expect(AZURE_MAX_REQUEST_BYTES).toBe(104_857_600);
    expect(requestBodyLimit({})).toBe(104_857_600);
    expect(requestBodyLimit({ FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '2048' })).toBe(2048);
    expect(requestBodyLimit({ FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '2 MB' })).toBe(104_857_600);
  });
});

describe('streamed request parameters', () => {
  test('query parameters but code join the route values, which win; a key keeps its first spelling', () => {
    const url = new URL('http://localhost/api/orgs/acme/echo?status=failed&status=sent&code=key&OrgId=evil');
    expect(streamedParams(url, { orgId: 'acme' })).toEqual({ status: 'failed,sent', OrgId: 'acme' });
    expect(streamedParams(new URL('http://localhost/api/x'), { id: 'a%2Fb' })).toEqual({ id: 'a%2Fb' });
  });
});
