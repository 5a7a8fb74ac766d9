/**
 * The sandbox's token signer: one RSA key generated when the sandbox process starts (never written
 * to disk), published as a JWKS, and used to sign every JWT the sandbox's Entra ID issues (access
 * tokens, id tokens, stand-in managed-identity assertions). Graph and Key Vault verify bearer
 * tokens with `checkSandboxJwt` / `verifyAccessToken`; anything else is simply not a token to them.
 *
 * Claim shapes follow docs/providers.md "Entra ID" (v1 access tokens, v2 id tokens); times come from
 * the sandbox clock so `POST /_sandbox/clock` expires tokens as real time would.
 */
import { createHash, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, decodeJwt, errors as joseErrors, type JWTPayload, type JWK } from 'jose';

/** Resource URIs and their first-party app ids: Entra puts either in `aud`, so verifiers accept both. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const VAULT_RESOURCE = 'https://vault.azure.net';
export const VAULT_APP_ID = 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093';
/** Audience of the tokens a managed identity presents as a federated credential. */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

const AUDIENCE_ALIASES: Record<string, string[]> = {
  [GRAPH_RESOURCE]: [GRAPH_RESOURCE, GRAPH_APP_ID],
  [VAULT_RESOURCE]: [VAULT_RESOURCE, VAULT_APP_ID],
};

/** Access tokens live about an hour, as Entra's do (docs/providers.md: expires_in 3599). */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;
/** Entra back-dates iat/nbf by five minutes to absorb clock skew. */
const SKEW_SECONDS = 300;

interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
  kid: string;
}

let key: SigningKey | undefined;

/** Generated on first use, then fixed for the life of the process (so tokens survive `/_sandbox/reset`). */
function signingKey(): SigningKey {
  if (!key) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = pair.publicKey.export({ type: 'spki', format: 'der' });
    // Entra's kid equals x5t (a SHA-1 thumbprint); we have no certificate, so thumbprint the key.
    const kid = createHash('sha1').update(der).digest('base64url');
    const publicJwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
    key = {
      privateKey: pair.privateKey,
      publicKey: pair.publicKey,
      kid,
      jwk: { kty: 'RSA', use: 'sig', kid, x5t: kid, n: publicJwk.n, e: publicJwk.e },
    };
  }
  return key;
}

/** The JWKS served at `/{tenant}/discovery/v2.0/keys`. */
export function jwks(issuer?: string): { keys: JWK[] } {
  return { keys: [{ ...signingKey().jwk, ...(issuer ? { issuer } : {}) }] };
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Signs any claims with the sandbox key (RS256, header `typ`, `kid`, `x5t` as Entra's). */
export async function signJwt(claims: JWTPayload, options: { now: number; lifetimeSeconds: number }): Promise<string> {
  const { privateKey, kid } = signingKey();
  const iat = seconds(options.now) - SKEW_SECONDS;
  return new SignJWT({ ...claims })
    .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid, x5t: kid })
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(seconds(options.now) + options.lifetimeSeconds)
    .sign(privateKey);
}

/** `https://sts.windows.net/{tid}/`: the issuer of v1 access tokens (Graph and Key Vault ask for v1). */
export const v1Issuer = (tenantId: string) => `https://sts.windows.net/${tenantId}/`;

export interface AppTokenInput {
  tenantId: string;
  clientId: string;
  appDisplayName: string;
  /** Service principal object id in the tenant. */
  servicePrincipalId: string;
  audience: string;
  /** Granted application permissions; the claim is left out when empty, as Entra does. */
  roles: string[];
  /** "1" = client secret, "2" = certificate or client assertion. */
  appidacr: '1' | '2';
  now: number;
}

/** A v1 app-only access token (client credentials). */
export function issueAppToken(input: AppTokenInput): Promise<string> {
  return signJwt(
    {
      aud: input.audience,
      iss: v1Issuer(input.tenantId),
      idp: v1Issuer(input.tenantId),
      appid: input.clientId,
      appidacr: input.appidacr,
      app_displayname: input.appDisplayName,
      idtyp: 'app',
      oid: input.servicePrincipalId,
      sub: input.servicePrincipalId,
      tid: input.tenantId,
      ...(input.roles.length ? { roles: input.roles } : {}),
      uti: randomUUID().replace(/-/g, ''),
      ver: '1.0',
    },
    { now: input.now, lifetimeSeconds: ACCESS_TOKEN_LIFETIME_SECONDS },
  );
}

export interface TokenUser {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
}

export interface UserTokenInput {
  user: TokenUser;
  clientId: string;
  appDisplayName: string;
  audience: string;
  /** Delegated scopes, without the resource prefix (`Mail.Send`). */
  scopes: string[];
  now: number;
}

/** A v1 delegated access token (authorization code / refresh token). */
export function issueUserToken(input: UserTokenInput): Promise<string> {
  const { user } = input;
  return signJwt(
    {
      aud: input.audience,
      iss: v1Issuer(user.tenantId),
      idp: v1Issuer(user.tenantId),
      appid: input.clientId,
      appidacr: '1',
      app_displayname: input.appDisplayName,
      amr: ['pwd'],
      idtyp: 'user',
      name: user.displayName,
      oid: user.id,
      scp: input.scopes.join(' '),
      sub: pairwiseSubject(user.id, input.clientId),
      tid: user.tenantId,
      unique_name: user.userPrincipalName,
      upn: user.userPrincipalName,
      uti: randomUUID().replace(/-/g, ''),
      ver: '1.0',
    },
    { now: input.now, lifetimeSeconds: ACCESS_TOKEN_LIFETIME_SECONDS },
  );
}

/**
 * A v2 id token for the client itself (`aud` = client id). `issuerBase` is the sandbox's Entra origin.
 * `email` (the `email` scope was granted and the user has an address): the primary email address
 * (https://learn.microsoft.com/entra/identity-platform/scopes-oidc#the-email-scope).
 */
export function issueIdToken(input: {
  issuerBase: string;
  user: TokenUser;
  clientId: string;
  nonce?: string;
  wids?: string[];
  email?: string;
  now: number;
}): Promise<string> {
  const { user } = input;
  return signJwt(
    {
      aud: input.clientId,
      iss: `${input.issuerBase}/${user.tenantId}/v2.0`,
      name: user.displayName,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      sub: pairwiseSubject(user.id, input.clientId),
      tid: user.tenantId,
      ...(input.nonce ? { nonce: input.nonce } : {}),
      ...(input.wids ? { wids: input.wids } : {}),
      ...(input.email ? { email: input.email } : {}),
      ver: '2.0',
    },
    { now: input.now, lifetimeSeconds: ACCESS_TOKEN_LIFETIME_SECONDS },
  );
}

/** Entra's `sub` is pairwise: stable per (user, app), different across apps. */
function pairwiseSubject(userId: string, clientId: string): string {
  return createHash('sha256').update(`${userId}|${clientId}`).digest('base64url').slice(0, 43);
}

/**
 * The stand-in for the token a managed identity gets for `api://AzureADTokenExchange`: what an app
 * with a federated identity credential presents as its client assertion instead of a secret.
 */
export function issueFederatedAssertion(input: {
  issuer: string;
  subject: string;
  audience: string;
  tenantId: string;
  now: number;
}): Promise<string> {
  return signJwt(
    { iss: input.issuer, sub: input.subject, aud: input.audience, oid: input.subject, tid: input.tenantId, idtyp: 'app', ver: '2.0' },
    // Managed identity tokens live about a day.
    { now: input.now, lifetimeSeconds: 24 * 3600 },
  );
}

export type TokenCheck =
  { ok: true; claims: JWTPayload } | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'audience'; audience?: unknown };

/**
 * Verifies a JWT the sandbox signed: signature, time window (sandbox clock) and, when given, the
 * audience (a resource URI also matches its first-party app id). Never throws.
 */
export async function checkSandboxJwt(token: string, options: { now: number; audience?: string | string[] }): Promise<TokenCheck> {
  let audience: unknown;
  try {
    audience = decodeJwt(token).aud;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const wanted = options.audience === undefined ? undefined : [options.audience].flat().flatMap((a) => AUDIENCE_ALIASES[a] ?? [a]);
  try {
    const { payload } = await jwtVerify(token, signingKey().publicKey, {
      algorithms: ['RS256'],
      currentDate: new Date(options.now),
      audience: wanted,
    });
    return { ok: true, claims: payload };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf') return { ok: false, reason: 'expired' };
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') return { ok: false, reason: 'audience', audience };
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: 'signature' };
    return { ok: false, reason: 'malformed' };
  }
}

/** An access token's claims when valid for `audience` at `now` (ms, sandbox clock), else undefined. */
export async function verifyAccessToken(
  token: string,
  audience: string | string[],
  now: number = Date.now(),
): Promise<JWTPayload | undefined> {
  const result = await checkSandboxJwt(token, { now, audience });
  return result.ok ? result.claims : undefined;
}

/** The bearer token of an `Authorization` header, if any. */
export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['authorization'];
  const header = Array.isArray(value) ? value[0] : value;
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
