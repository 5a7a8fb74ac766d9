/**
 * Google `oauth` consent at provider level: the real OAuth2Client against the sandbox's Google
 * accounts page and token endpoint (PKCE, offline access, scopes, ID token, declined and replayed codes).
 */
import { decodeJwt } from 'jose';
import { GOOGLE_OAUTH_SCOPES } from '@shared/providers/google/oauthFlow';
import { config, consent, failure, flow, redirectUri, sandboxControl } from './google-helpers';

beforeEach(() => sandboxControl('POST', 'reset'));

describe('Google oauth consent', () => {
  it('asks Google for offline gmail.send + openid email with PKCE S256, the state and the login hint', () => {
    const url = new URL(
      flow.authorizationUrl({ state: 'st-1', codeChallenge: 'challenge-abc', redirectUri, loginHint: 'alerts@fabrikam.example' }),
    );
    expect(url.origin + url.pathname).toBe(config.google.authUrl);
    const q = url.searchParams;
    expect(q.get('client_id')).toBe(config.google.clientId);
    expect(q.get('redirect_uri')).toBe(redirectUri);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('access_type')).toBe('offline');
    expect(q.get('prompt')).toBe('consent');
    expect(q.get('scope')?.split(' ')).toEqual([...GOOGLE_OAUTH_SCOPES]);
    expect(q.get('code_challenge')).toBe('challenge-abc');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('state')).toBe('st-1');
    expect(q.get('login_hint')).toBe('alerts@fabrikam.example');
  });

  it("completes: the account from the ID token, the refresh token as a secret, issue time on Google's clock", async () => {
    await sandboxControl('POST', 'clock', { advanceSeconds: 3 * 24 * 3600 });
    const { query, complete } = await consent('alerts@fabrikam.example');
    expect(query.get('state')).toBe('signed-state');
    const outcome = await complete();
    expect(outcome.fields.accountEmail).toBe('alerts@fabrikam.example');
    expect(outcome.secrets.refreshToken).toMatch(/^1\/\/0g/);
    const issuedAt = Date.parse(outcome.fields.refreshTokenIssuedAt!);
    // Google's (sandbox) clock runs 3 days ahead of ours; the issue time follows Google's.
    expect(issuedAt - Date.now()).toBeGreaterThan(2.9 * 24 * 3600 * 1000);
    expect(Math.abs(Date.parse(outcome.fields.consentedAt!) - Date.now())).toBeLessThan(60_000);
    expect(Object.keys(outcome.secrets)).toEqual(['refreshToken']);
    expect(JSON.stringify(outcome.fields)).not.toContain(outcome.secrets.refreshToken);
  });

  it('a declined consent is CONSENT_DECLINED and no token is requested', async () => {
    const { query, complete } = await consent('alerts@fabrikam.example', { action: 'deny' });
    expect(query.get('error')).toBe('access_denied');
    const error = await failure(complete());
    expect(error.code).toBe('CONSENT_DECLINED');
    expect(error.status).toBe(400);
    expect(await sandboxControl<unknown[]>('GET', 'requests?service=googleOAuth')).toHaveLength(0);
  });

  it('a reused code is STATE_INVALID (4xx), not a provider failure', async () => {
    const { complete } = await consent('alerts@fabrikam.example');
    await complete();
    const error = await failure(complete());
    expect(error.code).toBe('STATE_INVALID');
    expect(error.status).toBe(400);
  });

  it('a wrong PKCE verifier is refused by Google and reported as STATE_INVALID', async () => {
    const { query } = await consent('alerts@fabrikam.example');
    const error = await failure(flow.complete({ query, codeVerifier: 'x'.repeat(43), redirectUri, orgId: 'fabrikam' }));
    expect(error.code).toBe('STATE_INVALID');
  });

  it('a consent without gmail.send (granular consent unticked) is GOOGLE_SCOPE_MISSING and the grant is given back', async () => {
    const { complete } = await consent('alerts@fabrikam.example', { deselect: 'https://www.googleapis.com/auth/gmail.send' });
    const error = await failure(complete());
    expect(error.code).toBe('GOOGLE_SCOPE_MISSING');
    const revocations = await sandboxControl<Array<{ status: number }>>('GET', 'requests?service=googleOAuth&path=^/revoke$');
    expect(revocations.map((r) => r.status)).toEqual([200]);
  });

  it('the sandbox ID token names the Fabrikam account for the platform client', async () => {
    const { query, codeVerifier } = await consent('alerts@fabrikam.example');
    const response = await fetch(config.google.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.get('code')!,
        code_verifier: codeVerifier,
        redirect_uri: redirectUri,
        client_id: config.google.clientId,
        client_secret: config.google.clientSecret,
      }),
    });
    const body = (await response.json()) as { access_token: string; scope: string; id_token: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect(body.access_token).toMatch(/^ya29\./);
    expect(body.scope.split(' ')).toContain('https://www.googleapis.com/auth/userinfo.email');
    expect(decodeJwt(body.id_token)).toMatchObject({
      iss: 'https://accounts.google.com',
      aud: config.google.clientId,
      email: 'alerts@fabrikam.example',
      email_verified: true,
      hd: 'fabrikam.example',
    });
  });
});
