/**
 * What the delivery pipeline calls to learn which sender a message goes out from. It never branches
 * on provider name: it gets a `MailProvider`. Which sender: `rules.ts` (`decideRoute`), over the
 * org's senders and rules read in one partition query per message.
 */
import { senderEvent } from '../events/producers';
import type { PlatformEventSink } from '../events/types';
import { MailerError } from '../errors';
import type { MailProvider } from '../providers/types';
import type { SenderStore } from '../store/senderStore';
import { DEFAULT_ORG_ID, DEFAULT_SENDER_KEY, SenderConfig, SenderError } from '../model/sender';
import type { ProviderCache } from './providerCache';
import { decideRoute, Hop, PLATFORM_SENDER, RoutedMessage, RoutingRule } from './rules';

export interface ResolvedSender {
  orgId: string;
  config: SenderConfig;
  provider: MailProvider;
  via: 'org' | 'default';
  /** When `via` is 'default' because the org's own sender needs attention: its last error (for the status). */
  fallbackReason?: SenderError;
  /** The org's sender key used, or `_platform` for the platform's default sender. */
  senderKey: string;
  /** Which rule matched and why senders were passed over (plain words, for `explain`). */
  reason: string;
  /** The senders passed over on the way, in order. */
  hops: Hop[];
}

export interface SenderResolverDeps {
  store: SenderStore;
  providers: ProviderCache;
  /** Records a successful send as the sender's `lastUsedAt` (usage.ts: at most hourly). */
  recordUse?: (config: SenderConfig) => void;
  /** The composition root's clock. */
  now: () => Date;
  /** `sender.*` platform events (webhooks), best effort: the bus, or `noEvents` where nobody listens. */
  events: PlatformEventSink;
}

export interface SenderResolver {
  /** The sender the org's routing picks for the message (rules.ts), else the default sender when usable, else undefined. */
  resolve(orgId: string, message?: RoutedMessage): Promise<ResolvedSender | undefined>;
  /** The operator's default sender (`_default`) when it is active (or needs attention: it is all there is). */
  resolveDefault(): Promise<ResolvedSender | undefined>;
  /**
   * Delivery hit an auth/permission/mailbox error with this org's sender: status -> needs_attention
   * with the error and its hint. With `version`, only if the config is still that version (an admin
   * may have fixed it meanwhile).
   */
  markNeedsAttention(orgId: string, error: MailerError, version?: number, senderKey?: string): Promise<void>;
  /** Delivery sent a message with this sender: remember it was used (the keep-alive skips it then). */
  recordUse?(config: SenderConfig): void;
}

export function createSenderResolver(deps: SenderResolverDeps): SenderResolver {
  const now = deps.now;

  async function resolveDefault(): Promise<ResolvedSender | undefined> {
    const stored = await deps.store.get(DEFAULT_ORG_ID);
    if (!stored || stored.config.status === 'draft') return undefined;
    const reason = "the platform's default sender";
    return {
      orgId: DEFAULT_ORG_ID,
      config: stored.config,
      provider: deps.providers.get(stored.config),
      via: 'default',
      senderKey: PLATFORM_SENDER,
      reason,
      hops: [],
    };
  }

  return {
    resolveDefault,
    recordUse: (config) => deps.recordUse?.(config),

    async resolve(orgId, message = {}) {
      if (orgId === DEFAULT_ORG_ID) return resolveDefault();
      // One partition query, remembered a few seconds (listingMemory.ts): a config or rule change
      // takes effect on the next message in this instance, within seconds in the others.
      const org = await (deps.store.listOrgRecent ?? deps.store.listOrg)(orgId);
      const decision = await decideRoute(
        message,
        { rules: (org.routing?.rules ?? []) as RoutingRule[], senders: org.senders.map((s) => s.config) },
        async () => (await resolveDefault())?.config,
      );
      if (!decision) return undefined;
      const { config, via, reason, hops, sender } = decision;
      const resolved: ResolvedSender = {
        orgId: via === 'org' ? orgId : DEFAULT_ORG_ID,
        config,
        provider: deps.providers.get(config),
        via,
        senderKey: sender,
        reason,
        hops,
      };
      // The error of the first sender passed over that needs attention (the status shows its code).
      const broken = org.senders.find(
        (s) => s.config.status === 'needs_attention' && (s.config.senderKey ?? DEFAULT_SENDER_KEY) === hops[0]?.sender,
      );
      if (via === 'default' && broken?.config.lastError) resolved.fallbackReason = broken.config.lastError;
      return resolved;
    },

    async markNeedsAttention(orgId, error, version, senderKey) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const stored = await deps.store.get(orgId, senderKey);
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
          if (stored.config.status !== 'needs_attention') await deps.events(senderEvent('sender.needs_attention', config));
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
