/**
 * One `MailProvider` per (orgId, config version), shared by delivery, Test connection and Save and
 * test. The provider holds the credential and its token, so a cached provider means the token
 * endpoint and Key Vault are not touched per message; a save, reset or re-consent moves `version`
 * forward, so the next message builds a fresh provider from the new config (design.md section 7).
 */
import { createProvider } from '../providers';
import type { ProviderContext } from '../providers/module';
import type { MailProvider } from '../providers/types';
import type { SenderConfig } from './model';

export class ProviderCache {
  private readonly entries = new Map<string, { version: number; provider: MailProvider }>();

  constructor(private readonly context: ProviderContext) {}

  get(config: SenderConfig): MailProvider {
    const hit = this.entries.get(config.orgId);
    if (hit && hit.version === config.version) return hit.provider;
    const provider = createProvider(config, this.context);
    // A reader holding an older row must not evict the newer provider.
    if (!hit || hit.version < config.version) this.entries.set(config.orgId, { version: config.version, provider });
    return provider;
  }

  /** Drops the org's provider (its config changed in this process). */
  forget(orgId: string): void {
    this.entries.delete(orgId);
  }
}
