/**
 * The HTTP part of the typed client (`org-mailer/client`): the management API (senders, routing)
 * and the messages API, for a SaaS backend that holds the function key.
 *
 *   const mailer = new OrgMailerApi({ baseUrl: 'https://mailer.example.com', functionKey });
 *   await mailer.senders.create('acme', { key: 'compliance', provider: 'google', mode: 'oauth', senderEmail, senderName });
 *   await mailer.routing.put('acme', [{ match: { category: 'compliance-alert' }, sender: 'compliance' }]);
 *   const why = await mailer.routing.explain('acme', { category: 'compliance-alert' });
 *
 * Every call has its own deadline (AbortSignal.timeout, `timeoutMs`, 30 s by default): a call past
 * it throws PROVIDER_TIMEOUT, and the signal also closes the socket.
 * https://nodejs.org/api/globals.html#abortsignaltimeoutdelay
 * An error answer throws MailerError with the API's own code, message, hint and fields (and
 * `retryAfterSeconds` from Retry-After); a code this client does not know yet keeps its text.
 */
import type { DeliveryView } from '../delivery/status';
import type { MessageInput } from '../delivery/schema';
import { ErrorCode, isErrorCode, MailerError } from '../errors';
import { DEFAULT_CALL_TIMEOUT_MS, timedOut, timeoutError } from '../providers/deadline';
import type { RouteExplanation } from '../senders/named';
import type { RoutedMessage, RoutingRule } from '../senders/rules';
import type { ConsentLinkInput, SenderInput } from '../senders/schema';
import type { VerifyResult } from '../senders/serviceTypes';
import type { SenderView } from '../senders/view';

export interface OrgMailerApiOptions {
  /** The function app's origin, e.g. `https://mailer.example.com` (the client adds `/api`). */
  baseUrl: string;
  /** A function key (sent as `x-functions-key`). */
  functionKey: string;
  /** Another fetch (a proxy agent, a test double); the global one by default. */
  fetch?: typeof fetch;
  /** Deadline of each call, in milliseconds. */
  timeoutMs?: number;
}

export type NewSenderInput = SenderInput & { key: string };
export interface Link {
  url: string;
  expiresAt: string;
}
export interface TestSendResult {
  ok: true;
  sentTo: string;
  sender: SenderView;
}
export interface Enqueued {
  id: string;
  status: string;
  duplicate?: true;
}

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** An error answer as MailerError: the API's code when this client knows it, else one by status. */
function errorOf(status: number, body: unknown, retryAfter: string | null): MailerError {
  const error = (body as { error?: { code?: unknown; message?: unknown; hint?: unknown; fields?: Record<string, string> } } | null)?.error;
  const message = typeof error?.message === 'string' ? error.message : `org-mailer answered HTTP ${status}.`;
  const known = isErrorCode(error?.code);
  const code: ErrorCode = known
    ? (error!.code as ErrorCode)
    : status >= 500
      ? 'INTERNAL'
      : status === 404
        ? 'NOT_FOUND'
        : status === 401
          ? 'UNAUTHORIZED'
          : 'BAD_REQUEST';
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return new MailerError(code, message, {
    ...(typeof error?.hint === 'string' ? { hint: error.hint } : {}),
    ...(error?.fields ? { fields: error.fields } : {}),
    ...(seconds !== undefined ? { retryAfterSeconds: seconds } : {}),
    ...(!known && typeof error?.code === 'string' ? { providerCode: error.code } : {}),
  });
}

export class OrgMailerApi {
  private readonly base: string;
  private readonly key: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: OrgMailerApiOptions) {
    this.base = `${options.baseUrl.replace(/\/+$/, '')}/api`;
    this.key = options.functionKey;
    const call = options.fetch ?? globalThis.fetch;
    this.fetch = (input, init) => call(input, init);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  /** One call with its deadline; the answer's JSON, or undefined for 204. */
  private async call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const headers: Record<string, string> = { 'x-functions-key': this.key, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.base}/${path}`, {
        method,
        headers,
        signal,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      text = await response.text();
    } catch (error) {
      if (timedOut(signal)) throw timeoutError(`org-mailer (${method} /api/${path})`, this.timeoutMs);
      // No cause: a fetch error may carry the request, and with it the function key.
      throw new MailerError(
        'PROVIDER_UNAVAILABLE',
        `org-mailer could not be reached (${method} /api/${path}): ${(error as Error)?.message ?? String(error)}.`,
        {
          hint: `Check that ${this.base} is the function app's address and that it is running.`,
        },
      );
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw errorOf(response.status, parsed, response.headers.get('retry-after'));
    return parsed as T;
  }

  private org(orgId: string, ...rest: string[]): string {
    return ['orgs', orgId, ...rest].map(encodeURIComponent).join('/');
  }

  /** The org's senders: each call names the sender by its key (`default` is the /sender routes' one). */
  readonly senders = {
    list: (orgId: string) => this.call<{ senders: SenderView[] }>('GET', this.org(orgId, 'senders')),
    create: (orgId: string, input: NewSenderInput) => this.call<SenderView>('POST', this.org(orgId, 'senders'), input),
    get: (orgId: string, key: string) => this.call<SenderView>('GET', this.org(orgId, 'senders', key)),
    save: (orgId: string, key: string, input: SenderInput) => this.call<SenderView>('PUT', this.org(orgId, 'senders', key), input),
    delete: (orgId: string, key: string) => this.call<void>('DELETE', this.org(orgId, 'senders', key)),
    consentLink: (orgId: string, key: string, input: ConsentLinkInput) =>
      this.call<Link>('POST', this.org(orgId, 'senders', key, 'consent-link'), input),
    verify: (orgId: string, key: string) => this.call<VerifyResult>('POST', this.org(orgId, 'senders', key, 'verify')),
    test: (orgId: string, key: string, to: string) => this.call<TestSendResult>('POST', this.org(orgId, 'senders', key, 'test'), { to }),
    reset: (orgId: string, key: string) => this.call<SenderView>('POST', this.org(orgId, 'senders', key, 'reset')),
  };

  /** The org's routing rules and the route a message would take. */
  readonly routing = {
    get: (orgId: string) => this.call<{ rules: RoutingRule[] }>('GET', this.org(orgId, 'routing')),
    put: (orgId: string, rules: RoutingRule[]) => this.call<{ rules: RoutingRule[] }>('PUT', this.org(orgId, 'routing'), { rules }),
    explain: (orgId: string, message: RoutedMessage) => this.call<RouteExplanation>('POST', this.org(orgId, 'routing', 'explain'), message),
  };

  /** Enqueue through the API, and read a message's delivery status (sender, via, viaReason, hops). */
  readonly messages = {
    send: (orgId: string, message: MessageInput) => this.call<Enqueued>('POST', this.org(orgId, 'messages'), message),
    status: (orgId: string, id: string) => this.call<DeliveryView>('GET', this.org(orgId, 'messages', id)),
  };
}
