/**
 * `GET /api/openapi.json` through the real local host, and the document held against real answers:
 * every secured operation refuses a call without its credential, and what the routes answer (status
 * and JSON body) is what the document says they answer, validated with the document's own schemas.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { loadConfig } from '@shared/config';
import { OpenApiDocument } from '@shared/openapi';
import { documentValidator } from '../support/openapi';

const KEY = process.env.LOCAL_FUNCTION_KEY!;

let host: LocalHost;
let document: OpenApiDocument;

beforeAll(async () => {
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: () => undefined });
  document = (await call('GET', '/openapi.json')).body;
});
afterAll(async () => {
  await host?.close();
});

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function call(method: string, path: string, options: { key?: boolean; token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.key) headers['x-functions-key'] = KEY;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${host.url}/api${path}`, {
    method,
    headers,
    redirect: 'manual',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, body: isJson && text ? JSON.parse(text) : text, headers: response.headers };
}

/** The answer's status is documented for `METHOD template`, and a JSON body fits the documented schema. */
function expectDocumented(method: string, template: string, answer: Answer): void {
  const operation = document.paths[template]?.[method.toLowerCase()] as any;
  expect({ method, template, documented: operation !== undefined }).toEqual({ method, template, documented: true });
  let response = operation.responses[String(answer.status)];
  expect({ method, template, status: answer.status, documented: response !== undefined }).toEqual({
    method,
    template,
    status: answer.status,
    documented: true,
  });
  if (response.$ref) response = (document.components as any).responses[response.$ref.split('/').pop()];
  const schemaRef: string | undefined = response.content?.['application/json']?.schema?.$ref;
  if (!schemaRef) return;
  const result = documentValidator(document, schemaRef.split('/').pop()!).safeParse(answer.body);
  expect({ method, template, status: answer.status, issues: result.error?.issues }).toEqual({
    method,
    template,
    status: answer.status,
    issues: undefined,
  });
}

/** Calls a route and holds the answer against the document; returns it for further checks. */
async function documented(
  method: string,
  template: string,
  values: Record<string, string>,
  options: Parameters<typeof call>[2] = {},
): Promise<Answer> {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name]));
  const answer = await call(method, path, options);
  expectDocumented(method, template, answer);
  return answer;
}

test('GET /api/openapi.json answers 200 JSON without a key, with the server under PUBLIC_BASE_URL', async () => {
  const answer = await call('GET', '/openapi.json');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.body.openapi).toBe('3.1.0');
  expect(answer.body.servers).toEqual([{ url: `${loadConfig().publicBaseUrl}/api` }]);
  expect(Object.keys(answer.body.paths)).toEqual(
    expect.arrayContaining(['/orgs/{orgId}/sender', '/orgs/{orgId}/messages', '/manage/sender', '/openapi.json']),
  );
});

test('every operation that documents a credential answers 401 without it', async () => {
  let secured = 0;
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries<any>(item)) {
      if (operation.security.length === 0) continue;
      secured++;
      const answer = await documented(method.toUpperCase(), template, { orgId: 'acme', id: 'm1' });
      expect({ method, template, status: answer.status }).toEqual({ method, template, status: 401 });
    }
  }
  expect(secured).toBeGreaterThan(15);
});

test('real answers of the management, settings-page and public routes are the documented ones', async () => {
  const orgId = `openapi-${randomBytes(4).toString('hex')}`;
  const org = { orgId };
  const key = { key: true };
  // Contoso's app in the sandbox: a real token and a real test send, so the sender becomes active.
  const sender = {
    provider: 'microsoft',
    mode: 'app_registration',
    senderEmail: 'admin@contoso.example',
    senderName: 'Contoso',
    tenantId: CONTOSO_TENANT_ID,
    clientId: CONTOSO_APP_ID,
    clientSecret: CONTOSO_APP_SECRET,
  };

  await documented('GET', '/orgs/{orgId}/sender', org, key); // 404 before any save
  expect((await documented('PUT', '/orgs/{orgId}/sender', org, { ...key, body: sender })).status).toBe(200);
  expect((await documented('PUT', '/orgs/{orgId}/sender', org, { ...key, body: { ...sender, tenantId: 'nope' } })).status).toBe(422);
  expect((await documented('GET', '/orgs/{orgId}/sender', { orgId: 'Not Valid' }, key)).status).toBe(400);
  expect((await documented('GET', '/orgs/{orgId}/sender', org, key)).status).toBe(200);
  expect(
    (await documented('POST', '/orgs/{orgId}/sender/consent-link', org, { ...key, body: { provider: 'microsoft', mode: 'admin_consent' } }))
      .status,
  ).toBe(200);
  expect((await documented('POST', '/orgs/{orgId}/sender/verify', org, key)).body.ok).toBe(true);
  expect((await documented('POST', '/orgs/{orgId}/sender/test', org, { ...key, body: { to: 'it@contoso.example' } })).status).toBe(200);
  expect((await documented('PUT', '/orgs/{orgId}/sender', org, { ...key, body: sender })).status).toBe(409);

  const link = await documented('POST', '/orgs/{orgId}/admin-links', org, key);
  const token = new URL(link.body.url).hash.replace(/^#token=/, '');
  expect((await documented('GET', '/manage/session', {}, { token })).status).toBe(200);
  expect((await documented('GET', '/manage/sender', {}, { token })).status).toBe(200);

  const message = {
    id: 'welcome-1',
    to: [{ address: 'ann@example.com' }],
    subject: 'Welcome',
    text: 'Hello',
    headers: { 'x-entity-ref-id': 'r1' },
  };
  const queued = await documented('POST', '/orgs/{orgId}/messages', org, { ...key, body: message });
  expect(queued.status).toBe(202);
  expect(queued.headers.get('location')).toBe(`/api/orgs/${orgId}/messages/welcome-1`);
  expect((await documented('POST', '/orgs/{orgId}/messages', org, { ...key, body: message })).body.duplicate).toBe(true);
  expect((await documented('POST', '/orgs/{orgId}/messages', org, { ...key, body: { ...message, from: 'ceo@acme.example' } })).status).toBe(
    422,
  );
  expect((await documented('GET', '/orgs/{orgId}/messages/{id}', { orgId, id: 'welcome-1' }, key)).status).toBe(200);
  expect((await documented('GET', '/orgs/{orgId}/messages/{id}', { orgId, id: 'unknown' }, key)).status).toBe(404);

  // The page size the document states is the one the route enforces.
  const list = (document.paths['/orgs/{orgId}/messages'] as any).get;
  const { maximum } = list.parameters.find((p: any) => p.name === 'limit').schema;
  const page = await call('GET', `/orgs/${orgId}/messages?limit=${maximum}`, key);
  expectDocumented('GET', '/orgs/{orgId}/messages', page);
  expect(page.body.items.map((d: any) => d.id)).toEqual(['welcome-1']);
  const tooMany = await call('GET', `/orgs/${orgId}/messages?limit=${maximum + 1}`, key);
  expectDocumented('GET', '/orgs/{orgId}/messages', tooMany);
  expect(tooMany.status).toBe(400);

  expect((await documented('POST', '/orgs/{orgId}/sender/reset', org, key)).status).toBe(200);
  expect((await documented('GET', '/manage/sender', {}, { token })).status).toBe(401); // the Reset revoked the link
  expect((await documented('DELETE', '/orgs/{orgId}/sender', org, key)).status).toBe(204);
  const fresh = new URL((await documented('POST', '/orgs/{orgId}/admin-links', org, key)).body.url).hash.replace(/^#token=/, '');
  expect((await documented('GET', '/manage/sender', {}, { token: fresh })).status).toBe(404);
  expect((await documented('POST', '/orgs/{orgId}/admin-links/revoke', org, key)).status).toBe(200);
  expect((await documented('GET', '/manage/session', {}, { token: fresh })).status).toBe(401);

  expect((await documented('GET', '/settings/errors/{code}', { code: 'SENDER_LOCKED' })).status).toBe(200);
  expect((await documented('GET', '/settings/{asset}', { asset: 'app.js' })).status).toBe(200);
  expect((await documented('GET', '/settings', {})).status).toBe(200);
  expect((await documented('GET', '/health', {})).status).toBe(200);
});
