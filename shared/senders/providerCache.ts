/**
 * One `MailProvider` per sender credential (`credentialKey`: org, sender key, version, secret names),
 * shared by delivery, Test connection and Save and test. The provider holds the credential and its token, so a cached provider means the token
 * endpoint and Key Vault are not touched per message; a save, reset or re-consent moves `version`
 * forward, so the next message builds a fresh provider from the new config (docs/delivery.md).
 */
import { boundedCache } from '../cache/bounded';
import { createProvider } from '../providers';
import type { ProviderContext } from '../providers/module';
import type { MailProvider } from '../providers/types';
import { credentialKey, DEFAULT_SENDER_KEY, senderKeyOf, SenderConfig } from '../model/sender';

/** One entry per sender: an org's named senders each hold their own credential. */
const entryKey = (orgId: string, senderKey: string) => `${orgId}/${senderKey}`;

/** Orgs whose provider stays in memory; one unused for an hour is dropped (its token is stale by then anyway). */
export const PROVIDER_CACHE_BOUNDS = { max: 2000, ttlMs: 60 * 60_000 };

/**
 * A config read from Storage is never changed in memory (a change is a new row, read anew), so its
 * credential key is worked out once per config object, not once per message.
 */
const credentialKeys = new WeakMap<SenderConfig, string>();
function credentialKeyOf(config: SenderConfig): string {
  let key = credentialKeys.get(config);
  if (key === undefined) credentialKeys.set(config, (key = credentialKey(config)));
  return key;
}

export class ProviderCache {
  private readonly entries;

  constructor(
    private readonly context: ProviderContext,
    bounds: { max: number; ttlMs: number; clock?: () => number } = PROVIDER_CACHE_BOUNDS,
  ) {
    this.entries = boundedCache<string, { version: number; credential: string; provider: MailProvider }>({ ...bounds, age: 'idle' });
  }

  get(config: SenderConfig): MailProvider {
    const key = entryKey(config.orgId, senderKeyOf(config));
    const hit = this.entries.get(key);
    const credential = credentialKeyOf(config);
    if (hit && hit.credential === credential) return hit.provider;
    const provider = createProvider(config, this.context);
    // A reader holding an older row must not evict the newer provider.
    if (!hit || hit.version <= config.version) this.entries.set(key, { version: config.version, credential, provider });
    return provider;
  }

  /** Drops the sender's provider (its config changed in this process). */
  forget(orgId: string, senderKey: string = DEFAULT_SENDER_KEY): void {
    this.entries.delete(entryKey(orgId, senderKey));
  }
}
