/**
 * Shared steps of the delivery integration tests: the local host in-process (its queue triggers
 * poll the test run's Azurite), senders saved as an admin would leave them after "Save and test"
 * (active, secrets in the sandbox Key Vault), the messages API, and what the sandbox accepted.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { getServices, Services } from '@shared/services';
import type { SenderConfig } from '@shared/model/sender';
import { secretName } from '@shared/store/secretNames';
import { decodeQueueMessage } from '@shared/store/outboxQueue';
import type { DeliveryEvent } from '@shared/delivery/events';
import type { DeliveryView } from '@shared/delivery/status';
import { sandboxControl } from '../support/env';
import { senderWithoutApp } from '../support/builders';

export const KEY = process.env.LOCAL_FUNCTION_KEY!;
export const newOrgId = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

export interface TestHost {
  host: LocalHost;
  services: Services;
  logs: string[];
}

/**
 * Starts the local host with the app's real function list. Settings shorten the retry back-off and
 * raise the per-mailbox rates so the tests run in seconds; polling is made brisk.
 */
export async function startHost(env: Record<string, string> = {}): Promise<TestHost> {
  const logs: string[] = [];
  const host = await startLocalHost({
    port: 0,
    env: {
      DELIVERY_RETRY_BASE_SECONDS: '1',
      MICROSOFT_MAILBOX_RATE_PER_MINUTE: '6000',
      GOOGLE_MAILBOX_RATE_PER_MINUTE: '6000',
      ...env,
    },
    timers: false,
    queueSettings: { maxPollingIntervalMs: 250, visibilityTimeoutMs: 500 },
    log: (line) => logs.push(line),
  });
  return { host, services: getServices(), logs };
}

/** Calls the API with the function key; returns status and parsed JSON. */
export async function api<T = any>(host: LocalHost, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${host.url}/api/${path.replace(/^\//, '')}`, {
    method,
    headers: { 'x-functions-key': KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

function baseSender(orgId: string, fields: Partial<SenderConfig>): SenderConfig {
  const now = new Date().toISOString();
  return senderWithoutApp({
    orgId,
    senderEmail: 'notifications@contoso.example',
    senderName: orgId,
    lastTest: { ok: true, at: now },
    createdAt: now,
    updatedAt: now,
    ...fields,
  });
}

/** An active Microsoft app_registration sender of Contoso's app, its secret in the sandbox Key Vault. */
export async function microsoftSender(services: Services, orgId: string, fields: Partial<SenderConfig> = {}): Promise<SenderConfig> {
  const name = secretName(orgId, 'client-secret', 1);
  await services.secrets.set(name, CONTOSO_APP_SECRET);
  const config = baseSender(orgId, {
    tenantId: CONTOSO_TENANT_ID,
    clientId: CONTOSO_APP_ID,
    secretRefs: { clientSecret: name },
    ...fields,
  });
  await services.senders.store.create(config);
  return config;
}

/** An active Google service_account sender (domain-wide delegation) acting as `senderEmail`. */
export async function googleSender(
  services: Services,
  orgId: string,
  senderEmail: string,
  fields: Partial<SenderConfig> = {},
): Promise<SenderConfig> {
  const key = await sandboxControl<Record<string, string>>(
    'GET',
    `google/service-accounts/${encodeURIComponent('mailer@fabrikam-project.iam.gserviceaccount.com')}/key`,
  );
  const name = secretName(orgId, 'service-account-key', 1);
  await services.secrets.set(name, JSON.stringify(key));
  const config = baseSender(orgId, {
    provider: 'google',
    mode: 'service_account',
    senderEmail,
    accountEmail: key.client_email,
    secretRefs: { serviceAccountKey: name },
    ...fields,
  });
  await services.senders.store.create(config);
  return config;
}

export const message = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  to: [{ address: 'customer@example.com', name: 'Customer' }],
  subject: `Subject ${id}`,
  text: `Body of ${id}`,
  ...extra,
});

/** Enqueues through the API, `parallel` requests at a time; every answer must be 202. */
export async function enqueueAll(
  host: LocalHost,
  orgId: string,
  ids: string[],
  parallel = 16,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const queue = [...ids];
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const answer = await api(host, 'POST', `orgs/${orgId}/messages`, message(id, extra));
        statuses.push(answer.status);
        if (answer.status !== 202) throw new Error(`enqueue ${orgId}/${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }),
  );
}

/** `n` message ids `prefix-0` .. `prefix-(n-1)`. */
export const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined); fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The delivery rows of `ids`, once every one is final (sent or failed). */
export async function waitForFinal(
  services: Services,
  orgId: string,
  ids: string[],
  timeoutMs = 120_000,
): Promise<Map<string, DeliveryView>> {
  const { toView } = await import('@shared/delivery/status');
  return waitFor(
    `${ids.length} deliveries of ${orgId} to end`,
    async () => {
      const rows = await Promise.all(ids.map((id) => services.delivery.deliveries.get(orgId, id)));
      if (rows.some((r) => !r || (r.status !== 'sent' && r.status !== 'failed' && r.status !== 'uncertain'))) return undefined;
      return new Map(rows.map((r) => [r!.id, toView(r!)]));
    },
    timeoutMs,
    500,
  );
}

/** Takes every event on `delivery-events` (the SaaS backend's view). */
export async function takeEvents(services: Services): Promise<DeliveryEvent[]> {
  const events: DeliveryEvent[] = [];
  for (;;) {
    const batch = await services.queues.deliveryEvents.receive(32, 30);
    if (batch.length === 0) return events;
    for (const entry of batch) {
      const decoded = decodeQueueMessage(entry.messageText);
      if (decoded.ok) events.push(decoded.value as DeliveryEvent);
      await services.queues.deliveryEvents.delete(entry);
    }
  }
}

export interface AcceptedMessage {
  provider: 'microsoft' | 'google';
  mailbox: string;
  from: { address: string; name?: string };
  to: string[];
  subject: string;
  raw: string;
}

export const acceptedMessages = () => sandboxControl<AcceptedMessage[]>('GET', 'messages');

/** The dequeue counts the outbox worker logged ("(dequeue N)"), one per invocation. */
export function dequeueCounts(logs: string[]): number[] {
  return logs
    .filter((l) => /^\[outbox(Express)?\] /.test(l))
    .flatMap((l) => [...l.matchAll(/\(dequeue (\d+)\)/g)].map((m) => Number(m[1])));
}

export { sandboxControl };

/** Makes `config` the operator's default sender (`_default`), replacing any earlier one. */
export async function setDefaultSender(services: Services, make: (orgId: string) => Promise<SenderConfig>): Promise<SenderConfig> {
  const existing = await services.senders.store.get('_default');
  if (existing) await services.senders.store.delete('_default');
  return make('_default');
}

/** A clean sandbox, the local host, and the operator's default sender: Google, admin@fabrikam.example. */
export async function startWithDefaultSender(env: Record<string, string> = {}): Promise<TestHost> {
  await sandboxControl('POST', 'reset');
  const started = await startHost(env);
  await setDefaultSender(started.services, (id) =>
    googleSender(started.services, id, 'admin@fabrikam.example', { version: Date.now() % 1e9 }),
  );
  return started;
}

/**
 * Empties every queue the app's triggers poll. Test files run one after another on one Azurite: a
 * message an earlier file left (hidden until its slot, or deferred) would otherwise turn up in a
 * later file's counting window.
 */
export async function emptyQueues(): Promise<void> {
  const { createStorageClients } = await import('@shared/store/storageClients');
  const { QUEUES } = await import('@shared/store/names');
  const storage = createStorageClients(
    { storage: { kind: 'connectionString', connectionString: process.env.AzureWebJobsStorage! } },
    () => {
      throw new Error('unused');
    },
  );
  for (const name of Object.values(QUEUES)) await (await storage.queue(name)).clearMessages();
}
