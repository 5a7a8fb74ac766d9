/**
 * The browser-binding cookie of a consent (RFC 9700 sections 2.1 and 4.7: the state must be bound to
 * the user agent that started the flow; PKCE alone does not do that here, because the verifier lives
 * server-side). Our start endpoint sets a random value; only its SHA-256 is stored with the state
 * row, and the callback and the Confirm POST must present the same value.
 *
 * Attributes, and why:
 * - `SameSite=None`: the provider's answer is a cross-site top-level GET (a redirect) or, for Entra's
 *   `response_mode=form_post`, a cross-site POST; a `Lax` cookie is not sent with the POST and a
 *   `Strict` one with neither (RFC 6265bis section 5.2, "SameSite";
 *   https://developer.mozilla.org/docs/Web/HTTP/Headers/Set-Cookie#samesitesamesite-value).
 *   `None` requires `Secure` (same MDN section).
 * - `__Host-` prefix: `Secure`, no `Domain`, `Path=/`, so no sibling host can plant or overwrite it
 *   (RFC 6265bis section 4.1.3.2). The prefix fixes the path at `/`; it is scoped instead by
 *   lifetime (`Max-Age`), and holds nothing but a random value.
 * - `Secure` on `http://localhost`: Chromium and Firefox treat localhost as a secure context and
 *   keep Secure cookies there (https://developer.mozilla.org/docs/Web/Security/Secure_Contexts),
 *   so the local stack behaves like production.
 * - `HttpOnly`: no script of any page reads it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { STATE_TTL_SECONDS } from './state';

export const CONSENT_COOKIE = '__Host-org-mailer-consent';
/** How long a parked (signed-in, not yet confirmed) consent waits for Confirm. */
export const CONFIRM_TTL_SECONDS = 10 * 60;
/** Long enough for a whole consent: the provider's pages, then the confirmation. */
const COOKIE_MAX_AGE_SECONDS = STATE_TTL_SECONDS + CONFIRM_TTL_SECONDS;
const VALUE = /^[A-Za-z0-9_-]{43}$/;

export const newBrowserSecret = (): string => randomBytes(32).toString('base64url');

export const browserHash = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

/** Constant-time comparison of two base64url hashes. */
export function sameHash(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** The binding value the browser sent (`Cookie` header), when well-formed. */
export function browserSecretOf(cookieHeader: string | null | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    const value = rest.join('=');
    if (name === CONSENT_COOKIE && VALUE.test(value)) return value;
  }
  return undefined;
}

export const browserCookie = (secret: string): string =>
  `${CONSENT_COOKIE}=${secret}; Max-Age=${COOKIE_MAX_AGE_SECONDS}; Path=/; Secure; HttpOnly; SameSite=None`;
