/**
 * The admin token of a settings-page link: a JWT (HS256, jose) that binds ONE org for 60 minutes.
 * Whoever holds it may read and change that org's sender through `/api/manage/*`, so it is short-lived
 * and travels only in the URL fragment (never sent to a server, so never in access logs) and then
 * in `Authorization: Bearer`.
 *
 * It must never pass for a consent state (shared/consent/state.ts) or the other way round. Two
 * independent guards: its own audience and `typ`, and its own key, derived from STATE_SIGNING_KEY
 * with HKDF (RFC 5869) under a purpose label, so even a verifier that forgot the audience check
 * would reject a consent state's signature.
 *
 * It carries the org's admin-link generation (`gen`) at signing: a revoke or a Reset moves the
 * org's generation on (links.ts), and a token of an older generation is refused from then on.
 */
import { hkdfSync } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { MailerError } from '../errors';

export const ADMIN_TOKEN_TTL_SECONDS = 60 * 60;
const ISSUER = 'org-mailer';
const AUDIENCE = 'org-mailer/settings-page';
const TYPE = 'org-mailer-admin+jwt';
const KEY_LABEL = 'org-mailer admin link v1';

export interface AdminSession {
  orgId: string;
  /** Where the "Back to the application" link of the page goes (already allowlist-checked at signing). */
  returnUrl?: string;
  /** The org's display name given by the SaaS: shown at the top of the page and on consent confirmations. */
  orgName?: string;
  /** ISO instant the token stops working. */
  expiresAt: string;
}

let derived: { from: string; key: Uint8Array } | undefined;

/** The admin-link key: HKDF-SHA256 of STATE_SIGNING_KEY with this purpose's label (cached: one key per process). */
function adminKey(signingKey: string): Uint8Array {
  if (derived?.from !== signingKey) {
    derived = { from: signingKey, key: new Uint8Array(hkdfSync('sha256', signingKey, '', KEY_LABEL, 32)) };
  }
  return derived.key;
}

export async function signAdminToken(
  orgId: string,
  signingKey: string,
  options: { returnUrl?: string; orgName?: string; now?: number; generation?: number } = {},
): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const exp = iat + ADMIN_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({
    ...(options.returnUrl ? { ret: options.returnUrl } : {}),
    ...(options.orgName ? { onm: options.orgName } : {}),
    gen: options.generation ?? 0,
  })
    .setProtectedHeader({ alg: 'HS256', typ: TYPE })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(orgId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(adminKey(signingKey));
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/** Signature, key purpose, audience, type and expiry; anything wrong -> ADMIN_LINK_INVALID (401). */
export async function verifyAdminToken(token: string | undefined, signingKey: string, now: number = Date.now()): Promise<AdminSession> {
  return (await readAdminToken(token, signingKey, now)).session;
}

/** `verifyAdminToken` plus the admin-link generation the token was signed in (0 for tokens without one). */
export async function readAdminToken(
  token: string | undefined,
  signingKey: string,
  now: number = Date.now(),
): Promise<{ session: AdminSession; generation: number }> {
  if (!token) throw new MailerError('ADMIN_LINK_INVALID', 'This request carries no settings-link token (Authorization: Bearer).');
  try {
    const { payload } = await jwtVerify(token, adminKey(signingKey), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: TYPE,
      currentDate: new Date(now),
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const session: AdminSession = {
      orgId: String(payload.sub),
      ...(typeof payload.ret === 'string' ? { returnUrl: payload.ret } : {}),
      ...(typeof payload.onm === 'string' ? { orgName: payload.onm } : {}),
      expiresAt: new Date(payload.exp! * 1000).toISOString(),
    };
    return { session, generation: typeof payload.gen === 'number' ? payload.gen : 0 };
  } catch (error) {
    const expired = error instanceof joseErrors.JWTExpired;
    throw new MailerError('ADMIN_LINK_INVALID', expired ? 'This settings link has expired.' : 'This settings link is not valid.', {
      cause: error,
    });
  }
}
