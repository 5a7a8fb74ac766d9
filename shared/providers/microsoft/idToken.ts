/**
 * Verifies an Entra ID v2.0 ID token ourselves, with jose, before its `tid` or `oid` is trusted for
 * anything: a consent binds an org to a TENANT, and tenant ids are public (every tenant's OpenID
 * metadata names its own), so only a token signed by Entra for our app, for this sign-in, proves
 * which tenant the person signing in belongs to.
 *
 * Checks (https://learn.microsoft.com/entra/identity-platform/id-tokens#validate-tokens and
 * https://learn.microsoft.com/entra/identity-platform/claims-validation):
 * - signature (RS256) against the keys of the authority's JWKS, found through its OpenID metadata
 *   (`{authority}/organizations/v2.0/.well-known/openid-configuration` -> `jwks_uri`);
 * - `iss`: a multi-tenant app sees the metadata issuer as a template,
 *   `https://login.microsoftonline.com/{tenantid}/v2.0`; the token's `iss` must equal that template
 *   filled with the token's OWN `tid` (so a token of one tenant cannot claim another);
 * - `aud` = the platform app's client id; `exp`/`nbf`; `nonce` = the one we put in this sign-in's
 *   authorization request (bound to the signed, single-use consent state).
 *
 * Metadata and key sets are cached per authority host (bounded LRU, a day): jose's remote JWKS
 * refetches on an unknown `kid` by itself (key rollover), at most once per 30 s.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { MailerError } from '../../errors';
import type { ProviderContext } from '../module';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How long one metadata or JWKS request may take: a hung authority must not hold the callback. */
const FETCH_TIMEOUT_MS = 10_000;
/** Entra back-dates `nbf`; a few minutes of tolerance absorb clock skew between us and Entra. */
const CLOCK_TOLERANCE_SECONDS = 300;

export interface VerifiedIdentity {
  tenantId: string;
  /** The user's object id in that tenant. */
  oid: string;
  /** `preferred_username` (usually the UPN), lower-cased; '' when the token has none. */
  username: string;
  /**
   * The `email` claim (the user's primary email address, when the `email` scope was asked for and the
   * account has one), lower-cased. Only a default for the sender address: Graph itself enforces who
   * may send as what, so an unverified value cannot widen anything.
   */
  email?: string;
  /** Directory role template ids (`wids`); empty when the app does not ask for them. */
  roles: string[];
}

interface Authority {
  issuerTemplate: string;
  keys: ReturnType<typeof createRemoteJWKSet>;
}

/** Per authority host: at most a handful exist (one in production, a few in tests). */
const authorities = new LRUCache<string, Promise<Authority>>({ max: 8, ttl: 24 * 3600 * 1000 });

async function loadAuthority(authorityHost: string): Promise<Authority> {
  const url = `${authorityHost}/organizations/v2.0/.well-known/openid-configuration`;
  let metadata: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`metadata answered ${response.status}`);
    metadata = (await response.json()) as typeof metadata;
  } catch (error) {
    throw new MailerError('PROVIDER_UNAVAILABLE', 'Could not read the OpenID metadata of Microsoft Entra ID; nothing was saved.', {
      cause: error,
    });
  }
  if (typeof metadata.issuer !== 'string' || typeof metadata.jwks_uri !== 'string' || !metadata.issuer.includes('{tenantid}')) {
    throw new MailerError(
      'PROVIDER_UNAVAILABLE',
      'The OpenID metadata of Microsoft Entra ID is not the multi-tenant document expected; nothing was saved.',
    );
  }
  return { issuerTemplate: metadata.issuer, keys: createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS }) };
}

function authorityFor(authorityHost: string): Promise<Authority> {
  let entry = authorities.get(authorityHost);
  if (!entry) {
    entry = loadAuthority(authorityHost);
    authorities.set(authorityHost, entry);
    // A failed load is not kept: the next sign-in tries again.
    const loading = entry;
    loading.catch(() => {
      if (authorities.get(authorityHost) === loading) authorities.delete(authorityHost);
    });
  }
  return entry;
}

const invalid = (message: string, cause?: unknown) =>
  new MailerError('CONSENT_ID_TOKEN_INVALID', `${message} Nothing was saved.`, cause === undefined ? {} : { cause });

/**
 * The verified identity of an ID token, or CONSENT_ID_TOKEN_INVALID (400). PROVIDER_UNAVAILABLE when
 * the authority's metadata or keys cannot be read. Never logs or returns the token.
 */
export async function verifyIdToken(
  context: ProviderContext,
  token: string | undefined,
  expected: { nonce: string | undefined },
): Promise<VerifiedIdentity> {
  if (!token) throw invalid('Microsoft Entra ID returned no ID token for this sign-in, so we cannot tell who signed in.');
  const { issuerTemplate, keys } = await authorityFor(context.config.microsoft.authorityHost);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      algorithms: ['RS256'],
      audience: context.config.microsoft.clientId,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['iss', 'aud', 'exp', 'tid', 'oid', 'nonce'],
    }));
  } catch (error) {
    // Not a JOSE verdict on the token (a network failure fetching the keys), or the keys could not be read.
    if (!(error instanceof joseErrors.JOSEError) || error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
      throw new MailerError('PROVIDER_UNAVAILABLE', 'Could not read the signing keys of Microsoft Entra ID; nothing was saved.', {
        cause: error,
      });
    }
    throw invalid('The ID token of this sign-in did not verify (signature, audience or expiry).', error);
  }
  const tid = typeof payload.tid === 'string' ? payload.tid.toLowerCase() : '';
  if (!GUID.test(tid)) throw invalid('The ID token names no tenant.');
  if (payload.iss !== issuerTemplate.replace('{tenantid}', tid)) throw invalid('The ID token was not issued by the tenant it names.');
  if (!expected.nonce || payload.nonce !== expected.nonce)
    throw invalid('The ID token belongs to another sign-in (its nonce does not match this consent link).');
  const oid = typeof payload.oid === 'string' ? payload.oid.toLowerCase() : '';
  if (!GUID.test(oid)) throw invalid('The ID token names no user.');
  const roles = Array.isArray(payload.wids)
    ? payload.wids.filter((w): w is string => typeof w === 'string').map((w) => w.toLowerCase())
    : [];
  const username = typeof payload.preferred_username === 'string' ? payload.preferred_username.toLowerCase() : '';
  const email = typeof payload.email === 'string' && payload.email.includes('@') ? payload.email.toLowerCase() : undefined;
  return { tenantId: tid, oid, username, roles, ...(email ? { email } : {}) };
}
