/**
 * The OpenAPI document against the code it describes: the same routes and methods as the function
 * registry (both ways), request schemas that accept and refuse what the handlers' own parsers do,
 * the error envelope of the error registry, and a well-formed OpenAPI 3.1 structure.
 */
import { RouteTemplate } from '../../dev/host/routes';
import '../../functions/index';
import { HttpFunction, listFunctions } from '../../functions/registry';
import { messageInputSchema } from '@shared/delivery/schema';
import { adminLinkInputSchema } from '@shared/adminLinks/links';
import { ERROR_CODES, MailerError } from '@shared/errors';
import { buildOpenApiDocument, OPERATIONS, openApiPaths } from '@shared/openapi';
import { caseInsensitiveSource } from '@shared/openapi/caseless';
import { parseConsentLinkInput, parseSenderInput, parseTestInput } from '@shared/senders/schema';
import { documentValidator } from '../support/openapi';

const BASE = 'https://mailer.example.com';
const routes = listFunctions().filter((f): f is HttpFunction => f.kind === 'http');
const document = buildOpenApiDocument({ routes, publicBaseUrl: BASE });
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ path, method, op: op as Record<string, any> })),
);

describe('the OpenAPI document and the function registry', () => {
  test('every HTTP route of the registry is in the document with each of its methods', () => {
    expect(routes.length).toBeGreaterThan(15);
    for (const fn of routes) {
      // `{asset?}` -> the path without it and the path with `{asset}`.
      const full = `/${fn.route.replace(/\?\}/g, '}')}`;
      for (const method of fn.methods) {
        expect({ route: fn.route, method, documented: document.paths[full]?.[method.toLowerCase()] !== undefined }).toEqual({
          route: fn.route,
          method,
          documented: true,
        });
      }
    }
    expect(document.paths['/settings']?.get).toBeDefined();
  });

  test('every path and method in the document is answered by a real route, as the host matches them', () => {
    for (const { path, method } of operations) {
      const segments = path
        .split('/')
        .filter(Boolean)
        .map((s) => (s.startsWith('{') ? 'x' : s));
      const matching = routes.filter(
        (fn) => fn.methods.includes(method.toUpperCase() as never) && new RouteTemplate(fn.route).match(segments),
      );
      expect({ path, method, routes: matching.length }).toEqual({ path, method, routes: 1 });
    }
  });

  test('every route and method has its notes in OPERATIONS, and every note belongs to a route', () => {
    const registered = routes.flatMap((fn) => fn.methods.map((m) => `${m} ${fn.route}`)).sort();
    expect(Object.keys(OPERATIONS).sort()).toEqual(registered);
  });

  test('optional and constrained parameters become plain OpenAPI paths', () => {
    expect(openApiPaths('settings/{asset?}')).toEqual(['/settings', '/settings/{asset}']);
    expect(openApiPaths('orgs/{orgId}/items/{n:int}')).toEqual(['/orgs/{orgId}/items/{n}']);
  });

  test('security follows the auth level: function key, the admin bearer token for manage/*, none otherwise', () => {
    const byPath = (path: string, method: string) => operations.find((o) => o.path === path && o.method === method)!.op;
    expect(byPath('/orgs/{orgId}/sender', 'put').security).toEqual([{ functionKey: [] }, { functionKeyQuery: [] }]);
    expect(byPath('/manage/sender', 'put').security).toEqual([{ adminToken: [] }]);
    expect(byPath('/health', 'get').security).toEqual([]);
    expect(byPath('/openapi.json', 'get').security).toEqual([]);
    for (const fn of routes) {
      const op = byPath(openApiPaths(fn.route).at(-1)!, fn.methods[0].toLowerCase());
      expect({ route: fn.route, open: op.security.length === 0 }).toEqual({
        route: fn.route,
        open: fn.authLevel === 'anonymous' && !fn.route.startsWith('manage/'),
      });
    }
  });
});

/** The handler's own parser, reduced to accepted or refused. */
const accepts = (parse: (body: unknown) => unknown) => (body: unknown) => {
  try {
    parse(body);
    return true;
  } catch (error) {
    if (error instanceof MailerError) return false;
    throw error;
  }
};

const guid = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const REQUESTS: Array<{ schema: string; parse: (body: unknown) => boolean; good: unknown[]; bad: unknown[] }> = [
  {
    schema: 'SenderInput',
    parse: accepts(parseSenderInput),
    good: [
      {
        provider: 'microsoft',
        mode: 'app_registration',
        senderEmail: 'no-reply@acme.example',
        senderName: 'Acme',
        tenantId: guid,
        clientId: guid,
        clientSecret: 's3cret~value',
      },
      { provider: 'microsoft', mode: 'admin_consent', senderEmail: 'no-reply@acme.example', senderName: 'Acme', fallbackToDefault: false },
      { provider: 'google', mode: 'oauth', senderEmail: 'team@acme.example', senderName: 'Acme Team', replyTo: 'help@acme.example' },
    ],
    bad: [
      { provider: 'google', mode: 'app_registration', senderEmail: 'a@acme.example', senderName: 'A', tenantId: guid, clientId: guid },
      { provider: 'microsoft', mode: 'admin_consent', senderEmail: 'a@acme.example', senderName: 'A', clientSecret: 'not for this mode' },
      {
        provider: 'microsoft',
        mode: 'app_registration',
        senderEmail: 'a@acme.example',
        senderName: 'A',
        tenantId: 'not-a-guid',
        clientId: guid,
      },
      { provider: 'microsoft', mode: 'admin_consent', senderEmail: 'a@acme.example' },
      { provider: 'yahoo', mode: 'oauth', senderEmail: 'a@acme.example', senderName: 'A' },
      { provider: 'google', mode: 'oauth', senderEmail: 'not an address', senderName: 'A' },
    ],
  },
  {
    schema: 'ConsentLinkRequest',
    parse: accepts(parseConsentLinkInput),
    good: [
      { provider: 'google', mode: 'oauth', returnUrl: 'https://app.example.com/settings', aliasCheck: true },
      { provider: 'microsoft', mode: 'delegated' },
    ],
    bad: [
      { provider: 'yahoo', mode: 'oauth' },
      { provider: 'google' },
      { provider: 'google', mode: 'oauth', state: 'x' },
      { provider: 'google', mode: 'oauth', aliasCheck: 'yes' },
    ],
  },
  {
    schema: 'TestRequest',
    parse: accepts(parseTestInput),
    good: [{ to: 'admin@acme.example' }],
    bad: [{}, { to: 'nobody' }, { to: 'admin@acme.example', cc: 'x@acme.example' }],
  },
  {
    schema: 'MessageInput',
    parse: (body) => messageInputSchema.safeParse(body).success,
    good: [
      { id: 'invite-42', to: [{ address: 'ann@example.com', name: 'Ann' }], subject: 'Welcome', text: 'Hello' },
      // Custom header names are case-insensitive in the code: the document must not refuse lower case.
      {
        v: 1,
        id: 'm:1',
        bcc: [{ address: 'b@example.com' }],
        subject: 'S',
        html: '<p>x</p>',
        headers: { 'x-entity-ref-id': 'abc' },
        category: 'invitation',
        attachments: [{ name: 'a.txt', contentBase64: 'aGk=' }],
      },
    ],
    bad: [
      { id: 'm1', from: 'ceo@acme.example', to: [{ address: 'a@example.com' }], subject: 'S', text: 'x' },
      { id: 'm1', to: [{ address: 'a@example.com' }], text: 'x' },
      { id: 'a/b', to: [{ address: 'a@example.com' }], subject: 'S', text: 'x' },
      { v: 2, id: 'm1', to: [{ address: 'a@example.com' }], subject: 'S', text: 'x' },
      { id: 'm1', to: [{ address: 'a@example.com' }], subject: 'S', text: 'x', attachments: [{ name: 'a.txt' }] },
      { id: 'm1', to: [{ address: 'a@example.com' }], subject: 'S', text: 'x', headers: { Subject: 'override' } },
    ],
  },
  {
    schema: 'AdminLinkRequest',
    parse: (body) => adminLinkInputSchema.safeParse(body).success,
    good: [{}, { returnUrl: 'https://app.example.com/back' }],
    bad: [{ returnUrl: 'not a url' }, { orgId: 'acme' }],
  },
];

describe('request schemas in the document', () => {
  test.each(REQUESTS)('$schema accepts and refuses what the handler does', ({ schema, parse, good, bad }) => {
    expect(operations.some(({ op }) => op.requestBody?.content['application/json'].schema.$ref === `#/components/schemas/${schema}`)).toBe(
      true,
    );
    const validator = documentValidator(document, schema);
    for (const body of good)
      expect({ body, document: validator.safeParse(body).success, handler: parse(body) }).toEqual({ body, document: true, handler: true });
    for (const body of bad)
      expect({ body, document: validator.safeParse(body).success, handler: parse(body) }).toEqual({
        body,
        document: false,
        handler: false,
      });
  });

  test('a case-insensitive pattern keeps its meaning without the flag JSON Schema lacks', () => {
    const samples = ['X-Ref', 'x-ref-1', 'x-', 'Subject', 'X-a_b', 'AbC9', 'abc9', 'ABD7', 'abz1'];
    for (const regex of [/^X-[A-Za-z0-9-]{1,74}$/i, /^ab[c-e]\d$/i, /^[^a-c]+$/i]) {
      const spelled = new RegExp(caseInsensitiveSource(regex.source)!);
      for (const sample of samples)
        expect({ regex: String(regex), sample, matches: spelled.test(sample) }).toEqual({
          regex: String(regex),
          sample,
          matches: regex.test(sample),
        });
    }
    expect(caseInsensitiveSource('^\\u0041$')).toBeUndefined();
  });

  test('the PUT sender body names each mode once, with its provider', () => {
    const input = (document.components as any).schemas.SenderInput;
    expect(Object.keys(input.discriminator.mapping).sort()).toEqual([
      'admin_consent',
      'app_registration',
      'delegated',
      'oauth',
      'service_account',
    ]);
    const appRegistration = (document.components as any).schemas.MicrosoftAppRegistrationSender;
    expect(appRegistration.properties.provider.const).toBe('microsoft');
    expect(appRegistration.required).toEqual(expect.arrayContaining(['senderEmail', 'senderName', 'tenantId', 'clientId']));
    expect(appRegistration.additionalProperties).toBe(false);
  });
});

describe('errors in the document', () => {
  test('the envelope names every code of the error registry, and a real error body fits it', () => {
    const envelope = (document.components as any).schemas.Error;
    expect(envelope.properties.error.properties.code.enum.sort()).toEqual(Object.keys(ERROR_CODES).sort());
    const validator = documentValidator(document, 'Error');
    const locked = new MailerError('VALIDATION_FAILED', 'Invalid.', { fields: { senderEmail: 'must be an email address' } });
    expect(validator.safeParse({ error: locked.toJSON() }).success).toBe(true);
    expect(validator.safeParse({ error: { code: 'NO_SUCH_CODE', message: 'x' } }).success).toBe(false);
  });

  test('each documented error status has a response listing the codes with that status', () => {
    const responses = (document.components as any).responses;
    for (const { op } of operations) {
      for (const [status, answer] of Object.entries<any>(op.responses)) {
        if (!answer.$ref?.startsWith('#/components/responses/Error')) continue;
        const codes = Object.entries(ERROR_CODES)
          .filter(([, spec]) => String(spec.status) === status)
          .map(([code]) => code);
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) expect(responses[`Error${status}`].description).toContain(code);
      }
    }
  });
});

describe('OpenAPI 3.1 structure', () => {
  test('has the required top-level fields and the server under PUBLIC_BASE_URL/api', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toEqual(expect.objectContaining({ title: 'org-mailer', version: expect.stringMatching(/^\d+\.\d+\.\d+/) }));
    expect(document.servers).toEqual([{ url: `${BASE}/api` }]);
    expect(Object.keys(document.components as object)).toEqual(expect.arrayContaining(['schemas', 'responses', 'securitySchemes']));
  });

  test('every operation has a unique operationId, responses, and exactly its path parameters', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, op } of operations) {
      expect(Object.keys(op.responses).length).toBeGreaterThan(1);
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? [])
        .filter((p: any) => p.in === 'path')
        .map((p: any) => p.name)
        .sort();
      expect({ path, declared }).toEqual({ path, declared: inPath });
    }
  });

  test('every $ref and security requirement points at a component that exists', () => {
    const text = JSON.stringify(document);
    for (const [, kind, name] of text.matchAll(/"#\/components\/(\w+)\/(\w+)"/g)) {
      expect({ kind, name, exists: (document.components as any)[kind]?.[name] !== undefined }).toEqual({ kind, name, exists: true });
    }
    const schemes = Object.keys((document.components as any).securitySchemes);
    for (const { op } of operations)
      for (const requirement of op.security) expect(schemes).toEqual(expect.arrayContaining(Object.keys(requirement)));
  });
});
