/** Contracts of the store adapters (implementations live beside this file). */

/** Key Vault secrets, cached in memory with a TTL; names are built by `secretName()`, never from user text. */
export interface SecretStore {
  /** Writes a new version of the secret (creating it if needed); drops the cached value. */
  set(name: string, value: string): Promise<void>;
  /** The current value, from the in-memory cache when younger than the TTL. Throws MailerError SECRET_STORE_UNAVAILABLE when the vault cannot be reached. */
  get(name: string): Promise<string>;
  /** Deletes the secret (soft delete, then purge where the vault allows it); missing is not an error. */
  delete(name: string): Promise<void>;
  /** Drops every cached value whose name starts with `prefix` (config change). */
  forget(prefix: string): void;
  /** Health: the vault answers an authenticated request. */
  ping(): Promise<void>;
}
