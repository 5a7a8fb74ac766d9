/**
 * One access token per sender config version, shared by every send. @azure/identity caches tokens
 * per credential instance, but it does not merge concurrent `getToken` calls: a burst of 100 sends on
 * a cold provider would make 100 token requests. This wrapper keeps the token and shares one
 * in-flight request, so 1,000 sends make exactly one token request (docs/senders.md, "Caching").
 */
import type { AccessToken } from '@azure/identity';
import { MailerError } from '../../errors';

/** Renew this long before expiry so a token never expires between the check and Graph's check. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

export type ErrorClassifier = (error: unknown) => MailerError;

export class CachedToken {
  private token?: AccessToken;
  private pending?: Promise<AccessToken>;

  constructor(
    /**
     * Asks the token endpoint (an @azure/identity credential, or our own refresh-token grant).
     * `fresh`: bypass every cache on the way, so the credential itself is proven right now.
     */
    private readonly acquire: (fresh: boolean) => Promise<AccessToken | null>,
    private readonly classify: ErrorClassifier,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A valid access token. Throws MailerError (classified once, here). `fresh` (app-only Test
   * connection, the delegated keep-alive) asks the token endpoint even when a cached token is still
   * good: a secret deleted since must show now, not in an hour.
   */
  async get(options: { fresh?: boolean } = {}): Promise<string> {
    return (await this.getTelling(options)).token;
  }

  /** Like `get`, and says whether this call asked the token endpoint (`fetched`) or reused the cached token. */
  async getTelling(options: { fresh?: boolean } = {}): Promise<{ token: string; fetched: boolean }> {
    if (options.fresh) return { token: (await this.fetch(true)).token, fetched: true };
    if (this.token && this.token.expiresOnTimestamp - RENEW_BEFORE_MS > this.now()) return { token: this.token.token, fetched: false };
    this.pending ??= this.fetch(false).finally(() => {
      this.pending = undefined;
    });
    return { token: (await this.pending).token, fetched: true };
  }

  /** Graph refused the token (401): the next `get()` fetches a fresh one. */
  invalidate(): void {
    this.token = undefined;
  }

  private async fetch(fresh: boolean): Promise<AccessToken> {
    let token: AccessToken | null;
    try {
      token = await this.acquire(fresh);
    } catch (error) {
      throw this.classify(error);
    }
    if (!token) throw this.classify(new Error('The credential returned no token.'));
    this.token = token;
    return token;
  }
}
