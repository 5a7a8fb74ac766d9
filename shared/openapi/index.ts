/**
 * The OpenAPI 3.1 document of the HTTP API (docs/api.md), built from the code's own sources
 * so it cannot drift: the routes from the function registry (passed in: shared/ never imports
 * functions/), the bodies from the zod schemas the handlers validate with (schemas.ts), the error
 * envelope and its codes from the error registry, and the per-route notes in operations.ts.
 * https://spec.openapis.org/oas/v3.1.0
 */
import { version } from '../../package.json';
import { ERROR_CODES } from '../errors';
import { MESSAGE_ID_PATTERN } from '../delivery/schema';
import { PROVIDER_MODES } from '../providers';
import { ORG_ID_PATTERN, SENDER_KEY_PATTERN } from '../model/sender';
import { Answer, OperationDoc, OPERATIONS } from './operations';
import { componentSchemas, JsonSchema } from './schemas';
import { webhooksSection } from './webhookOperations';
import { ENDPOINT_ID_PATTERN } from '../webhooks/model';

export { OPERATIONS } from './operations';

/** What the document needs of a registered HTTP function (functions/registry.ts `HttpFunction`). */
export interface RouteInfo {
  name: string;
  route: string;
  methods: readonly string[];
  authLevel: 'anonymous' | 'function' | 'admin';
}

export type OpenApiDocument = JsonSchema & { openapi: string; paths: Record<string, Record<string, JsonSchema>> };

const ref = (kind: 'schemas' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const pascal = (text: string) =>
  text.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

const PATH_PARAMETERS: Record<string, { description: string; schema: JsonSchema }> = {
  orgId: {
    description: 'The organization, or `_default` for the default sender',
    schema: { type: 'string', pattern: ORG_ID_PATTERN.source },
  },
  id: { description: 'The message id chosen at enqueue', schema: { type: 'string', pattern: MESSAGE_ID_PATTERN.source } },
  provider: { description: 'The mail provider', schema: { type: 'string', enum: Object.keys(PROVIDER_MODES) } },
  code: { description: 'An error code', schema: { type: 'string', enum: Object.keys(ERROR_CODES) } },
  senderKey: {
    description: "One of the org's senders (`default` is the one the /sender routes mean)",
    schema: { type: 'string', pattern: SENDER_KEY_PATTERN.source },
  },
  webhookId: { description: 'The webhook endpoint id', schema: { type: 'string', pattern: ENDPOINT_ID_PATTERN.source } },
};

/**
 * Azure route template -> OpenAPI paths. Constraints (`{id:int}`) and catch-alls (`{*rest}`) become
 * plain parameters; OpenAPI has no optional path parameter, so `settings/{asset?}` is two paths.
 */
export function openApiPaths(route: string): string[] {
  const segments = route.split('/').filter(Boolean);
  const clean = segments.map((s) => s.replace(/^\{\*?([A-Za-z_]\w*)(?::\w+)?\??\}$/, '{$1}'));
  const firstOptional = segments.findIndex((s) => /^\{\*|\?\}$/.test(s));
  const cut = firstOptional < 0 ? [clean.length] : Array.from({ length: clean.length - firstOptional + 1 }, (_, i) => firstOptional + i);
  return cut.map((n) => `/${clean.slice(0, n).join('/')}`);
}

type Access = 'functionKey' | 'adminToken' | 'none';

/** Function and admin levels take a host key; the settings page's API (`manage/*`) is anonymous at the host and takes the page's bearer token. */
function accessOf(route: RouteInfo): Access {
  if (route.authLevel !== 'anonymous') return 'functionKey';
  return route.route.startsWith('manage/') ? 'adminToken' : 'none';
}

const SECURITY: Record<Access, JsonSchema[]> = {
  functionKey: [{ functionKey: [] }, { functionKeyQuery: [] }],
  adminToken: [{ adminToken: [] }],
  none: [],
};

function answer({ description, schema, text, anyJson, headers }: Answer): JsonSchema {
  const content = schema
    ? { 'application/json': { schema: ref('schemas', schema) } }
    : anyJson
      ? { 'application/json': { schema: { type: 'object' } } }
      : text && Object.fromEntries(text.map((type) => [type, { schema: { type: 'string' } }]));
  return {
    description,
    ...(headers
      ? { headers: Object.fromEntries(Object.entries(headers).map(([name, d]) => [name, { description: d, schema: { type: 'string' } }])) }
      : {}),
    ...(content ? { content } : {}),
  };
}

/** `variant` > 0 for the longer paths of a route with optional parameters: their operationIds need a suffix. */
function operation(route: RouteInfo, method: string, path: string, variant: number, doc: OperationDoc | undefined): JsonSchema {
  const access = accessOf(route);
  const responses: Record<string, unknown> = {};
  for (const [status, a] of Object.entries(doc?.answers ?? {})) responses[status] = answer(a);
  // functions/http.ts orgIdFrom answers 400 for an invalid org id on every `{orgId}` route.
  const errors = new Set([...(path.includes('{orgId}') ? [400] : []), ...(doc?.errors ?? [])]);
  for (const status of [...errors].sort()) responses[status] = ref('responses', `Error${status}`);
  if (access === 'functionKey') responses['401'] = ref('responses', 'FunctionKeyRequired');
  if (access === 'adminToken') responses['401'] = ref('responses', 'Error401');
  responses.default = ref('responses', 'Unexpected');
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    ...(PATH_PARAMETERS[name] ?? { schema: { type: 'string' } }),
  }));
  const extra = variant === 0 ? '' : `With${pascal(pathParams[pathParams.length - 1].name)}`;
  return {
    operationId: `${method}${pascal(route.name)}${extra}`,
    summary: doc?.summary ?? route.name,
    ...(doc?.description ? { description: doc.description } : {}),
    ...(doc ? { tags: [doc.tag] } : {}),
    security: SECURITY[access],
    ...(pathParams.length || doc?.query
      ? { parameters: [...pathParams, ...(doc?.query ?? []).map((q) => ({ ...q, in: 'query', required: false }))] }
      : {}),
    ...(doc?.body
      ? { requestBody: { required: doc.body.required, content: { 'application/json': { schema: ref('schemas', doc.body.schema) } } } }
      : {}),
    responses,
  };
}

/** `components.responses`: one JSON error answer per status the registry uses, naming its codes. */
function errorResponses(): Record<string, JsonSchema> {
  const byStatus = new Map<number, string[]>();
  for (const [code, spec] of Object.entries(ERROR_CODES)) byStatus.set(spec.status, [...(byStatus.get(spec.status) ?? []), code]);
  const errorAnswer = (description: string, codes: string[]) => ({
    description: `${description} \`error.code\`: ${codes.join(', ')}.`,
    content: { 'application/json': { schema: ref('schemas', 'Error') } },
  });
  const responses: Record<string, JsonSchema> = {
    FunctionKeyRequired: { description: 'No valid function key. Azure answers before the function runs, possibly with an empty body.' },
    Unexpected: errorAnswer(
      'A server or dependency fault; retry later (honour Retry-After when present).',
      [...byStatus].filter(([s]) => s >= 500).flatMap(([, c]) => c),
    ),
  };
  for (const [status, codes] of byStatus) if (status < 500) responses[`Error${status}`] = errorAnswer(`HTTP ${status}.`, codes);
  return responses;
}

export function buildOpenApiDocument(options: { routes: readonly RouteInfo[]; publicBaseUrl: string }): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of options.routes) {
    openApiPaths(route.route).forEach((path, variant) => {
      for (const method of route.methods) {
        const doc = OPERATIONS[`${method.toUpperCase()} ${route.route}`];
        (paths[path] ??= {})[method.toLowerCase()] = operation(route, method.toLowerCase(), path, variant, doc);
      }
    });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'org-mailer',
      version,
      description:
        "Send a SaaS's notification emails from each customer organization's own Microsoft 365 or Google mailbox. Errors are `{ error: { code, message, hint?, fields? } }`; switch on `code`.",
    },
    servers: [{ url: `${options.publicBaseUrl}/api` }],
    tags: [...new Set(Object.values(OPERATIONS).map((o) => o.tag))].map((name) => ({ name })),
    paths,
    webhooks: webhooksSection(),
    components: {
      schemas: componentSchemas(),
      responses: errorResponses(),
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'A function key of the app' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: 'The same key as a query parameter' },
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "The token in the fragment of an admin link's URL (60 minutes, one org)",
        },
      },
    },
  };
}
