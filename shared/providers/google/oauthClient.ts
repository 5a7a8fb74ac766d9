/**
 * The Google client objects, built in one place so every one gets the same settings:
 * - the OAuth2Client class comes from `@googleapis/gmail`'s own `auth`, so it is the google-auth-library
 *   copy the Gmail client was compiled against (a top-level copy of another version does not type-check
 *   as its `auth`: docs/providers.md);
 * - `endpoints` point at GOOGLE_AUTH_URL / GOOGLE_TOKEN_URL (the revoke URL sits beside the token URL,
 *   as https://oauth2.googleapis.com/revoke does);
 * - gaxios gets Node's own fetch: its fallback is a dynamic `import('node-fetch')`, which fails inside
 *   Jest and costs start-up time on Functions (docs/providers.md).
 */
import { auth, gmail, gmail_v1 } from '@googleapis/gmail';
import type { Config } from '../../config';
import { DEFAULT_CALL_TIMEOUT_MS } from '../deadline';

export type OAuth2Client = InstanceType<typeof auth.OAuth2>;
export type AuthUrlOptions = NonNullable<Parameters<OAuth2Client['generateAuthUrl']>[0]>;

/**
 * `timeout` is gaxios's per-request deadline (an AbortSignal inside gaxios 7), applied to every
 * request of the client, token refreshes included: PROVIDER_CALL_TIMEOUT_SECONDS.
 * https://github.com/googleapis/gaxios#request-options
 */
const transporterOptions = (timeoutMs: number) => ({ fetchImplementation: fetch, timeout: timeoutMs });

/** The platform's OAuth client (GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET) against the configured endpoints. */
export function platformOAuthClient(
  google: Config['google'],
  redirectUri?: string,
  timeoutMs: number = DEFAULT_CALL_TIMEOUT_MS,
): OAuth2Client {
  return new auth.OAuth2({
    clientId: google.clientId,
    clientSecret: google.clientSecret,
    redirectUri,
    endpoints: {
      oauth2AuthBaseUrl: google.authUrl,
      oauth2TokenUrl: google.tokenUrl,
      oauth2RevokeUrl: new URL('revoke', google.tokenUrl).toString(),
    },
    transporterOptions: transporterOptions(timeoutMs),
  });
}

/** An OAuth2Client that gets its access tokens from `refreshHandler` (the service-account JWT grant). */
export function handlerOAuthClient(
  refreshHandler: () => Promise<{ access_token: string; expiry_date: number }>,
  timeoutMs: number,
): OAuth2Client {
  const client = new auth.OAuth2({ transporterOptions: transporterOptions(timeoutMs) });
  client.refreshHandler = refreshHandler;
  return client;
}

/** The Gmail client. Media uploads ignore the service-level rootUrl: pass `{ rootUrl }` per call too (docs/providers.md). */
export function gmailClient(google: Config['google'], client: OAuth2Client): { api: gmail_v1.Gmail; rootUrl: string } {
  const rootUrl = `${google.gmailApiUrl}/`;
  return { api: gmail({ version: 'v1', auth: client, rootUrl }), rootUrl };
}
