/**
 * Counts and times the app's outbound calls where they leave the process, whatever SDK made them:
 * Node publishes every `http`/`https` request and every `fetch` (undici) request on diagnostics
 * channels (https://nodejs.org/api/diagnostics_channel.html#built-in-channels,
 * https://undici.nodejs.org/#/docs/api/DiagnosticsChannel). @azure/identity, @azure/keyvault-secrets
 * and gaxios use one or the other, so token requests, Key Vault reads and send calls are measured
 * without wrapping each SDK, and a request an SDK answers from its own cache is (rightly) not counted.
 *
 * Only the method, origin and path are read, never headers or bodies.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Config } from '../config';
import { getTelemetry } from './meter';

type Role = 'microsoftToken' | 'googleToken' | 'keyVault' | 'graph' | 'gmail';

interface Call {
  role: Role;
  startedAt: number;
}

/** origin -> the services at that origin (a sandbox may serve several from one origin). */
const origins = new Map<string, Set<Role>>();
const MAX_ORIGINS = 64;
const pending = new WeakMap<object, Call>();
let subscribed = false;

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Registers the origins of one config's services (idempotent; bounded). */
export function observeOutboundCalls(config: Readonly<Pick<Config, 'microsoft' | 'google' | 'keyVaultUrl'>>): void {
  const add = (url: string, role: Role) => {
    const origin = originOf(url);
    if (!origin) return;
    if (!origins.has(origin) && origins.size >= MAX_ORIGINS) origins.delete(origins.keys().next().value!);
    origins.set(origin, (origins.get(origin) ?? new Set()).add(role));
  };
  add(config.microsoft.authorityHost, 'microsoftToken');
  add(config.google.tokenUrl, 'googleToken');
  add(config.keyVaultUrl, 'keyVault');
  add(config.microsoft.graphUrl, 'graph');
  add(config.google.gmailApiUrl, 'gmail');
  subscribe();
}

/** Which measured call this request is, if any. Exported for tests. */
export function classifyCall(method: string, origin: string, path: string): Role | undefined {
  const roles = origins.get(origin);
  if (!roles) return undefined;
  const p = path.split('?')[0] ?? '';
  if (roles.has('microsoftToken') && method === 'POST' && /\/oauth2\/v2\.0\/token$/.test(p)) return 'microsoftToken';
  if (roles.has('googleToken') && method === 'POST' && /\/token$/.test(p)) return 'googleToken';
  if (roles.has('keyVault') && method === 'GET' && /^\/secrets\/[^/]+/.test(p)) return 'keyVault';
  if (roles.has('graph') && method === 'POST' && /\/sendMail$/.test(p)) return 'graph';
  if (roles.has('gmail') && method === 'POST' && /\/messages\/send$/.test(p)) return 'gmail';
  return undefined;
}

function started(key: object, method: string, origin: string, path: string): void {
  const role = classifyCall(method.toUpperCase(), origin, path);
  if (!role) return;
  const telemetry = getTelemetry();
  if (role === 'microsoftToken') telemetry.count('mailer.token_requests', { provider: 'microsoft' });
  else if (role === 'googleToken') telemetry.count('mailer.token_requests', { provider: 'google' });
  // Key Vault reads count when answered: the SDK's first, unauthenticated request only fetches the challenge (401).
  else pending.set(key, { role, startedAt: Date.now() });
}

function finished(key: object, status: number | undefined): void {
  const call = pending.get(key);
  if (!call) return;
  pending.delete(key);
  const telemetry = getTelemetry();
  if (call.role === 'keyVault') {
    if (status !== 401) telemetry.count('mailer.keyvault_reads');
    return;
  }
  const outcome =
    status === undefined ? 'error' : status < 300 ? 'accepted' : status === 429 ? 'throttled' : status >= 500 ? 'unavailable' : 'refused';
  telemetry.record('mailer.provider_call_ms', Date.now() - call.startedAt, {
    provider: call.role === 'graph' ? 'microsoft' : 'google',
    outcome,
  });
}

interface NodeClientRequest {
  method?: string;
  protocol?: string;
  host?: string;
  path?: string;
  getHeader?(name: string): unknown;
}

function subscribe(): void {
  if (subscribed) return;
  subscribed = true;
  diagnostics.subscribe('http.client.request.start', (message) => {
    const { request } = message as { request: NodeClientRequest };
    const host = String(request.getHeader?.('host') ?? request.host ?? '');
    started(request, request.method ?? 'GET', `${request.protocol ?? 'https:'}//${host}`, request.path ?? '/');
  });
  diagnostics.subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request: object; response: { statusCode?: number } };
    finished(request, response.statusCode);
  });
  diagnostics.subscribe('undici:request:create', (message) => {
    const { request } = message as { request: { method: string; origin: string; path: string } };
    started(request, request.method, request.origin, request.path);
  });
  diagnostics.subscribe('undici:request:headers', (message) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    finished(request, response.statusCode);
  });
  diagnostics.subscribe('undici:request:error', (message) => finished((message as { request: object }).request, undefined));
}
