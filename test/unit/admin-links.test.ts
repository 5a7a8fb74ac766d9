/** Admin links: org-bound, short-lived, tamper-proof, and never interchangeable with a consent state. */
import { Script } from 'node:vm';
import { SignJWT } from 'jose';
import { createAdminLinks } from '@shared/adminLinks/links';
import { explainCode } from '@shared/adminLinks';
import { settingsPageResponse } from '@shared/adminLinks/page';
import { ADMIN_TOKEN_TTL_SECONDS, signAdminToken, verifyAdminToken } from '@shared/adminLinks/token';
import { loadConfig } from '@shared/config';
import { signState, verifyState } from '@shared/consent/state';
import { ERROR_CODES, MailerError } from '@shared/errors';
import { mailerFailure } from '../support/mailer-error';

const KEY = 'unit-test-state-signing-key-0123456789abcdef';
const NOW = Date.parse('2026-03-01T10:00:00Z');
const config = loadConfig({
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  KEY_VAULT_URL: 'https://kv.example.net',
  PUBLIC_BASE_URL: 'https://mailer.example.net',
  RETURN_URL_ALLOWLIST: 'https://app.example.com',
  MICROSOFT_CLIENT_ID: '00000000-0000-4000-8000-0000000000aa',
  MICROSOFT_CLIENT_SECRET: 'platform-secret',
  GOOGLE_CLIENT_ID: 'google-client',
  GOOGLE_CLIENT_SECRET: 'google-secret',
  STATE_SIGNING_KEY: KEY,
});
const allowed = (url: string) => config.returnUrlAllowlist.includes(new URL(url).origin);
/** In-memory generations: the Table row's behaviour without Storage (the integration test covers the row). */
const generationRows = new Map<string, number>();
const generations = {
  current: async (orgId: string) => generationRows.get(orgId) ?? 0,
  revoke: async (orgId: string) => {
    generationRows.set(orgId, (generationRows.get(orgId) ?? 0) + 1);
    return generationRows.get(orgId)!;
  },
};
const links = createAdminLinks({ config, returnUrlAllowed: allowed, generations, now: () => NOW });

const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, '');

describe('admin token', () => {
  it('binds one org and the return URL for 60 minutes', async () => {
    const { token, expiresAt } = await signAdminToken('acme', KEY, { returnUrl: 'https://app.example.com/settings', now: NOW });
    expect(expiresAt).toBe(new Date(NOW + ADMIN_TOKEN_TTL_SECONDS * 1000).toISOString());
    expect(ADMIN_TOKEN_TTL_SECONDS).toBe(3600);
    await expect(verifyAdminToken(token, KEY, NOW + 59 * 60 * 1000)).resolves.toEqual({
      orgId: 'acme',
      returnUrl: 'https://app.example.com/settings',
      expiresAt,
    });
  });

  it('is refused once expired, with a 401 that says so', async () => {
    const { token } = await signAdminToken('acme', KEY, { now: NOW });
    const error = await mailerFailure(verifyAdminToken(token, KEY, NOW + 61 * 60 * 1000));
    expect([error.code, error.status]).toEqual(['ADMIN_LINK_INVALID', 401]);
    expect(error.message).toMatch(/expired/);
    expect(error.hint).toBe(ERROR_CODES.ADMIN_LINK_INVALID.hint);
  });

  it('is refused when another org is swapped into it', async () => {
    const { token } = await signAdminToken('acme', KEY, { now: NOW });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'victim' })).toString('base64url');
    const error = await mailerFailure(verifyAdminToken(`${header}.${forged}.${signature}`, KEY, NOW));
    expect([error.code, error.message]).toEqual(['ADMIN_LINK_INVALID', 'This settings link is not valid.']);
  });

  it('is refused when missing, signed with another key, or unsigned', async () => {
    expect((await mailerFailure(verifyAdminToken(undefined, KEY, NOW))).code).toBe('ADMIN_LINK_INVALID');
    const other = await signAdminToken('acme', 'another-state-signing-key-0123456789abcdef', { now: NOW });
    expect((await mailerFailure(verifyAdminToken(other.token, KEY, NOW))).code).toBe('ADMIN_LINK_INVALID');
    const [, payload] = other.token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'org-mailer-admin+jwt' })).toString('base64url')}.${payload}.`;
    expect((await mailerFailure(verifyAdminToken(none, KEY, NOW))).code).toBe('ADMIN_LINK_INVALID');
  });

  it('a consent state is not an admin token, and an admin token is not a consent state', async () => {
    const state = await signState({ orgId: 'acme', provider: 'microsoft', mode: 'admin_consent', nonce: 'n-1' }, KEY, NOW);
    expect((await mailerFailure(verifyAdminToken(state, KEY, NOW))).code).toBe('ADMIN_LINK_INVALID');
    const { token } = await signAdminToken('acme', KEY, { now: NOW });
    expect((await mailerFailure(verifyState(token, KEY, NOW))).code).toBe('STATE_INVALID');
  });

  it('uses its own derived key: admin claims signed with the raw STATE_SIGNING_KEY are refused', async () => {
    const iat = Math.floor(NOW / 1000);
    const rawKeyed = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'org-mailer-admin+jwt' })
      .setIssuer('org-mailer')
      .setAudience('org-mailer/settings-page')
      .setSubject('acme')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 600)
      .sign(new TextEncoder().encode(KEY));
    expect((await mailerFailure(verifyAdminToken(rawKeyed, KEY, NOW))).code).toBe('ADMIN_LINK_INVALID');
  });
});

describe('admin links', () => {
  it('points at the settings page with the token in the fragment only', async () => {
    const link = await links.create('acme', { returnUrl: 'https://app.example.com/orgs/acme/settings' });
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://mailer.example.net/api/settings');
    expect(url.search).toBe('');
    expect(link.expiresAt).toBe(new Date(NOW + 3600 * 1000).toISOString());
    await expect(links.session(tokenOf(link.url))).resolves.toEqual({
      orgId: 'acme',
      returnUrl: 'https://app.example.com/orgs/acme/settings',
      expiresAt: link.expiresAt,
    });
  });

  it('works without a return URL', async () => {
    const link = await links.create('_default', undefined);
    await expect(links.session(tokenOf(link.url))).resolves.toEqual({ orgId: '_default', expiresAt: link.expiresAt });
  });

  it('refuses a return URL outside the allowlist, a non-URL and unknown fields, each by field', async () => {
    const outside = await mailerFailure(links.create('acme', { returnUrl: 'https://evil.example.org/x' }));
    expect([outside.code, outside.status, outside.fields]).toEqual([
      'RETURN_URL_NOT_ALLOWED',
      400,
      { returnUrl: 'origin is not in RETURN_URL_ALLOWLIST' },
    ]);
    const scheme = await mailerFailure(links.create('acme', { returnUrl: 'javascript:alert(1)' }));
    expect([scheme.code, Object.keys(scheme.fields ?? {})]).toEqual(['VALIDATION_FAILED', ['returnUrl']]);
    const extra = await mailerFailure(links.create('acme', { orgId: 'other' }));
    expect([extra.code, extra.fields]).toEqual(['VALIDATION_FAILED', { orgId: 'is not a field of an admin link request' }]);
  });
});

describe('settings page assets', () => {
  it('serves the page, its script and its style with a strict CSP that only the allowlist may frame', () => {
    const page = settingsPageResponse(undefined, config);
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(page.headers['Content-Security-Policy']).toContain("script-src 'self'");
    expect(page.headers['Content-Security-Policy']).toContain("frame-ancestors 'self' https://mailer.example.net https://app.example.com");
    expect(page.headers['Referrer-Policy']).toBe('no-referrer');
    expect(settingsPageResponse('app.js', config).headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(settingsPageResponse('app.css', config).headers['Content-Type']).toBe('text/css; charset=utf-8');
    for (const asset of ['nope.js', 'constructor', '__proto__']) expect(() => settingsPageResponse(asset, config)).toThrow(MailerError);
  });

  it('the script is valid JavaScript and never writes HTML from data (textContent only)', () => {
    const script = settingsPageResponse('app.js', config).body;
    expect(() => new Script(script)).not.toThrow();
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });

  it('every text input, file input and checkbox has a label', () => {
    const html = settingsPageResponse(undefined, config).body;
    const ids = [...html.matchAll(/<input id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(
      expect.arrayContaining(['senderEmail', 'senderName', 'tenantId', 'clientId', 'clientSecret', 'serviceAccountKey', 'to']),
    );
    for (const id of ids) expect(html).toContain(`<label for="${id}"`);
    // Radios are wrapped in their label.
    expect([...html.matchAll(/<input type="radio"/g)].length).toBe(
      [...html.matchAll(/<label class="choice"[^>]*><input type="radio"/g)].length,
    );
    expect(html).not.toMatch(/https?:\/\//); // no external fonts, scripts or CDNs
  });
});

describe('explainCode', () => {
  it('gives the registry hint of a known code, 404 for anything else', () => {
    expect(explainCode('MS_APP_NOT_IN_TENANT')).toEqual({ code: 'MS_APP_NOT_IN_TENANT', hint: ERROR_CODES.MS_APP_NOT_IN_TENANT.hint });
    expect(() => explainCode('toString')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

describe('revocable links', () => {
  it('a revoke refuses every link issued before it, and links issued after it work', async () => {
    const before = tokenOf((await links.create('revoked-org', undefined)).url);
    const other = tokenOf((await links.create('other-org', undefined)).url);
    await expect(links.session(before)).resolves.toMatchObject({ orgId: 'revoked-org' });
    await links.revoke('revoked-org');
    const error = await mailerFailure(links.session(before));
    expect([error.code, error.status, error.message]).toEqual(['ADMIN_LINK_INVALID', 401, expect.stringMatching(/revoked/)]);
    await expect(links.session(other)).resolves.toMatchObject({ orgId: 'other-org' });
    const after = tokenOf((await links.create('revoked-org', undefined)).url);
    await expect(links.session(after)).resolves.toMatchObject({ orgId: 'revoked-org' });
  });
});
