/**
 * The OAuth `state` of consent links: a JWT signed with STATE_SIGNING_KEY (HS256, jose) that binds
 * the org, provider, mode, a nonce, and the return URL, for 15 minutes. It is the CSRF protection of
 * the callback and the reason the callback can be anonymous: nobody can forge a state for another org.
 * Single use is enforced separately (the nonce is consumed in Table storage, `consentStates.ts`).
 * The PKCE verifier is NOT in the state (it travels through the browser); it stays server-side.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { MailerError } from '../errors';
import type { ProviderName } from '../model/sender';
import type { ConsentMode, ConsentPurpose } from './types';

export const STATE_TTL_SECONDS = 15 * 60;
const ISSUER = 'org-mailer';
const AUDIENCE = 'org-mailer/oauth-callback';

export interface ConsentState {
  orgId: string;
  provider: ProviderName;
  mode: ConsentMode;
  nonce: string;
  returnUrl?: string;
  /**
   * What the consent is for: one of the org's senders (`senderKey` absent = `default`), or a
   * directory connection. Absent = the `default` sender (a state of the shape it always had).
   */
  purpose?: ConsentPurpose;
}

/** The purpose's claims: `snd` (a named sender's key) or `dir` (a directory connection id); none for the default sender. */
function purposeClaims(purpose: ConsentPurpose | undefined): Record<string, string> {
  if (purpose?.kind === 'directory') return { dir: purpose.connectionId };
  return purpose?.senderKey ? { snd: purpose.senderKey } : {};
}

function purposeOf(payload: Record<string, unknown>): { purpose?: ConsentPurpose } {
  if (typeof payload.dir === 'string') return { purpose: { kind: 'directory', connectionId: payload.dir } };
  if (typeof payload.snd === 'string') return { purpose: { kind: 'sender', senderKey: payload.snd } };
  return {};
}

const key = (signingKey: string) => new TextEncoder().encode(signingKey);

export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

export async function signState(state: ConsentState, signingKey: string, now: number = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({
    org: state.orgId,
    prv: state.provider,
    mode: state.mode,
    ...(state.returnUrl ? { ret: state.returnUrl } : {}),
    ...purposeClaims(state.purpose),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(state.nonce)
    .setIssuedAt(iat)
    .setExpirationTime(iat + STATE_TTL_SECONDS)
    .sign(key(signingKey));
}

/** Verifies signature, audience and expiry. Anything wrong -> STATE_INVALID (400), nothing else said. */
export async function verifyState(token: string, signingKey: string, now: number = Date.now()): Promise<ConsentState> {
  try {
    const { payload } = await jwtVerify(token, key(signingKey), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(now),
      requiredClaims: ['jti', 'exp', 'org', 'prv', 'mode'],
    });
    return {
      orgId: String(payload.org),
      provider: String(payload.prv) as ProviderName,
      mode: String(payload.mode) as ConsentMode,
      nonce: String(payload.jti),
      ...(typeof payload.ret === 'string' ? { returnUrl: payload.ret } : {}),
      ...purposeOf(payload),
    };
  } catch (error) {
    throw new MailerError('STATE_INVALID', 'The consent answer carries an invalid, expired or tampered state; nothing was saved.', {
      cause: error,
    });
  }
}
