/**
 * A sender's secrets in Key Vault: written under this generation's names BEFORE the row references
 * them, deleted AFTER the row stops referencing them (shared/senders/service.ts), so a crash in
 * between leaves at worst an orphaned secret, never a row pointing at nothing.
 */
import { secretName, secretNamePrefix } from '../store/secretNames';
import type { SecretStore } from '../store/types';
import type { SenderConfig } from '../model/sender';
import { purposeOf } from './serviceParts';

/** The secret names `before` referenced that `after` no longer does. */
export const unreferenced = (before: SenderConfig | undefined, after: SenderConfig): string[] =>
  Object.values(before?.secretRefs ?? {}).filter((name) => !Object.values(after.secretRefs).includes(name));

export function createSenderSecrets(store: SecretStore) {
  return {
    /** Writes each secret under this generation's name (a new VERSION when the name exists). */
    async putSecrets(
      orgId: string,
      generation: number,
      secrets: Record<string, string>,
      senderKey: string,
    ): Promise<Record<string, string>> {
      const refs: Record<string, string> = {};
      for (const [key, value] of Object.entries(secrets)) {
        const name = secretName(orgId, purposeOf(key), generation, senderKey);
        await store.set(name, value);
        refs[key] = name;
      }
      return refs;
    },

    /** Deletes secrets the row no longer references. Best effort after the row changed: an orphan is harmless. */
    async dropSecrets(orgId: string, names: string[], strict: boolean, senderKey: string): Promise<void> {
      for (const name of names) {
        try {
          await store.delete(name);
        } catch (error) {
          if (strict) throw error;
        }
      }
      store.forget(secretNamePrefix(orgId, senderKey));
    },
  };
}
