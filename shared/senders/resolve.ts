/**
 * What the delivery pipeline calls to learn which sender a message goes out from. It never branches
 * on provider name: it gets a `MailProvider`. Routing rules: `routing.ts`.
 */
import { senderEvent } from '../events/producers';
import type { PlatformEventSink } from '../events/types';
import { MailerError } from '../errors';
import type { MailProvider } from '../providers/types';
import type { SenderStore } from '../store/senderStore';
import { DEFAULT_ORG_ID, SenderConfig, SenderError } from './model';
import type { ProviderCache } from './providerCache';
import { routeFor } from './routing';

export interface ResolvedSender {
  orgId: string;
  config: SenderConfig;
  provider: MailProvider;
  via: 'org' | 'default';
  /** When `via` is 'default' because the org's own sender needs attention: its last error (for the status). */
  fallbackReason?: SenderError;
}

export interface SenderResolverDeps {
  store: SenderStore;
  providers: ProviderCache;
  /** Records a successful send as the sender's `lastUsedAt` (usage.ts: at most hourly). */
  recordUse?: (config: SenderConfig) => void;
  now?: () => Date;
  /** `sender.*` platform events (webhooks); best effort. */
  events?: PlatformEventSink;
}

export interface SenderResolver {
  /** The org's sender when it is in use, else the default sender when that is usable, else undefined. */
  resolve(orgId: string): Promise<ResolvedSender | undefined>;
  /** The operator's default sender (`_default`) when it is active (or needs attention: it is all there is). */
  resolveDefault(): Promise<ResolvedSender | undefined>;
  /**
   * Delivery hit an auth/permission/mailbox error with this org's sender: status -> needs_attention
   * with the error and its hint. With `version`, only if the config is still that version (an admin
   * may have fixed it meanwhile).
   */
  markNeedsAttention(orgId: string, error: MailerError, version?: number): Promise<void>;
  /** Delivery sent a message with this sender: remember it was used (the keep-alive skips it then). */
  recordUse?(config: SenderConfig): void;
}

export function createSenderResolver(deps: SenderResolverDeps): SenderResolver {
  const now = deps.now ?? (() => new Date());

  async function resolveDefault(): Promise<ResolvedSender | undefined> {
    const stored = await deps.store.get(DEFAULT_ORG_ID);
    if (!stored || stored.config.status === 'draft') return undefined;
    return { orgId: DEFAULT_ORG_ID, config: stored.config, provider: deps.providers.get(stored.config), via: 'default' };
  }

  return {
    resolveDefault,
    recordUse: (config) => deps.recordUse?.(config),

    async resolve(orgId) {
      if (orgId === DEFAULT_ORG_ID) return resolveDefault();
      // Read per message (one Table read): a config change elsewhere takes effect on the next message.
      const stored = await deps.store.get(orgId);
      const own = stored?.config;
      const asOrg = (config: SenderConfig): ResolvedSender => ({ orgId, config, provider: deps.providers.get(config), via: 'org' });
      if (own && routeFor(own) === 'org') return asOrg(own);
      const fallback = await resolveDefault();
      if (own?.status === 'needs_attention') {
        // No default to fall back to: the org's own sender is still better than nothing.
        if (!fallback) return asOrg(own);
        return { ...fallback, fallbackReason: own.lastError };
      }
      return fallback;
    },

    async markNeedsAttention(orgId, error, version) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const stored = await deps.store.get(orgId);
        if (!stored || stored.config.status === 'draft') return;
        if (version !== undefined && stored.config.version !== version) return;
        const at = now().toISOString();
        const config: SenderConfig = {
          ...stored.config,
          status: 'needs_attention',
          lastError: { code: error.code, message: error.message, hint: error.hint, at },
          updatedAt: at,
        };
        try {
          await deps.store.replace(config, stored.etag);
          if (stored.config.status !== 'needs_attention') await deps.events?.(senderEvent('sender.needs_attention', config));
          return;
        } catch (failure) {
          // Someone else changed the row: read it again and decide again.
          if (failure instanceof MailerError && failure.code === 'CONCURRENT_UPDATE') continue;
          throw failure;
        }
      }
    },
  };
}
