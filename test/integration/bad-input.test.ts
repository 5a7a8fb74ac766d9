/**
 * Bad input never gets a 500 (docs/api.md: 400/401/404/409/413/422, 5xx only for real server
 * faults). Every request here is malformed, mistyped, oversized or aimed at something that does not
 * exist, sent through the real local host to the real handlers (Azurite behind them); each answer
 * must be the JSON error shape with the expected code, and no handler may log an unexpected failure.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { signState } from '@shared/consent/state';
import { loadConfig } from '@shared/config';
import { MAX_MESSAGE_BYTES } from '@shared/delivery/schema';

const KEY = process.env.LOCAL_FUNCTION_KEY!;
const config = loadConfig();

let host: LocalHost;
const hostLog: string[] = [];

interface Answer {
  status: number;
  body: any;
  text: string;
}

async function send(
  method: string,
  path: string,
  init: { key?: boolean; body?: string; type?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${host.url}/api/${path}`, {
    method,
    redirect: 'manual',
    headers: {
      ...(init.key === false ? {} : { 'x-functions-key': KEY }),
      ...(init.body !== undefined ? { 'content-type': init.type ?? 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

const json = (method: string, path: string, value: unknown) => send(method, path, { body: JSON.stringify(value) });

function expectError(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(typeof answer.body.error.message).toBe('string');
}

const newOrg = () => `bad-input-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: (line) => hostLog.push(line) });
});

afterAll(async () => {
  await host?.close();
});

describe('sender API', () => {
  it('refuses bodies that are not JSON, not objects, or too large', async () => {
    const orgId = newOrg();
    expectError(await send('PUT', `orgs/${orgId}/sender`, { body: '{"provider":' }), 400, 'BAD_REQUEST');
    for (const value of [null, [], 'microsoft', 42, true])
      expectError(await json('PUT', `orgs/${orgId}/sender`, value), 422, 'VALIDATION_FAILED');
    expectError(await send('PUT', `orgs/${orgId}/sender`), 422, 'VALIDATION_FAILED');
    expectError(
      await send('PUT', `orgs/${orgId}/sender`, { body: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('refuses a service-account key nested deeper than any JSON key file', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const body = `{"provider":"google","mode":"service_account","senderEmail":"alerts@fabrikam.example","senderName":"A","serviceAccountKey":${deep}}`;
    expectError(await send('PUT', `orgs/${newOrg()}/sender`, { body }), 400, 'BAD_REQUEST');
  });

  it('refuses provider names that are properties of every object', async () => {
    for (const provider of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const answer = await json('PUT', `orgs/${newOrg()}/sender`, { provider, mode: 'oauth', senderEmail: 'a@b.example', senderName: 'A' });
      expectError(answer, 422, 'VALIDATION_FAILED');
      expect(Object.keys(answer.body.error.fields)).toEqual(['provider']);
    }
  });

  it('refuses wrong types field by field', async () => {
    const answer = await json('PUT', `orgs/${newOrg()}/sender`, {
      provider: 'microsoft',
      mode: 'app_registration',
      senderEmail: 42,
      senderName: ['A'],
      fallbackToDefault: 'yes',
      tenantId: {},
      clientId: null,
      clientSecret: 7,
    });
    expectError(answer, 422, 'VALIDATION_FAILED');
    expect(Object.keys(answer.body.error.fields)).toEqual(
      expect.arrayContaining(['senderEmail', 'senderName', 'fallbackToDefault', 'tenantId', 'clientId', 'clientSecret']),
    );
  });

  it('answers 400 for an invalid org id and 404 for an org without a sender', async () => {
    for (const orgId of ['ACME', '-acme', 'a'.repeat(64), '%5F_default'])
      expectError(await send('GET', `orgs/${orgId}/sender`), 400, 'BAD_REQUEST');
    const orgId = newOrg();
    expectError(await send('GET', `orgs/${orgId}/sender`), 404, 'SENDER_NOT_FOUND');
    expectError(await send('POST', `orgs/${orgId}/sender/verify`), 404, 'SENDER_NOT_FOUND');
    expectError(await json('POST', `orgs/${orgId}/sender/test`, { to: 'ann@example.com' }), 404, 'SENDER_NOT_FOUND');
    expectError(await send('POST', `orgs/${orgId}/sender/reset`), 404, 'SENDER_NOT_FOUND');
    expect((await send('DELETE', `orgs/${orgId}/sender`)).status).toBe(204);
  });

  it('refuses bad test and consent-link bodies', async () => {
    const orgId = newOrg();
    expectError(await json('POST', `orgs/${orgId}/sender/test`, { to: 5 }), 422, 'VALIDATION_FAILED');
    expectError(await json('POST', `orgs/${orgId}/sender/test`, ['ann@example.com']), 422, 'VALIDATION_FAILED');
    for (const body of [
      { provider: 'constructor', mode: 'oauth' },
      { provider: 'google', mode: 'toString' },
      { provider: 'google', mode: 'oauth', returnUrl: 'javascript:alert(1)' },
      'google',
    ]) {
      expectError(await json('POST', `orgs/${orgId}/sender/consent-link`, body), 422, 'VALIDATION_FAILED');
    }
    expectError(
      await json('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'microsoft', mode: 'app_registration' }),
      422,
      'VALIDATION_FAILED',
    );
  });
});

describe('messages API', () => {
  it('refuses bodies that are not JSON, not messages, or too large', async () => {
    const orgId = newOrg();
    expectError(await send('POST', `orgs/${orgId}/messages`, { body: '{"id":' }), 400, 'BAD_REQUEST');
    for (const value of [
      null,
      [],
      'hello',
      { id: 'm-1', to: 'ann@example.com', subject: 'S', text: 'T' },
      { id: 'm-1', from: 'ceo@example.com' },
    ]) {
      expectError(await json('POST', `orgs/${orgId}/messages`, value), 422, 'INVALID_MESSAGE');
    }
    const huge = JSON.stringify({
      id: 'm-big',
      to: [{ address: 'ann@example.com' }],
      subject: 'S',
      text: 'x'.repeat(MAX_MESSAGE_BYTES + 128 * 1024),
    });
    expectError(await send('POST', `orgs/${orgId}/messages`, { body: huge }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 400 for bad list parameters and 404 for unknown or malformed ids', async () => {
    const orgId = newOrg();
    expectError(await send('GET', `orgs/${orgId}/messages?status=lost`), 400, 'BAD_REQUEST');
    for (const limit of ['0', '201', 'ten', '1.5'])
      expectError(await send('GET', `orgs/${orgId}/messages?limit=${limit}`), 400, 'BAD_REQUEST');
    for (const cursor of [
      'garbage',
      '%21%21%21',
      Buffer.from('not json').toString('base64url'),
      Buffer.from(Buffer.from('[1]').toString('base64')).toString('base64url'),
    ]) {
      expectError(await send('GET', `orgs/${orgId}/messages?cursor=${cursor}`), 400, 'BAD_REQUEST');
    }
    expect((await send('GET', `orgs/${orgId}/messages`)).status).toBe(200);
    expectError(await send('GET', `orgs/${orgId}/messages/nope`), 404, 'NOT_FOUND');
    expectError(await send('GET', `orgs/${orgId}/messages/~index`), 404, 'NOT_FOUND');
  });
});

describe('OAuth callback', () => {
  it('answers an unknown provider, a missing or forged state with 400 and stores nothing', async () => {
    for (const path of [
      'oauth/yahoo/callback?code=abc&state=xyz',
      'oauth/constructor/callback',
      'oauth/microsoft/callback',
      'oauth/google/callback?state=not-a-jwt&code=abc',
    ]) {
      const answer = await send('GET', path, { key: false });
      expect(answer.status).toBe(400);
      expect(answer.text).toContain('STATE_INVALID');
    }
  });

  it('answers a valid state at the callback of an unknown provider with 400', async () => {
    const state = await signState(
      { orgId: newOrg(), provider: 'google', mode: 'oauth', nonce: randomBytes(12).toString('base64url') },
      config.stateSigningKey,
    );
    const answer = await send('GET', `oauth/yahoo/callback?state=${state}&code=abc`, { key: false });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('STATE_INVALID');
  });

  it('refuses a POST that is not a form, or is too large', async () => {
    expectError(await send('POST', 'oauth/microsoft/callback', { key: false, body: '{"code":"x"}' }), 400, 'BAD_REQUEST');
    const big = `code=${'x'.repeat(20 * 1024)}&state=y`;
    expectError(
      await send('POST', 'oauth/microsoft/callback', { key: false, body: big, type: 'application/x-www-form-urlencoded' }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });
});

describe('admin links and the settings page', () => {
  it('refuses bad admin-link bodies', async () => {
    const orgId = newOrg();
    expectError(await json('POST', `orgs/${orgId}/admin-links`, { returnUrl: 'ftp://x.example' }), 422, 'VALIDATION_FAILED');
    expectError(await json('POST', `orgs/${orgId}/admin-links`, { returnUrl: 'https://evil.example/' }), 400, 'RETURN_URL_NOT_ALLOWED');
    expectError(await json('POST', `orgs/${orgId}/admin-links`, [1]), 422, 'VALIDATION_FAILED');
  });

  it('answers 401 without a valid token on every page route', async () => {
    for (const authorization of [undefined, 'Bearer', 'Bearer not-a-jwt', 'Basic abc']) {
      const headers = authorization ? { authorization } : undefined;
      for (const [method, path] of [
        ['GET', 'manage/session'],
        ['GET', 'manage/sender'],
        ['PUT', 'manage/sender'],
        ['POST', 'manage/sender/reset'],
      ]) {
        expectError(await send(method, path, { key: false, headers }), 401, 'ADMIN_LINK_INVALID');
      }
    }
  });

  it('answers 404 for unknown assets and error codes, including names every object has', async () => {
    for (const path of [
      'settings/nope.js',
      'settings/constructor',
      'settings/errors/NOPE',
      'settings/errors/constructor',
      'settings/errors/__proto__',
    ]) {
      expectError(await send('GET', path, { key: false }), 404, 'NOT_FOUND');
    }
  });
});

describe('the host log (last: Jest runs tests in the order they are declared)', () => {
  it('holds no unexpected failure for any of the requests above', () => {
    expect(hostLog.some((line) => line.includes(' -> '))).toBe(true);
    // functions/http.ts logs every unexpected handler failure (the generic 500) as "failed unexpectedly".
    expect(hostLog.filter((line) => /failed unexpectedly|error: invocation/.test(line))).toEqual([]);
  });
});
