/**
 * Webhook endpoints: what is stored, what the API shows, and its fixed limits, each bounding what one endpoint or one scope can cost the service.
 *
 * Scope: an endpoint belongs to one org (`orgId`) or, without one, to all orgs (partition `*`).
 * Every call about one endpoint names its scope (`?orgId=`), so an id of another org is simply not
 * found (404), never a hint that it exists.
 */
import type { EventType } from '../events/catalogue';

export const ALL_ORGS = '*';
export const ENDPOINT_ID_PATTERN = /^wh_[0-9a-f]{24}$/;
export const MAX_ENDPOINTS_PER_SCOPE = 20;
export const ATTEMPTS_KEPT = 100;
/** Response bodies are read up to this much (then dropped unread); never stored or logged. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** One event is retried for this long after its first attempt. */
export const RETRY_WINDOW_MS = 24 * 3600_000;
/** An endpoint failing every attempt for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600_000;
/** After rotation the previous secret still signs (second signature) this long. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;
/** Longest back-off between two attempts. */
export const MAX_RETRY_DELAY_MS = 2 * 3600_000;

export interface WebhookEndpoint {
  id: string;
  /** The org, or `*` for all orgs. */
  scope: string;
  url: string;
  events: EventType[];
  description?: string;
  enabled: boolean;
  /** Key Vault names of the signing secret, and of the previous one during a rotation's overlap. */
  secretName: string;
  previousSecretName?: string;
  previousSecretUntil?: string;
  /** First failed attempt of the current run of failures; cleared by a delivered attempt. */
  failingSince?: string;
  disabledAt?: string;
  /** The `webhook.disabled` notice, kept until the endpoint is enabled again. */
  notice?: { type: 'webhook.disabled'; at: string; reason: string };
  createdAt: string;
  updatedAt: string;
}

/** What the API answers: never a secret or its Key Vault name. */
export interface WebhookView {
  id: string;
  orgId?: string;
  url: string;
  events: EventType[];
  description?: string;
  enabled: boolean;
  failingSince?: string;
  disabledAt?: string;
  notice?: { type: 'webhook.disabled'; at: string; reason: string };
  previousSecretExpiresAt?: string;
  createdAt: string;
  updatedAt: string;
}

export function toWebhookView(e: WebhookEndpoint, now: number): WebhookView {
  const overlap = e.previousSecretUntil && Date.parse(e.previousSecretUntil) > now ? e.previousSecretUntil : undefined;
  return {
    id: e.id,
    ...(e.scope !== ALL_ORGS ? { orgId: e.scope } : {}),
    url: e.url,
    events: e.events,
    ...(e.description ? { description: e.description } : {}),
    enabled: e.enabled,
    ...(e.failingSince ? { failingSince: e.failingSince } : {}),
    ...(e.disabledAt ? { disabledAt: e.disabledAt } : {}),
    ...(e.notice ? { notice: e.notice } : {}),
    ...(overlap ? { previousSecretExpiresAt: overlap } : {}),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

/** One try of one event at one endpoint, as the attempts log shows it. */
export interface WebhookAttempt {
  eventId: string;
  eventType: string;
  at: string;
  /** Which try of this event at this endpoint (1 = first). */
  attempt: number;
  delivered: boolean;
  statusCode?: number;
  /** `timeout`, `connection refused`, `address refused: ...` (never a response body). */
  error?: string;
  durationMs: number;
}

/** The per-endpoint delivery message on queue `webhook-deliveries`. */
export interface DeliveryTask {
  endpointId: string;
  scope: string;
  eventId: string;
  attempt: number;
  firstAttemptAt?: string;
  /** Replays are tried once more even when the event is old. */
  replay?: boolean;
}
