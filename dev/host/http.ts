/**
 * The HTTP side of the local host: matches `/<routePrefix>/<route>` against the registry's HTTP
 * functions, enforces auth levels with the local function key (header `x-functions-key` or query
 * `code`, as Azure does), builds the `HttpRequest`/`InvocationContext` a handler gets from the real
 * host, and writes back its `HttpResponseInit`.
 *
 * Limits as Azure: request bodies up to 100 MB, URLs up to 4 KB
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#limits).
 * A handler that throws gets a generic 500 (the error is logged); the host survives.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { HttpRequest, HttpRequestInit, HttpResponse, HttpResponseInit } from '@azure/functions';
import { HTTP_STREAMING, HttpFunction, invocationOf } from '../../functions/registry';
import { ErrorCode, MailerError } from '@shared/errors';
import { createInvocationContext, describeError, HostLog } from './invocation';
import { byHostOrder } from './conformance';
import { RouteTemplate } from './routes';
import { hostHeaders, hostQuery, streamedParams } from './rpcHttp';

export const AZURE_MAX_REQUEST_BYTES = 100 * 1024 * 1024;

/**
 * The host's request body limit: FUNCTIONS_REQUEST_BODY_SIZE_LIMIT when it parses as a whole number of
 * bytes, else 100 MB (src/WebJobs.Script.WebHost/Middleware/HttpRequestBodySizeMiddleware.cs and
 * ScriptConstants.DefaultMaxRequestBodySize in Azure/azure-functions-host).
 */
export function requestBodyLimit(env: Readonly<Record<string, string | undefined>>): number {
  const setting = env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT?.trim() ?? '';
  return /^\d+$/.test(setting) ? Number(setting) : AZURE_MAX_REQUEST_BYTES;
}
export const AZURE_MAX_URL_LENGTH = 4096;

export interface HttpHostOptions {
  functions: readonly HttpFunction[];
  routePrefix: string;
  /** The key `function`/`admin` routes demand; without one they refuse every call. */
  functionKey?: string;
  maxRequestBytes: number;
  log: HostLog;
}

interface Route {
  fn: HttpFunction;
  template: RouteTemplate;
}

class TooLarge extends Error {}

function sendError(res: ServerResponse, code: ErrorCode, message: string): void {
  const error = new MailerError(code, message);
  const body = JSON.stringify({ error: error.toJSON() });
  res.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new TooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Whether a streamed body went past the host's limit while the handler read it. */
interface Overflow {
  hit: boolean;
}

/**
 * The request as the Node.js worker builds it with `enableHttpStream`: a native `Request` whose body
 * is the connection itself (GET and HEAD have none), read only as fast as the handler reads it
 * (node_modules/@azure/functions/src/http/HttpRequest.ts `createStreamRequest`). The host's limit
 * still applies, counted as the bytes pass.
 */
function streamedRequest(
  req: IncomingMessage,
  init: HttpRequestInit & { url: string; method: string },
  limit: number,
  overflow: Overflow,
): HttpRequest {
  let size = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size <= limit) return done(null, chunk);
      overflow.hit = true;
      done(new TooLarge());
    },
  });
  const body =
    init.method === 'GET' || init.method === 'HEAD' ? undefined : (Readable.toWeb(req.pipe(counted)) as unknown as RequestInit['body']);
  const nativeRequest = new Request(init.url, { method: init.method, headers: init.headers, body, duplex: 'half' } as RequestInit);
  return new HttpRequest({ ...init, nativeRequest } as HttpRequestInit);
}

async function bufferedRequest(req: IncomingMessage, init: HttpRequestInit, limit: number): Promise<HttpRequest> {
  const body = await readBody(req, limit);
  return new HttpRequest({ ...init, body: body.length ? { bytes: body } : undefined });
}

function refuseTooLarge(res: ServerResponse, limit: number): void {
  res.setHeader('connection', 'close');
  sendError(res, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`);
}

function keyMatches(given: string | null | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function writeResponse(res: ServerResponse, result: HttpResponseInit | HttpResponse | undefined): Promise<void> {
  // HttpResponse applies the same defaults as the real worker (jsonBody -> JSON + content-type, status 200).
  const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

export function createHttpHandler(options: HttpHostOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // The host tries routes in function-name order and the first match wins (dev/host/conformance/httpRules.ts).
  const routes: Route[] = [...options.functions].sort(byHostOrder).map((fn) => ({ fn, template: new RouteTemplate(fn.route) }));
  const prefix = options.routePrefix.split('/').filter(Boolean);

  function find(method: string, segments: string[]): { route: Route; params: Record<string, string> } | undefined {
    if (!prefix.every((p, i) => segments[i]?.toLowerCase() === p.toLowerCase())) return undefined;
    const rest = segments.slice(prefix.length);
    for (const route of routes) {
      if (!route.fn.methods.some((m) => m.toUpperCase() === method)) continue;
      const params = route.template.match(rest);
      if (params) return { route, params };
    }
    return undefined;
  }

  return async (req, res) => {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    // Path only: the query may carry the function key (`code`).
    res.on('finish', () => options.log(`${method} ${url.pathname} -> ${res.statusCode} (${Date.now() - started} ms)`));

    if ((req.url ?? '').length > AZURE_MAX_URL_LENGTH) return sendError(res, 'BAD_REQUEST', 'The URL is longer than 4 KB.');
    const found = find(method, url.pathname.split('/').filter(Boolean));
    // Azure answers 404 both for an unknown route and for a method the route does not accept.
    if (!found) return sendError(res, 'NOT_FOUND', `No function answers ${method} ${url.pathname}.`);
    const { route, params } = found;

    if (route.fn.authLevel !== 'anonymous') {
      const key = req.headers['x-functions-key'];
      if (!keyMatches(Array.isArray(key) ? key[0] : (key ?? url.searchParams.get('code')), options.functionKey)) {
        return sendError(res, 'UNAUTHORIZED', 'A valid function key is required: header x-functions-key or query parameter code.');
      }
    }

    // Azure refuses a declared length over its limit before the function runs.
    if (Number(req.headers['content-length'] ?? 0) > options.maxRequestBytes) return refuseTooLarge(res, options.maxRequestBytes);
    // Headers as the host copies them into the trigger metadata; with enableHttpStream `@azure/functions`
    // reads the query from the forwarded URL, otherwise from the host's RpcHttp map
    // (src/http/HttpRequest.ts `createStreamRequest` of Azure/azure-functions-nodejs-library).
    const init = HTTP_STREAMING
      ? { method, url: url.toString(), headers: hostHeaders(req), params: streamedParams(url, params) }
      : { method, url: url.toString(), headers: hostHeaders(req), params, query: hostQuery(url) };
    const overflow: Overflow = { hit: false };
    let request: HttpRequest;
    try {
      request = HTTP_STREAMING
        ? streamedRequest(req, init, options.maxRequestBytes, overflow)
        : await bufferedRequest(req, init, options.maxRequestBytes);
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      return refuseTooLarge(res, options.maxRequestBytes);
    }
    const context = createInvocationContext(route.fn.name, options.log);
    try {
      const result = await invocationOf(route.fn)(request, context);
      if (overflow.hit) return refuseTooLarge(res, options.maxRequestBytes);
      // A body the handler left unread (e.g. refused by its declared length) still sits on the
      // connection: close it rather than read it, so the next request on it is not stuck behind.
      if (!req.complete && req.method !== 'GET' && req.method !== 'HEAD') res.setHeader('connection', 'close');
      await writeResponse(res, result);
    } catch (error) {
      if (overflow.hit) return refuseTooLarge(res, options.maxRequestBytes);
      options.log(`[${route.fn.name}] error: invocation ${context.invocationId} failed: ${describeError(error)}`);
      if (!res.headersSent) sendError(res, 'INTERNAL', 'An unexpected error occurred; it has been logged.');
      else res.destroy();
    }
  };
}
