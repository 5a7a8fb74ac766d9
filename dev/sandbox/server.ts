/**
 * The cloud sandbox: one Node process that plays Entra ID, Microsoft Graph, Google OAuth, Gmail and
 * Key Vault over local HTTPS, one port (one "origin") per real service, so production code differs
 * from production only in its base URLs. Each service lives in its own module that adds routes and
 * state (see `services.ts`); this file holds what they share: routing, the request log, fault
 * injection, the clock, and the control API under `/_sandbox/` on every origin.
 */
import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ensureCertificates } from './ca';
import { MicrosoftWorld, seedMicrosoftWorld } from './world';
import { SandboxDns, startSandboxDns } from './dns';

export const SERVICE_NAMES = ['entra', 'graph', 'googleAccounts', 'googleOAuth', 'gmail', 'keyVault'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Default ports for `npm start`; tests pass 0 to get free ones. */
export const DEFAULT_PORTS: Record<ServiceName, number> = {
  entra: 8441,
  graph: 8442,
  googleAccounts: 8443,
  googleOAuth: 8444,
  gmail: 8445,
  keyVault: 8446,
};

export interface SandboxRequest {
  service: ServiceName;
  method: string;
  url: URL;
  path: string;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Parses the body as JSON or as a form, by content type. Never throws: undefined on bad input. */
  // The control API's bodies are loose test inputs that each handler reads field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json<T = any>(): T | undefined;
  form(): URLSearchParams;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
}

export type RouteHandler = (req: SandboxRequest, sandbox: Sandbox) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  service: ServiceName | '*';
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

export interface Fault {
  id: string;
  /** Which origin; omitted = all. */
  service?: ServiceName;
  method?: string;
  /** Regular expression matched against the path (without query). */
  path?: string;
  /** Answer with this status (and body / Retry-After) instead of the real handler. */
  status?: number;
  body?: unknown;
  retryAfter?: string;
  /** Wait this long before answering (then answer normally unless status/drop is set). */
  delayMs?: number;
  /** Destroy the connection without an answer. */
  drop?: boolean;
  /**
   * Hold the connection open and never answer (a hung service). The socket closes only when the
   * client gives up (its deadline) or the sandbox stops; the request log shows status -2.
   */
  hang?: boolean;
  /** Apply to this many matching requests, then expire. Omitted = until cleared. */
  count?: number;
  /** Apply to this fraction (0-1) of matching requests. */
  fraction?: number;
  /** Stop applying after this many milliseconds of wall-clock time. */
  durationMs?: number;
  createdAt: number;
  hits: number;
}

export interface LoggedRequest {
  at: string;
  service: ServiceName;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  faulted?: string;
}

/** A message a mail service accepted, as the sandbox keeps it (docs/development.md, "The cloud sandbox"). */
export interface AcceptedMessage {
  id: string;
  at: string;
  provider: 'microsoft' | 'google';
  /** The mailbox the request was made for (Graph user id/UPN, Gmail userId resolved to an address). */
  mailbox: string;
  from: { address: string; name?: string };
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  /** `graph-json`: the sendMail request body; `mime`: the raw RFC 822 message. */
  format: 'graph-json' | 'mime';
  raw: string;
}

/** Values never stored in the request log, whatever parameter carries them. */
const MASKED_QUERY_KEYS = /secret|token|code|assertion|password|key/i;

export interface SandboxOptions {
  ports?: Partial<Record<ServiceName, number>>;
  host?: string;
  caDir?: string;
  /** The DNS server's UDP+TCP port; default 8447, or a free one when every HTTPS port given is 0. */
  dnsPort?: number;
  /** Added latency per origin (see `Sandbox.latencyMs`); also settable later with `POST /_sandbox/latency`. */
  latencyMs?: OriginLatency;
}

/** Milliseconds each request to an origin waits before it is handled; a missing origin answers at once. */
export type OriginLatency = Partial<Record<ServiceName, number>>;

export const DEFAULT_DNS_PORT = 8447;

export class Sandbox {
  /** The HTTPS origins, plus `dns`: the sandbox DNS server as `ip:port` (the DNS_SERVERS value). */
  readonly urls = {} as Record<ServiceName, string> & { dns?: string };
  dns?: SandboxDns;
  readonly requests: LoggedRequest[] = [];
  readonly messages: AcceptedMessage[] = [];
  /** Tenants, users, apps and grants: shared by Entra, Graph and the consent pages. */
  microsoft: MicrosoftWorld = seedMicrosoftWorld(Date.now());
  faults: Fault[] = [];
  /** Milliseconds the sandbox clock is ahead of the wall clock (`POST /_sandbox/clock`). */
  clockOffsetMs = 0;
  /**
   * Per-origin latency shaping, so a benchmark can make Entra, Key Vault, Gmail or Google OAuth
   * answer as slowly as the real services do (`npm run bench -- --profile azure`). It applies to
   * every request of that origin except the control API, before faults and routing. Graph's own
   * `latencyMs` (`POST /_sandbox/graph/limits`) is the one to use for sendMail: it is spent inside
   * the mailbox's concurrency slot, as a real send holds it.
   */
  latencyMs: OriginLatency = {};
  private startLatency: OriginLatency = {};
  private readonly routes: Route[] = [];
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly resetHooks: Array<() => void> = [];

  /** The sandbox's notion of now (ms since epoch); services use it for expiry. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /**
   * Adds a route. `path` uses `:name` segments (`/:tenant/oauth2/v2.0/token`); a trailing `*name`
   * segment matches the rest of the path. Routes are matched in the order they are added.
   */
  route(service: ServiceName | '*', method: string, path: string, handler: RouteHandler): void {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          keys.push(segment.slice(1));
          return '([^/]+)';
        }
        if (segment.startsWith('*')) {
          keys.push(segment.slice(1));
          return '(.*)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ service, method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`), keys, handler });
  }

  /** Registers state to restore on `POST /_sandbox/reset` (and runs it once now to seed). */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
    hook();
  }

  reset(): void {
    this.requests.length = 0;
    this.messages.length = 0;
    this.dns?.queries.splice(0);
    this.faults = [];
    this.clockOffsetMs = 0;
    this.latencyMs = { ...this.startLatency };
    this.microsoft = seedMicrosoftWorld(this.now());
    for (const hook of this.resetHooks) hook();
  }

  addFault(input: Omit<Fault, 'id' | 'createdAt' | 'hits'>): Fault {
    const fault: Fault = { ...input, id: randomUUID(), createdAt: Date.now(), hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  private matchFault(service: ServiceName, method: string, path: string): Fault | undefined {
    const now = Date.now();
    this.faults = this.faults.filter(
      (f) => (f.count === undefined || f.hits < f.count) && (f.durationMs === undefined || now - f.createdAt < f.durationMs),
    );
    for (const fault of this.faults) {
      if (fault.service && fault.service !== service) continue;
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (fault.path && !new RegExp(fault.path).test(path)) continue;
      if (fault.fraction !== undefined && Math.random() >= fault.fraction) continue;
      fault.hits += 1;
      return fault;
    }
    return undefined;
  }

  async start(options: SandboxOptions = {}): Promise<this> {
    const certs = ensureCertificates(options.caDir);
    const host = options.host ?? '127.0.0.1';
    this.startLatency = { ...options.latencyMs };
    this.latencyMs = { ...options.latencyMs };
    for (const service of SERVICE_NAMES) {
      const server = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
        void this.handle(service, req, res);
      });
      // Real service front ends keep idle connections open for minutes; Node's 5 s default makes a
      // client whose event loop was busy for a few seconds reuse a socket just closed ("other side closed").
      server.keepAliveTimeout = 120_000;
      server.on('connection', (socket: Socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
      const port = options.ports?.[service] ?? DEFAULT_PORTS[service];
      await new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolveListen());
      });
      const address = server.address() as AddressInfo;
      this.urls[service] = `https://localhost:${address.port}`;
      this.servers.push(server);
    }
    const ephemeral = !!options.ports && SERVICE_NAMES.every((s) => options.ports?.[s] === 0);
    this.dns = await startSandboxDns(host, options.dnsPort ?? (ephemeral ? 0 : DEFAULT_DNS_PORT));
    this.urls.dns = this.dns.address;
    return this;
  }

  async close(): Promise<void> {
    await this.dns?.close();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(() => r(undefined)))));
  }

  private async handle(service: ServiceName, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.urls[service]);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const isControl = path.startsWith('/_sandbox/');

    const logEntry: LoggedRequest = {
      at: new Date().toISOString(),
      service,
      method,
      path,
      query: Object.fromEntries([...url.searchParams].map(([k, v]) => [k, MASKED_QUERY_KEYS.test(k) ? '***' : v])),
      status: 0,
    };

    const latency = isControl ? 0 : (this.latencyMs[service] ?? 0);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const fault = isControl ? undefined : this.matchFault(service, method, path);
    if (!isControl) this.requests.push(logEntry);
    if (fault) {
      logEntry.faulted = fault.id;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.hang) {
        logEntry.status = -2;
        return;
      }
      if (fault.drop) {
        logEntry.status = -1;
        req.socket.destroy();
        return;
      }
      if (fault.status) {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['Retry-After'] = fault.retryAfter;
        this.write(res, logEntry, { status: fault.status, headers, body: fault.body ?? defaultFaultBody(service, fault.status) });
        return;
      }
    }

    const request: SandboxRequest = {
      service,
      method,
      url,
      path,
      params: {},
      headers: req.headers,
      body,
      json: () => {
        try {
          return JSON.parse(body.toString('utf8'));
        } catch {
          return undefined;
        }
      },
      form: () => new URLSearchParams(body.toString('utf8')),
    };

    for (const route of this.routes) {
      if (route.service !== '*' && route.service !== service) continue;
      if (route.method !== method && route.method !== '*') continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      route.keys.forEach((key, i) => (request.params[key] = decodeURIComponent(match[i + 1])));
      try {
        this.write(res, logEntry, await route.handler(request, this));
      } catch (error) {
        console.error(`sandbox: ${service} ${method} ${path} failed:`, error);
        this.write(res, logEntry, { status: 500, body: { error: { code: 'InternalServerError', message: 'sandbox handler failed' } } });
      }
      return;
    }
    this.write(res, logEntry, {
      status: 404,
      body: { error: { code: 'NotFound', message: `sandbox: no route for ${method} ${path} on ${service}` } },
    });
  }

  private write(res: ServerResponse, logEntry: LoggedRequest, answer: SandboxResponse): void {
    logEntry.status = answer.status;
    const headers: Record<string, string> = { ...(answer.headers ?? {}) };
    let payload: Buffer | undefined;
    if (answer.body === undefined || answer.body === null) {
      payload = undefined;
    } else if (Buffer.isBuffer(answer.body)) {
      payload = answer.body;
    } else if (typeof answer.body === 'string') {
      payload = Buffer.from(answer.body, 'utf8');
      headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = Buffer.from(JSON.stringify(answer.body), 'utf8');
      headers['Content-Type'] ??= 'application/json; charset=utf-8';
    }
    if (payload) headers['Content-Length'] = String(payload.length);
    else headers['Content-Length'] = '0';
    res.writeHead(answer.status, headers);
    res.end(payload);
  }
}

/** A plausible body for an injected fault, in the service's own error envelope. */
function defaultFaultBody(service: ServiceName, status: number): unknown {
  const message = status === 429 ? 'Please retry again later.' : 'Service unavailable (sandbox fault).';
  switch (service) {
    case 'graph':
      return {
        error: {
          code: status === 429 ? 'TooManyRequests' : 'ServiceNotAvailable',
          message,
          innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() },
        },
      };
    case 'gmail':
      return {
        error: {
          code: status,
          message: status === 429 ? 'Resource has been exhausted (e.g. check quota).' : 'The service is currently unavailable.',
          errors: [{ message, domain: 'global', reason: status === 429 ? 'rateLimitExceeded' : 'backendError' }],
          status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE',
        },
      };
    case 'keyVault':
      return { error: { code: status === 429 ? 'Throttled' : 'ServiceUnavailable', message } };
    default:
      return { error: status === 429 ? 'temporarily_unavailable' : 'server_error', error_description: message };
  }
}
