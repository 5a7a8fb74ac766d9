/**
 * HTTP translation shared by every HTTP trigger: read a JSON body safely, validate `orgId`, and turn
 * a `MailerError` into `{ error: { code, message, hint?, fields? } }` with its status (docs/api.md). Anything unexpected is logged (redacted) and answered with a generic 500, never with
 * its message: an SDK error text is not something to show a caller.
 */
import type { ReadableStream } from 'node:stream/web';
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { MailerError, isMailerError } from '@shared/errors';
import { ORG_ID_PATTERN } from '@shared/model/sender';

/** Management request bodies are small JSON; a service-account key is the biggest (~2.3 KB). */
export const MAX_JSON_BYTES = 64 * 1024;
/**
 * No body of this API nests more than a few levels. Deeper JSON is refused before any code walks it:
 * JSON.stringify and validators recurse, and overflow the stack (a RangeError, so a 500) at some
 * thousands of levels, which 64 KB of `{"a":` reaches.
 */
export const MAX_JSON_DEPTH = 64;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store', ...headers } };
}

export function errorResponse(error: MailerError): HttpResponseInit {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(Math.ceil(error.retryAfterSeconds));
  return json(error.status, { error: error.toJSON() }, headers);
}

/**
 * The request body as text: 413 over `maxBytes`, whatever `Content-Length` says. A declared length
 * over the limit is refused before reading; otherwise a counting reader pulls the body stream
 * (`request.body`, a web ReadableStream streamed from the host with `enableHttpStream`, see
 * functions/registry.ts) and stops at the first chunk past the limit, so a chunked body is never
 * buffered whole (https://learn.microsoft.com/azure/azure-functions/node-http-stream).
 */
export async function readText(request: HttpRequest, maxBytes: number): Promise<string> {
  const tooLarge = () => new MailerError('PAYLOAD_TOO_LARGE', `The request body is over ${maxBytes} bytes.`);
  if (Number(request.headers.get('content-length') ?? '0') > maxBytes) throw tooLarge();
  const body = await readLimited(request.body, maxBytes);
  if (body === undefined) throw tooLarge();
  return new TextDecoder().decode(body);
}

/** The stream's bytes, or undefined (and the stream cancelled) once more than `maxBytes` arrived. */
export async function readLimited(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
}

/** The request body as JSON: 413 over `maxBytes`, 400 for text that is not JSON. An empty body is `undefined`. */
export async function readJson(request: HttpRequest, maxBytes: number = MAX_JSON_BYTES): Promise<unknown> {
  const text = await readText(request, maxBytes);
  if (!text.trim()) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MailerError('BAD_REQUEST', 'The request body is not valid JSON.');
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH))
    throw new MailerError('BAD_REQUEST', `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  return value;
}

/** Whether valid JSON `text` opens more than `limit` objects or arrays inside each other (one pass, strings skipped). */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The `{orgId}` route parameter, validated (`^[a-z0-9][a-z0-9-]{0,62}$` or `_default`). */
export function orgIdFrom(request: HttpRequest): string {
  const orgId = request.params.orgId ?? '';
  if (!ORG_ID_PATTERN.test(orgId)) {
    throw new MailerError('BAD_REQUEST', 'The organization id in the path is not valid.', {
      fields: { orgId: 'must match ^[a-z0-9][a-z0-9-]{0,62}$ (or be _default)' },
    });
  }
  return orgId;
}

/**
 * Masks what must never reach a log even by accident: PEM private keys (a service-account key's
 * `private_key`), JWTs, Google access and refresh tokens (`ya29.`, `1//`), bearer and basic
 * credentials, and values of secret-looking keys in key=value or JSON text (`client_secret`,
 * `refresh_token`, `code_verifier`, `AccountKey`, a SAS `sig`).
 */
export function redact(text: string): string {
  return text
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[private key]')
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[jwt]')
    .replace(/\b(?:ya29\.|1\/\/)[\w.-]+/g, '[google token]')
    .replace(/((?:bearer|basic)\s+)\S+/gi, '$1[redacted]')
    .replace(/((?:secret|token|password|assertion|code|key|verifier|sig|signature)\w*["']?\s*[:=]\s*["']?)[^"'\s&,;]+/gi, '$1[redacted]');
}

/** Wraps a handler: MailerError -> its JSON answer; anything else -> logged, generic 500. */
export function handle(handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (isMailerError(error) && error.code !== 'INTERNAL') {
        if (error.status >= 500) context.warn(`${context.functionName}: ${error.code}: ${redact(error.message)}`);
        return errorResponse(error);
      }
      const detail = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
      context.error(`${context.functionName} failed unexpectedly (invocation ${context.invocationId}): ${redact(detail)}`);
      return errorResponse(new MailerError('INTERNAL', `An unexpected error occurred (invocation ${context.invocationId}).`));
    }
  };
}
