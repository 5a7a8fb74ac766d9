/**
 * The ID token verifier (`shared/providers/microsoft/idToken.ts`) against an authority we control:
 * a small loopback server serving multi-tenant OpenID metadata and a JWKS, so tokens can be signed
 * with any claims. Then one real token of the sandbox's Entra ID through the same code.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';
import { loadConfig, type Config } from '@shared/config';
import { verifyIdToken } from '@shared/providers/microsoft/idToken';
import type { ProviderContext } from '@shared/providers/module';
import { PLATFORM_APP_ID, NORTHWIND_TENANT_ID, NORTHWIND_USER_IDS } from '../../dev/sandbox/world';
import { sandboxUrls } from '../support/env';
import { mailerFailure } from '../support/mailer-error';

async function expectMailerError(promise: Promise<unknown>, code: string) {
  const error = await mailerFailure(promise);
  expect(error.code).toBe(code);
  return error;
}

const TENANT = '66666666-6666-4666-8666-666666666666';
const OTHER_TENANT = '77777777-7777-4777-8777-777777777777';
const USER = 'e0000000-0000-4000-8000-000000000001';
const CLIENT_ID = PLATFORM_APP_ID;

let server: Server;
let authority: string;
let metadataRequests = 0;
const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' };
  server = createServer((req, res) => {
    if (req.url === '/organizations/v2.0/.well-known/openid-configuration') {
      metadataRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: `${authority}/{tenantid}/v2.0`,
          jwks_uri: `${authority}/organizations/discovery/v2.0/keys`,
        }),
      );
    } else if (req.url === '/organizations/discovery/v2.0/keys') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  authority = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const contextFor = (authorityHost: string): ProviderContext => {
  const base = loadConfig();
  const config = { ...base, microsoft: { ...base.microsoft, authorityHost } } as Config;
  return { config, secrets: undefined as never };
};

function sign(claims: JWTPayload, options: { signer?: KeyObject; alg?: string; kid?: string; expiresIn?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: CLIENT_ID,
    iss: `${authority}/${TENANT}/v2.0`,
    tid: TENANT,
    oid: USER,
    nonce: 'n-1',
    preferred_username: 'Admin@Example.test',
    wids: ['62E90394-69F5-4237-9190-012177145E10'],
    ...claims,
  })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'k1' })
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(options.signer ?? key.privateKey);
}

const verify = (token: string | undefined, ...nonce: [string | undefined] | []) =>
  verifyIdToken(contextFor(authority), token, { nonce: nonce.length ? nonce[0] : 'n-1' });

describe('verifyIdToken', () => {
  it('accepts a token of its own tenant, for our app and this nonce; fetches the metadata once per authority', async () => {
    const before = metadataRequests;
    expect(await verify(await sign({}))).toEqual({
      tenantId: TENANT,
      oid: USER,
      username: 'admin@example.test',
      roles: ['62e90394-69f5-4237-9190-012177145e10'],
    });
    await verify(await sign({}));
    expect(metadataRequests - before).toBeLessThanOrEqual(1);
  });

  it.each<[string, () => Promise<string>, string | undefined]>([
    ['signed by another key', () => sign({}, { signer: stranger.privateKey }), 'n-1'],
    ['issued by another tenant than its tid', () => sign({ iss: `${authority}/${OTHER_TENANT}/v2.0` }), 'n-1'],
    ['with the issuer template itself', () => sign({ iss: `${authority}/{tenantid}/v2.0` }), 'n-1'],
    ['for another app', () => sign({ aud: '99999999-9999-4999-8999-999999999999' }), 'n-1'],
    ['expired', () => sign({}, { expiresIn: -3600 }), 'n-1'],
    ['of another sign-in (nonce)', () => sign({ nonce: 'n-2' }), 'n-1'],
    ['without a nonce', () => sign({ nonce: undefined }), 'n-1'],
    ['checked without an expected nonce', () => sign({}), undefined],
    ['without a tenant', () => sign({ tid: undefined }), 'n-1'],
    ['with a tenant that is not a GUID', () => sign({ tid: 'contoso.example', iss: `${authority}/contoso.example/v2.0` }), 'n-1'],
    ['not a JWT at all', async () => 'not-a-token', 'n-1'],
  ])('refuses a token %s with CONSENT_ID_TOKEN_INVALID (400)', async (_label, token, nonce) => {
    const error = await expectMailerError(verify(await token(), nonce), 'CONSENT_ID_TOKEN_INVALID');
    expect(error.status).toBe(400);
  });

  it('refuses a missing token, and an HS256 token keyed with the public key (algorithm confusion)', async () => {
    await expectMailerError(verify(undefined), 'CONSENT_ID_TOKEN_INVALID');
    const hs = await new SignJWT({ aud: CLIENT_ID, iss: `${authority}/${TENANT}/v2.0`, tid: TENANT, oid: USER, nonce: 'n-1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(key.publicKey.export({ type: 'spki', format: 'pem' }).toString()));
    await expectMailerError(verify(hs), 'CONSENT_ID_TOKEN_INVALID');
  });

  it('an authority that cannot be reached is PROVIDER_UNAVAILABLE (retry later), not a verdict on the token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const gone = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    await expectMailerError(verifyIdToken(contextFor(gone), await sign({}), { nonce: 'n-1' }), 'PROVIDER_UNAVAILABLE');
  });

  it("verifies the sandbox Entra's real ID token (RS256, JWKS from its metadata, wids)", async () => {
    const { createHash, randomBytes } = await import('node:crypto');
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${sandboxUrls.entra}/organizations/oauth2/v2.0/authorize`);
    const config = loadConfig();
    for (const [k, v] of Object.entries({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${config.publicBaseUrl}/api/oauth/microsoft/callback`,
      scope: 'openid profile',
      state: 's',
      nonce: 'sandbox-nonce',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      login_hint: 'admin@northwind.example',
      sandbox_action: 'approve',
    }))
      authorize.searchParams.set(k, v);
    const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const response = await fetch(`${sandboxUrls.entra}/organizations/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        client_secret: config.microsoft.clientSecret!,
        code,
        redirect_uri: `${config.publicBaseUrl}/api/oauth/microsoft/callback`,
        code_verifier: verifier,
        scope: 'openid profile',
      }),
    });
    const { id_token } = (await response.json()) as { id_token: string };
    const identity = await verifyIdToken(contextFor(config.microsoft.authorityHost), id_token, { nonce: 'sandbox-nonce' });
    expect(identity).toMatchObject({ tenantId: NORTHWIND_TENANT_ID, oid: NORTHWIND_USER_IDS.admin, username: 'admin@northwind.example' });
    expect(identity.roles).toContain('62e90394-69f5-4237-9190-012177145e10');
    await expectMailerError(
      verifyIdToken(contextFor(config.microsoft.authorityHost), id_token, { nonce: 'other' }),
      'CONSENT_ID_TOKEN_INVALID',
    );
  });
});
