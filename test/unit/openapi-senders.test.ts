/**
 * Several senders per org in the OpenAPI document and the typed client: every senders and
 * routing route (function key and settings page) is documented with its bodies and answers, the
 * new fields (`workspace`, `senderKey`, `via`, `viaReason`, `hops`) are in their schemas, and every
 * call `OrgMailerApi` makes is a documented path and method.
 */
import '../../functions/index';
import { HttpFunction, listFunctions } from '../../functions/registry';
import { OrgMailerApi } from '@shared/client';
import { buildOpenApiDocument } from '@shared/openapi';
import { documentValidator } from '../support/openapi';

const routes = listFunctions().filter((f): f is HttpFunction => f.kind === 'http');
const document = buildOpenApiDocument({ routes, publicBaseUrl: 'https://mailer.example.com' }) as any;
const schemas = document.components.schemas;
const ref = (name: string) => `#/components/schemas/${name}`;
const bodyOf = (op: any) => op.requestBody?.content['application/json'].schema.$ref;
const answerOf = (op: any, status: number) => op.responses[status]?.content?.['application/json']?.schema?.$ref;

const SENDER_ROUTES: Array<[string, string, string | undefined, number, string | undefined]> = [
  // path, method, request body, success status, answer
  ['senders', 'get', undefined, 200, 'SenderList'],
  ['senders', 'post', 'NewSender', 201, 'SenderView'],
  ['senders/{senderKey}', 'get', undefined, 200, 'SenderView'],
  ['senders/{senderKey}', 'put', 'SenderInput', 200, 'SenderView'],
  ['senders/{senderKey}', 'delete', undefined, 204, undefined],
  ['senders/{senderKey}/consent-link', 'post', 'ConsentLinkRequest', 200, 'Link'],
  ['senders/{senderKey}/verify', 'post', undefined, 200, 'VerifyResult'],
  ['senders/{senderKey}/test', 'post', 'TestRequest', 200, 'TestResult'],
  ['senders/{senderKey}/reset', 'post', undefined, 200, 'SenderView'],
  ['routing', 'get', undefined, 200, 'Routing'],
  ['routing', 'put', 'Routing', 200, 'Routing'],
  ['routing/explain', 'post', 'ExplainRequest', 200, 'RouteExplanation'],
];

describe('senders and routing in the OpenAPI document', () => {
  test.each(SENDER_ROUTES)(
    '%s %s is documented under /orgs/{orgId}/ and /manage/ with its body and answer',
    (path, method, body, status, answer) => {
      for (const prefix of ['/orgs/{orgId}/', '/manage/']) {
        const op = document.paths[prefix + path]?.[method];
        expect({ path: prefix + path, method, documented: op !== undefined }).toEqual({ path: prefix + path, method, documented: true });
        expect(bodyOf(op)).toBe(body && ref(body));
        expect(op.responses[status]).toBeDefined();
        expect(answerOf(op, status)).toBe(answer && ref(answer));
        expect(op.security).toEqual(prefix === '/manage/' ? [{ adminToken: [] }] : [{ functionKey: [] }, { functionKeyQuery: [] }]);
      }
    },
  );

  test('messages take `workspace` with the same characters as `category`; the status names senderKey, via, viaReason and hops', () => {
    const message = documentValidator(document, 'MessageInput');
    const base = { id: 'm1', to: [{ address: 'a@example.com' }], subject: 'S', text: 'x' };
    expect(message.safeParse({ ...base, workspace: 'subsidiary-de' }).success).toBe(true);
    expect(message.safeParse({ ...base, workspace: 'no spaces' }).success).toBe(false);
    expect(Object.keys(schemas.DeliveryView.properties)).toEqual(
      expect.arrayContaining(['workspace', 'senderKey', 'via', 'viaReason', 'hops']),
    );
    expect(schemas.SenderView.properties.senderKey).toBeDefined();
    const status = documentValidator(document, 'DeliveryView');
    const row = {
      orgId: 'acme',
      id: 'm1',
      status: 'sent',
      attempts: 1,
      createdAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-01T00:00:00.000Z',
    };
    const hops = [{ sender: 'compliance', status: 'needs_attention', reason: 'GOOGLE_REAUTH_REQUIRED' }];
    expect(
      status.safeParse({ ...row, senderKey: 'default', via: 'org', viaReason: 'rule 1 matched; compliance is needs_attention', hops })
        .success,
    ).toBe(true);
    expect(status.safeParse({ ...row, via: 'somewhere' }).success).toBe(false);
    const explanation = documentValidator(document, 'RouteExplanation');
    expect(
      explanation.safeParse({ sender: 'default', via: 'org', reason: 'r', hops, provider: 'microsoft', senderEmail: 'a@contoso.example' })
        .success,
    ).toBe(true);
    expect(
      explanation.safeParse({
        sender: 'default',
        via: 'org',
        reason: 'r',
        hops: [{ sender: 'x', status: 'gone', reason: 'r' }],
        provider: 'microsoft',
        senderEmail: 'a',
      }).success,
    ).toBe(false);
  });
});

describe('the typed client and the document', () => {
  test('every call OrgMailerApi makes is a documented path and method', async () => {
    const calls: Array<{ method: string; path: string }> = [];
    const api = new OrgMailerApi({
      baseUrl: 'https://mailer.example.com/',
      functionKey: 'k',
      fetch: async (input, init) => {
        calls.push({ method: String(init?.method).toLowerCase(), path: new URL(String(input)).pathname.replace(/^\/api/, '') });
        return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    const sender = { provider: 'microsoft', mode: 'admin_consent', senderEmail: 'a@acme.example', senderName: 'A' } as const;
    await Promise.all([
      api.senders.list('acme'),
      api.senders.create('acme', { key: 'k2', ...sender }),
      api.senders.get('acme', 'k2'),
      api.senders.save('acme', 'k2', sender),
      api.senders.delete('acme', 'k2'),
      api.senders.consentLink('acme', 'k2', { provider: 'microsoft', mode: 'admin_consent' }),
      api.senders.verify('acme', 'k2'),
      api.senders.test('acme', 'k2', 'a@example.com'),
      api.senders.reset('acme', 'k2'),
      api.routing.get('acme'),
      api.routing.put('acme', []),
      api.routing.explain('acme', { category: 'task' }),
      api.messages.send('acme', { id: 'm1', to: [{ address: 'a@example.com' }], subject: 'S', text: 'x' }),
      api.messages.status('acme', 'm 1'),
    ]);
    expect(calls).toHaveLength(14);
    const templates = Object.keys(document.paths).map((path) => ({ path, regex: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`) }));
    for (const call of calls) {
      const documented = templates.filter((t) => t.regex.test(call.path) && document.paths[t.path][call.method]).map((t) => t.path);
      expect({ ...call, documented: documented.length }).toEqual({ ...call, documented: 1 });
    }
    expect(calls.at(-1)!.path).toBe('/orgs/acme/messages/m%201');
  });
});
