/**
 * The sandbox's Google OAuth and Gmail on the wire: the error bodies and checks a client could tell
 * apart from Google's (docs/providers.md), exercised with plain HTTPS requests.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { config, consent, sandboxControl } from './google-helpers';

const MAILER = 'mailer@fabrikam-project.iam.gserviceaccount.com';
const SEND = 'https://www.googleapis.com/auth/gmail.send';

beforeEach(() => sandboxControl('POST', 'reset'));

async function post(url: string, form: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

async function assertion(claims: Record<string, unknown>, pem?: string): Promise<string> {
  const key = await sandboxControl<{ private_key: string; private_key_id: string }>('GET', `google/service-accounts/${MAILER}/key`);
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: MAILER,
    sub: 'alerts@fabrikam.example',
    aud: config.google.tokenUrl,
    scope: SEND,
    iat: now,
    exp: now + 3600,
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: key.private_key_id })
    .sign(await importPKCS8(pem ?? key.private_key, 'RS256'));
}

const jwtGrant = async (jwt: string) =>
  post(config.google.tokenUrl, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt });

describe('sandbox Google OAuth', () => {
  it('issues a pretty-printed Bearer token for a delegated service account', async () => {
    const answer = await jwtGrant(await assertion({}));
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('application/json; charset=utf-8');
    expect(answer.text).toMatch(/^\{\n {2}"access_token": "ya29\./);
    expect(JSON.parse(answer.text)).toEqual({ access_token: expect.any(String), expires_in: 3599, token_type: 'Bearer' });
  });

  it.each([
    [
      'a foreign signature',
      async () =>
        assertion({}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      400,
      'invalid_grant',
      'Invalid JWT Signature.',
    ],
    [
      'another audience',
      async () => assertion({ aud: 'https://oauth2.googleapis.com/token' }),
      400,
      'invalid_grant',
      'Invalid JWT: Failed audience check.',
    ],
    [
      'a scope outside the delegation',
      async () => assertion({ scope: 'https://mail.google.com/' }),
      401,
      'unauthorized_client',
      'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
    ],
    ['an unknown user', async () => assertion({ sub: 'ghost@fabrikam.example' }), 400, 'invalid_grant', 'Invalid email or User ID'],
  ])('refuses %s like Google', async (_label, make, status, error, description) => {
    const answer = await jwtGrant(await make());
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text)).toEqual({ error, error_description: description });
  });

  it("refresh tokens: refused after revocation with Google's invalid_grant body", async () => {
    const outcome = await (await consent('alerts@fabrikam.example')).complete();
    const refresh = () =>
      post(config.google.tokenUrl, {
        grant_type: 'refresh_token',
        refresh_token: outcome.secrets.refreshToken,
        client_id: config.google.clientId,
        client_secret: config.google.clientSecret,
      });
    expect((await refresh()).status).toBe(200);
    expect((await post(config.google.tokenUrl.replace(/token$/, 'revoke'), { token: outcome.secrets.refreshToken })).status).toBe(200);
    const refused = await refresh();
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    const wrongSecret = await post(config.google.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: config.google.clientId,
      client_secret: 'nope',
    });
    expect(wrongSecret.status).toBe(401);
    expect(JSON.parse(wrongSecret.text).error).toBe('invalid_client');
  });
});

describe('sandbox Gmail', () => {
  const gmail = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${config.google.gmailApiUrl}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
    });

  it('answers 401 authError with WWW-Authenticate, and 403 insufficientPermissions for sendAs with gmail.send only', async () => {
    const unauthenticated = await gmail('/gmail/v1/users/me/settings/sendAs');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toContain('invalid_token');
    expect(((await unauthenticated.json()) as { error: { status: string; errors: Array<{ reason: string }> } }).error).toMatchObject({
      status: 'UNAUTHENTICATED',
      errors: [{ reason: 'authError' }],
    });

    const token = (JSON.parse((await jwtGrant(await assertion({}))).text) as { access_token: string }).access_token;
    const forbidden = await gmail('/gmail/v1/users/me/settings/sendAs', token);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({
      error: {
        code: 403,
        message: 'Request had insufficient authentication scopes.',
        errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
        status: 'PERMISSION_DENIED',
      },
    });
  });

  it("accepts uploadType=media, needs a recipient, and refuses another user's mailbox", async () => {
    const token = (JSON.parse((await jwtGrant(await assertion({}))).text) as { access_token: string }).access_token;
    const message = 'From: alerts@fabrikam.example\r\nTo: a@example.com\r\nSubject: media\r\n\r\nhi\r\n';
    const media = await gmail('/upload/gmail/v1/users/me/messages/send?uploadType=media', token, {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822' },
      body: message,
    });
    expect(media.status).toBe(200);
    expect(await media.json()).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{16}$/), labelIds: ['SENT'] });

    const noRecipient = await gmail('/gmail/v1/users/me/messages/send', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ raw: Buffer.from('From: alerts@fabrikam.example\r\nSubject: x\r\n\r\nx').toString('base64url') }),
    });
    expect(noRecipient.status).toBe(400);
    expect(((await noRecipient.json()) as { error: { message: string } }).error.message).toBe('Recipient address required');

    const other = await gmail('/gmail/v1/users/admin@fabrikam.example/messages/send', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"raw":"eA"}',
    });
    expect(other.status).toBe(403);
  });
});
