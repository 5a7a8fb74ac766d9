/**
 * The webhooks API's logic: register, read, change, delete endpoints, rotate their signing secret,
 * send a test event, read the attempts log and replay an event. The signing secret is generated
 * here, written only to Key Vault (one name per endpoint secret), and returned once: in the answer
 * of the call that created it (creation, rotation), never again.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { MailerError } from '../errors';
import type { PlatformEvent } from '../events/types';
import { DEFAULT_ORG_ID, ORG_ID_PATTERN } from '../model/sender';
import { secretName } from '../store/secretNames';
import type { WebhookDeps } from './deps';
import {
  ALL_ORGS,
  ATTEMPTS_KEPT,
  DeliveryTask,
  ENDPOINT_ID_PATTERN,
  MAX_ENDPOINTS_PER_SCOPE,
  ROTATION_OVERLAP_MS,
  toWebhookView,
  WebhookAttempt,
  WebhookEndpoint,
  WebhookView,
} from './model';
import { parseWebhookCreate, parseWebhookPatch, parseWebhookReplay } from './schema';
import { generateSecret } from './signing';
import { checkUrlForm, resolveTarget } from './urlSafety';

export type WebhookWithSecret = WebhookView & { secret: string };

/** `?orgId=` -> the scope: an org, or all orgs when absent. */
export function scopeOf(orgId: string | null | undefined): string {
  if (orgId === null || orgId === undefined || orgId === '') return ALL_ORGS;
  if (!ORG_ID_PATTERN.test(orgId)) {
    throw new MailerError('BAD_REQUEST', 'The organization id is not valid.', {
      fields: { orgId: 'must match ^[a-z0-9][a-z0-9-]{0,62}$ (or be _default)' },
    });
  }
  return orgId;
}

/** Events of the all-orgs scope itself (test, disabled) carry the operator's org id. */
export const eventOrgOf = (scope: string) => (scope === ALL_ORGS ? DEFAULT_ORG_ID : scope);

const notFound = (id: string) => new MailerError('WEBHOOK_NOT_FOUND', `No webhook endpoint ${id.slice(0, 40)} in this scope.`);

export function createWebhookEndpointService(deps: WebhookDeps) {
  const iso = () => new Date(deps.clock()).toISOString();
  const view = (e: WebhookEndpoint) => toWebhookView(e, deps.clock());

  async function checkedUrl(raw: string): Promise<string> {
    const url = checkUrlForm(raw, deps.settings);
    await resolveTarget(url, deps.settings, deps.resolver);
    return url.href;
  }

  async function load(scope: string, id: string): Promise<WebhookEndpoint> {
    if (!ENDPOINT_ID_PATTERN.test(id)) throw notFound(id);
    const endpoint = await deps.endpoints.get(scope, id);
    if (!endpoint) throw notFound(id);
    return endpoint;
  }

  /** A new secret under a new Key Vault name (a deleted name stays reserved, so never reuse one). */
  async function newSecret(scope: string): Promise<{ name: string; value: string }> {
    for (let tries = 0; ; tries++) {
      const name = secretName(eventOrgOf(scope), 'webhook-signing-secret', randomInt(1, 1_000_000_000));
      const value = generateSecret();
      try {
        await deps.secrets.set(name, value);
        return { name, value };
      } catch (error) {
        if (!(error instanceof MailerError && error.code === 'SECRET_NAME_DELETED') || tries >= 2) throw error;
      }
    }
  }

  /** Every change drops this instance's cached list of the scope, so fan-out sees it at once. */
  const save = async (endpoint: WebhookEndpoint) => {
    deps.scopeCache.delete(endpoint.scope);
    await deps.endpoints.put(endpoint);
    deps.scopeCache.delete(endpoint.scope);
  };

  const dropSecret = (name: string | undefined) => (name ? deps.secrets.delete(name).catch(() => undefined) : Promise.resolve());

  async function enqueue(endpoint: WebhookEndpoint, eventId: string): Promise<void> {
    const task: DeliveryTask = { endpointId: endpoint.id, scope: endpoint.scope, eventId, attempt: 1 };
    await deps.deliveries.send(task, { timeToLiveSeconds: -1 });
  }

  return {
    async create(body: unknown): Promise<WebhookWithSecret> {
      const input = parseWebhookCreate(body);
      const scope = scopeOf(input.orgId);
      const url = await checkedUrl(input.url);
      if ((await deps.endpoints.list(scope)).length >= MAX_ENDPOINTS_PER_SCOPE) {
        throw new MailerError('WEBHOOK_LIMIT_REACHED', `This scope already has ${MAX_ENDPOINTS_PER_SCOPE} webhook endpoints.`);
      }
      const secret = await newSecret(scope);
      const at = iso();
      const endpoint: WebhookEndpoint = {
        id: `wh_${randomBytes(12).toString('hex')}`,
        scope,
        url,
        events: [...new Set(input.events)],
        ...(input.description ? { description: input.description } : {}),
        enabled: true,
        secretName: secret.name,
        createdAt: at,
        updatedAt: at,
      };
      try {
        await save(endpoint);
      } catch (error) {
        await dropSecret(secret.name);
        throw error;
      }
      return { ...view(endpoint), secret: secret.value };
    },

    async list(orgId: string | null): Promise<{ items: WebhookView[] }> {
      return { items: (await deps.endpoints.list(scopeOf(orgId))).map(view) };
    },

    async get(orgId: string | null, id: string): Promise<WebhookView> {
      return view(await load(scopeOf(orgId), id));
    },

    async update(orgId: string | null, id: string, body: unknown): Promise<WebhookView> {
      const input = parseWebhookPatch(body);
      const endpoint = await load(scopeOf(orgId), id);
      const next: WebhookEndpoint = { ...endpoint, updatedAt: iso() };
      if (input.url !== undefined) next.url = await checkedUrl(input.url);
      if (input.events !== undefined) next.events = [...new Set(input.events)];
      if (input.description !== undefined) next.description = input.description || undefined;
      if (input.enabled === false) next.enabled = false;
      if (input.enabled === true) {
        next.enabled = true;
        delete next.disabledAt;
        delete next.notice;
        delete next.failingSince;
      }
      await save(next);
      return view(next);
    },

    async remove(orgId: string | null, id: string): Promise<void> {
      const endpoint = await load(scopeOf(orgId), id);
      await deps.endpoints.delete(endpoint.scope, endpoint.id);
      deps.scopeCache.delete(endpoint.scope);
      await Promise.all([
        dropSecret(endpoint.secretName),
        dropSecret(endpoint.previousSecretName),
        deps.attempts.deleteAll(endpoint.id).catch(() => undefined),
      ]);
    },

    /** A new secret; the previous one keeps signing (a second signature) for 24 hours. */
    async rotateSecret(orgId: string | null, id: string): Promise<WebhookWithSecret> {
      const endpoint = await load(scopeOf(orgId), id);
      const secret = await newSecret(endpoint.scope);
      const at = deps.clock();
      const next: WebhookEndpoint = {
        ...endpoint,
        secretName: secret.name,
        previousSecretName: endpoint.secretName,
        previousSecretUntil: new Date(at + ROTATION_OVERLAP_MS).toISOString(),
        updatedAt: new Date(at).toISOString(),
      };
      await save(next);
      await dropSecret(endpoint.previousSecretName);
      return { ...view(next), secret: secret.value };
    },

    async sendTest(orgId: string | null, id: string): Promise<{ eventId: string }> {
      const endpoint = await load(scopeOf(orgId), id);
      const event: PlatformEvent = {
        id: `evt_${randomBytes(16).toString('hex')}`,
        type: 'webhook.test',
        timestamp: iso(),
        orgId: eventOrgOf(endpoint.scope),
        data: { endpointId: endpoint.id, note: 'A test event from org-mailer.' },
      };
      await deps.events.put(event);
      await enqueue(endpoint, event.id);
      return { eventId: event.id };
    },

    async attempts(orgId: string | null, id: string): Promise<{ items: WebhookAttempt[] }> {
      const endpoint = await load(scopeOf(orgId), id);
      return { items: await deps.attempts.list(endpoint.id, ATTEMPTS_KEPT) };
    },

    /** Sends a past event to this endpoint again (a new first attempt, same `webhook-id`). */
    async replay(orgId: string | null, id: string, body: unknown): Promise<{ eventId: string }> {
      const { eventId } = parseWebhookReplay(body);
      const endpoint = await load(scopeOf(orgId), id);
      const event = /^[A-Za-z0-9_.-]{1,100}$/.test(eventId) ? await deps.events.get(eventId) : undefined;
      if (!event || (endpoint.scope !== ALL_ORGS && event.orgId !== endpoint.scope)) {
        throw new MailerError('WEBHOOK_EVENT_NOT_FOUND', `No event ${eventId.slice(0, 100)} for this endpoint.`);
      }
      await enqueue(endpoint, event.id);
      return { eventId: event.id };
    },
  };
}

export type WebhookEndpointService = ReturnType<typeof createWebhookEndpointService>;
