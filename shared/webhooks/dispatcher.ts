/**
 * The webhook dispatcher, two queue steps:
 * - fan-out (`webhook-events`): keeps the event (for replay) and puts one delivery message per
 *   matching endpoint (its org's and the all-orgs ones, enabled, subscribed to the type) on
 *   `webhook-deliveries`, so a slow endpoint never holds up another;
 * - delivery (`webhook-deliveries`): checks the target again (SSRF: DNS may have changed), signs,
 *   POSTs with the deadline, records the attempt, and on anything but 2xx puts a NEW delayed message
 *   (exponential back-off with jitter, for up to 24 h after the first try) instead of throwing, so
 *   the host's dequeue count stays at 1. Five days of nothing but failures disable the endpoint and
 *   leave a `webhook.disabled` notice (also published as an event).
 * Delivery is at least once and unordered: receivers de-duplicate on `webhook-id` (the event id).
 */
import { logEvent } from '../telemetry/log';
import { MailerError } from '../errors';
import { isEventType, stableEventId } from '../events/catalogue';
import type { PlatformEvent } from '../events/types';
import type { WebhookDeps } from './deps';
import { eventOrgOf } from './endpoints';
import {
  ATTEMPTS_KEPT,
  DeliveryTask,
  DISABLE_AFTER_MS,
  ENDPOINT_ID_PATTERN,
  MAX_RETRY_DELAY_MS,
  RETRY_WINDOW_MS,
  WebhookAttempt,
  WebhookEndpoint,
} from './model';
import { signedHeaders } from './signing';
import { createSubscriberLookup } from './subscribers';
import { checkUrlForm, resolveTarget } from './urlSafety';

export interface DispatchLog {
  info(message: string): void;
  warn(message: string): void;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'gave-up' | 'disabled' | 'dropped';

const EVENT_ID = /^[A-Za-z0-9_.-]{1,100}$/;

function asEvent(value: unknown): PlatformEvent | undefined {
  const e = value as Partial<PlatformEvent> | undefined;
  if (!e || typeof e !== 'object' || typeof e.id !== 'string' || !EVENT_ID.test(e.id) || !isEventType(e.type)) return undefined;
  if (typeof e.orgId !== 'string' || typeof e.timestamp !== 'string' || typeof e.data !== 'object' || e.data === null) return undefined;
  return { id: e.id, type: e.type, timestamp: e.timestamp, orgId: e.orgId, data: e.data };
}

function asTask(value: unknown): DeliveryTask | undefined {
  const t = value as Partial<DeliveryTask> | undefined;
  if (!t || typeof t.endpointId !== 'string' || !ENDPOINT_ID_PATTERN.test(t.endpointId) || typeof t.scope !== 'string') return undefined;
  if (typeof t.eventId !== 'string' || !EVENT_ID.test(t.eventId) || !Number.isInteger(t.attempt) || (t.attempt ?? 0) < 1) return undefined;
  return t as DeliveryTask;
}

/** Back-off before try `attempt + 1`: base doubling per try, capped, times 0.8-1.2 (jitter spreads a failed endpoint's retries). */
export function webhookRetryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}

export function createWebhookDispatcher(deps: WebhookDeps) {
  const now = deps.clock;

  const { subscribers } = createSubscriberLookup(deps);

  async function fanOut(entry: unknown, log: DispatchLog): Promise<number> {
    const event = asEvent(entry);
    if (!event) {
      log.warn('webhook fan-out: not a platform event; dropped');
      return 0;
    }
    const matching = await subscribers(event);
    if (matching.length === 0) return 0;
    await deps.events.put(event);
    for (const endpoint of matching) {
      const task: DeliveryTask = { endpointId: endpoint.id, scope: endpoint.scope, eventId: event.id, attempt: 1 };
      await deps.deliveries.send(task, { timeToLiveSeconds: -1 });
    }
    log.info(`webhook fan-out: ${event.type} ${event.id} to ${matching.length} endpoint(s)`);
    return matching.length;
  }

  /** The signing secrets: the current one, and the previous one during a rotation's overlap. */
  async function secretsOf(endpoint: WebhookEndpoint): Promise<string[]> {
    const names = [endpoint.secretName];
    if (endpoint.previousSecretName && endpoint.previousSecretUntil && Date.parse(endpoint.previousSecretUntil) > now())
      names.push(endpoint.previousSecretName);
    return Promise.all(names.map((name) => deps.secrets.get(name)));
  }

  /** One try: never throws for the target's faults; the result says what happened. */
  async function attemptOnce(
    endpoint: WebhookEndpoint,
    event: PlatformEvent,
  ): Promise<Omit<WebhookAttempt, 'eventId' | 'eventType' | 'at' | 'attempt'>> {
    const started = performance.now();
    const failed = (error: string) => ({ delivered: false, error, durationMs: Math.round(performance.now() - started) });
    let url: URL;
    let addresses;
    try {
      url = checkUrlForm(endpoint.url, deps.settings);
      addresses = await resolveTarget(url, deps.settings, deps.resolver);
    } catch (error) {
      if (error instanceof MailerError) return failed(`refused: ${error.fields?.url ?? error.code}`);
      throw error;
    }
    let secrets: string[];
    try {
      secrets = await secretsOf(endpoint);
    } catch (error) {
      if (error instanceof MailerError) return failed(`signing secret unavailable (${error.code})`);
      throw error;
    }
    const body = JSON.stringify(event);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'org-mailer-webhooks',
      ...signedHeaders(secrets, event.id, new Date(now()), body),
    };
    const result = await deps.poster({ url, address: addresses[0], headers, body, timeoutMs: deps.settings.timeoutMs, ca: deps.ca });
    const delivered = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    return {
      delivered,
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(result.error ? { error: result.error } : {}),
      durationMs: result.durationMs,
    };
  }

  async function disable(endpoint: WebhookEndpoint, failingSince: string, lastError: string): Promise<void> {
    const at = new Date(now()).toISOString();
    const reason = `Every attempt failed for 5 days (since ${failingSince}); last: ${lastError}.`;
    deps.scopeCache.delete(endpoint.scope);
    await deps.endpoints.merge(endpoint.scope, endpoint.id, {
      enabled: false,
      failingSince,
      disabledAt: at,
      notice: { type: 'webhook.disabled', at, reason },
      updatedAt: at,
    });
    await deps.bus({
      id: stableEventId('webhook.disabled', endpoint.id, at),
      type: 'webhook.disabled',
      timestamp: at,
      orgId: eventOrgOf(endpoint.scope),
      data: { endpointId: endpoint.id, url: endpoint.url, failingSince, disabledAt: at, lastError },
    });
  }

  async function deliver(entry: unknown, log: DispatchLog): Promise<DeliveryOutcome> {
    const task = asTask(entry);
    if (!task) {
      log.warn('webhook delivery: not a delivery task; dropped');
      return 'dropped';
    }
    const where = `webhook ${task.endpointId} event ${task.eventId} try ${task.attempt}`;
    const endpoint = await deps.endpoints.get(task.scope, task.endpointId);
    if (!endpoint || !endpoint.enabled) {
      log.info(`${where}: endpoint ${endpoint ? 'disabled' : 'deleted'}; dropped`);
      return 'dropped';
    }
    const event = await deps.events.get(task.eventId);
    if (!event) {
      log.warn(`${where}: event not kept; dropped`);
      return 'dropped';
    }
    const at = new Date(now()).toISOString();
    const result = await attemptOnce(endpoint, event);
    await deps.attempts.add(endpoint.id, { eventId: event.id, eventType: event.type, at, attempt: task.attempt, ...result }, ATTEMPTS_KEPT);
    const what = result.statusCode !== undefined ? `HTTP ${result.statusCode}` : (result.error ?? 'failed');
    // The structured line of every attempt (docs/operations.md): ids, outcome and duration, never the URL or a body.
    logEvent(
      'webhook.attempt',
      {
        orgId: event.orgId,
        targetId: endpoint.id,
        attempt: task.attempt,
        durationMs: result.durationMs,
        status: result.delivered ? 'delivered' : what,
      },
      result.delivered ? 'info' : 'warn',
    );
    if (result.delivered) {
      log.info(`${where}: delivered (${what}, ${result.durationMs} ms)`);
      if (endpoint.failingSince) await deps.endpoints.merge(endpoint.scope, endpoint.id, { failingSince: null });
      return 'delivered';
    }
    const failingSince = endpoint.failingSince ?? at;
    if (now() - Date.parse(failingSince) >= DISABLE_AFTER_MS) {
      await disable(endpoint, failingSince, what);
      log.warn(`${where}: ${what}; endpoint disabled after 5 days of failures`);
      return 'disabled';
    }
    if (!endpoint.failingSince) await deps.endpoints.merge(endpoint.scope, endpoint.id, { failingSince });
    const first = task.firstAttemptAt ?? at;
    const delayMs = webhookRetryDelayMs(task.attempt, deps.settings.retryBaseMs);
    if (now() + delayMs - Date.parse(first) > RETRY_WINDOW_MS) {
      log.warn(`${where}: ${what}; gave up after 24 hours of tries`);
      return 'gave-up';
    }
    const next: DeliveryTask = {
      endpointId: endpoint.id,
      scope: endpoint.scope,
      eventId: event.id,
      attempt: task.attempt + 1,
      firstAttemptAt: first,
    };
    await deps.deliveries.send(next, { visibilityDelaySeconds: delayMs / 1000, timeToLiveSeconds: -1 });
    log.info(`${where}: ${what}; retry in ${Math.ceil(delayMs / 1000)} s`);
    return 'retrying';
  }

  return { fanOut, deliver };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
