/**
 * Several senders per org: the sender list, creating a named sender, the guards on the
 * per-key routes, and the routing rules (get, put, explain). Everything a single sender does (save,
 * consent, Test connection, Save and test, reset) is the sender service with a key, not a copy.
 */
import { MailerError } from '../errors';
import type { SenderStore } from '../store/senderStore';
import { DEFAULT_SENDER_KEY, Hop, MAX_SENDERS_PER_ORG, senderKeyOf, SENDER_KEY_PATTERN } from '../model/sender';
import type { SenderResolver } from './resolve';
import { parseExplainInput, parseRoutingInput, RoutingRule } from './rules';
import type { SenderService } from './service';
import type { SenderView } from './view';

export interface RouteExplanation {
  /** The org's sender key, or `_platform` (the platform's default sender). */
  sender: string;
  via: 'org' | 'default';
  reason: string;
  hops: Hop[];
  provider: string;
  senderEmail: string;
}

/** On the per-key routes every view names its key (the single-sender routes answer as they always did). */
const withKey = (view: SenderView, key: string): SenderView => ({ ...view, senderKey: key });

export function senderKeyFrom(raw: string | undefined): string {
  const key = raw ?? '';
  if (!SENDER_KEY_PATTERN.test(key)) {
    throw new MailerError('VALIDATION_FAILED', 'The sender key is not valid.', { fields: { key: 'must match ^[a-z0-9][a-z0-9-]{0,31}$' } });
  }
  return key;
}

export function createNamedSenders(deps: { store: SenderStore; service: SenderService; resolver: Pick<SenderResolver, 'resolve'> }) {
  const { store, service } = deps;

  /** Named senders come into being only through `create`; `default` keeps its create-on-PUT. */
  async function requireExisting(orgId: string, key: string): Promise<void> {
    if (key !== DEFAULT_SENDER_KEY && !(await store.get(orgId, key))) {
      throw new MailerError('SENDER_NOT_FOUND', `Organization ${orgId} has no sender "${key}".`, {
        hint: 'Create it first with POST /api/orgs/{orgId}/senders.',
      });
    }
  }

  async function refuseIfRouted(orgId: string, key: string): Promise<void> {
    const { routing } = await store.listOrg(orgId);
    const index = ((routing?.rules ?? []) as RoutingRule[]).findIndex((rule) => rule.sender === key);
    if (index >= 0)
      throw new MailerError('SENDER_IN_USE', `Routing rule ${index + 1} of ${orgId} sends messages to "${key}".`, {
        fields: { key: `named by rules.${index}.sender` },
      });
  }

  return {
    async list(orgId: string): Promise<{ senders: SenderView[] }> {
      const { senders } = await store.listOrg(orgId);
      return {
        senders: await Promise.all(
          senders.map(async ({ config }) => withKey(await service.get(orgId, senderKeyOf(config)), senderKeyOf(config))),
        ),
      };
    },

    /** POST /senders `{ key, ...sender input }`: a bad key 422, a taken key 409, the 21st sender 422; nothing written then. */
    async create(orgId: string, body: unknown): Promise<SenderView> {
      const { key: rawKey, ...input } = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
      const key = senderKeyFrom(typeof rawKey === 'string' ? rawKey : undefined);
      const { senders } = await store.listOrg(orgId);
      if (senders.some((s) => senderKeyOf(s.config) === key))
        throw new MailerError('SENDER_EXISTS', `Organization ${orgId} already has a sender "${key}".`, { fields: { key: 'is taken' } });
      if (senders.length >= MAX_SENDERS_PER_ORG) {
        throw new MailerError(
          'TOO_MANY_SENDERS',
          `Organization ${orgId} has ${senders.length} senders already (at most ${MAX_SENDERS_PER_ORG}).`,
        );
      }
      try {
        return withKey(await service.save(orgId, input, key), key);
      } catch (error) {
        // Created by someone else between our read and our write.
        if (error instanceof MailerError && error.code === 'CONCURRENT_UPDATE')
          throw new MailerError('SENDER_EXISTS', `Organization ${orgId} already has a sender "${key}".`, { fields: { key: 'is taken' } });
        throw error;
      }
    },

    get: async (orgId: string, key: string) => withKey(await service.get(orgId, key), key),
    async save(orgId: string, key: string, body: unknown): Promise<SenderView> {
      await requireExisting(orgId, key);
      return withKey(await service.save(orgId, body, key), key);
    },
    /** Refused (409) while a routing rule names the sender; missing is not an error (repeatable). */
    remove: (orgId: string, key: string) => service.remove(orgId, key, () => refuseIfRouted(orgId, key)),
    async consentLink(orgId: string, key: string, body: unknown) {
      await requireExisting(orgId, key);
      return service.consentLink(orgId, body, key);
    },
    verify: (orgId: string, key: string) => service.verify(orgId, key),
    async test(orgId: string, key: string, body: unknown) {
      const result = await service.test(orgId, body, key);
      return { ...result, sender: withKey(result.sender, key) };
    },
    reset: async (orgId: string, key: string) => withKey(await service.reset(orgId, key), key),

    async routing(orgId: string): Promise<{ rules: RoutingRule[] }> {
      const { routing } = await store.listOrg(orgId);
      return { rules: (routing?.rules ?? []) as RoutingRule[] };
    },

    /** PUT /routing: at most 50 rules, each naming a sender the org has (422 otherwise, nothing written). */
    async putRouting(orgId: string, body: unknown): Promise<{ rules: RoutingRule[] }> {
      const { senders, routing } = await store.listOrg(orgId);
      const rules = parseRoutingInput(
        body,
        senders.map((s) => senderKeyOf(s.config)),
      );
      await store.putRouting(orgId, rules, routing?.etag);
      return { rules };
    },

    /** Which sender a message with these fields would use right now, and why: the worker's own decision. */
    async explain(orgId: string, body: unknown): Promise<RouteExplanation> {
      const resolved = await deps.resolver.resolve(orgId, parseExplainInput(body));
      if (!resolved) throw new MailerError('SENDER_NOT_FOUND', `Org ${orgId} has no active sender and no default sender is configured.`);
      return {
        sender: resolved.senderKey,
        via: resolved.via,
        reason: resolved.reason,
        hops: resolved.hops,
        provider: resolved.config.provider,
        senderEmail: resolved.config.senderEmail,
      };
    },
  };
}

export type NamedSenders = ReturnType<typeof createNamedSenders>;
