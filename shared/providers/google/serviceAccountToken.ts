/**
 * Access tokens for a service account acting as a Workspace user (domain-wide delegation), by the
 * JWT bearer grant (RFC 7523) that Google documents in "Using OAuth 2.0 for Server to Server
 * Applications" (developers.google.com/identity/protocols/oauth2/service-account#httprest).
 *
 * Why not google-auth-library's JWT client: it hard-codes https://oauth2.googleapis.com/token as
 * both the URL and the assertion `aud` and ignores `endpoints` (docs/providers.md), so GOOGLE_TOKEN_URL
 * could not apply. We sign the assertion with `jose` and POST it ourselves.
 *
 * One source per (key, subject, scope): the token is cached until 5 minutes before it expires and
 * concurrent callers share one request, so 1,000 sends cost one token request.
 */
import { importPKCS8, SignJWT } from 'jose';
import { DEFAULT_CALL_TIMEOUT_MS, withDeadline } from '../deadline';
import { GoogleHttpFailure } from './errors';
import type { ServiceAccountKey } from './serviceAccountKey';

const EARLY_REFRESH_MS = 5 * 60 * 1000;
/** Google accepts assertions valid for at most one hour. */
const ASSERTION_LIFETIME_S = 3600;

export interface AccessToken {
  access_token: string;
  /** Epoch milliseconds (google-auth-library's credential shape). */
  expiry_date: number;
}

export class ServiceAccountTokenSource {
  private cached?: AccessToken;
  private pending?: Promise<AccessToken>;

  constructor(
    private readonly key: ServiceAccountKey,
    /** The Workspace user to act as (`sub`). */
    private readonly subject: string,
    private readonly scopes: readonly string[],
    private readonly tokenUrl: string,
    /** Deadline of the token request (PROVIDER_CALL_TIMEOUT_SECONDS). */
    private readonly timeoutMs: number = DEFAULT_CALL_TIMEOUT_MS,
  ) {}

  /** A valid token, from the cache when it has more than 5 minutes left. Throws GoogleHttpFailure (classify it). */
  async get(): Promise<AccessToken> {
    if (this.cached && this.cached.expiry_date - EARLY_REFRESH_MS > Date.now()) return this.cached;
    this.pending ??= this.request().finally(() => (this.pending = undefined));
    this.cached = await this.pending;
    return this.cached;
  }

  /** Drops the cached token (Gmail answered 401 with it). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async request(): Promise<AccessToken> {
    const now = Math.floor(Date.now() / 1000);
    const privateKey = await importPKCS8(this.key.privateKey, 'RS256');
    const assertion = await new SignJWT({ scope: this.scopes.join(' ') })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(this.key.privateKeyId ? { kid: this.key.privateKeyId } : {}) })
      .setIssuer(this.key.clientEmail)
      .setSubject(this.subject)
      // Google checks `aud` against its own token URL, which is the URL we post to.
      .setAudience(this.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_S)
      .sign(privateKey);
    // The body is read under the same deadline: a server that sends headers and then stalls is cut too.
    return withDeadline(this.timeoutMs, "Google's token endpoint", async (signal) => {
      let response: Response;
      try {
        response = await fetch(this.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
          signal,
        });
      } catch {
        // No answer at all (refused, reset, TLS): the classifier makes it PROVIDER_UNAVAILABLE.
        throw new GoogleHttpFailure(undefined, undefined);
      }
      return readTokenResponse(response);
    });
  }
}

/** Response processor: the token, or a GoogleHttpFailure for the classifier. */
async function readTokenResponse(response: Response): Promise<AccessToken> {
  const text = await response.text();
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {
    // keep the text
  }
  if (!response.ok) throw new GoogleHttpFailure(response.status, data, response.headers);
  const body = data as { access_token?: unknown; expires_in?: unknown };
  if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
    throw new GoogleHttpFailure(
      502,
      { error: 'invalid_response', error_description: 'token response without access_token' },
      response.headers,
    );
  }
  return { access_token: body.access_token, expiry_date: Date.now() + body.expires_in * 1000 };
}
