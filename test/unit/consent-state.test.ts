/** The signed consent state and PKCE: what makes the anonymous callback safe. */
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { createPkcePair, pkceChallenge } from '@shared/consent/pkce';
import { newNonce, signState, STATE_TTL_SECONDS, verifyState } from '@shared/consent/state';
import { consentAnswer } from '@shared/consent/resultPage';
import { MailerError } from '@shared/errors';

const KEY = 'unit-test-state-signing-key-0123456789abcdef';
const state = {
  orgId: 'acme',
  provider: 'microsoft' as const,
  mode: 'admin_consent' as const,
  nonce: 'n-1',
  returnUrl: 'https://app.example.com/settings',
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as MailerError).code;
  }
  return 'resolved';
}

describe('consent state', () => {
  it('round-trips org, provider, mode, nonce and return URL', async () => {
    const token = await signState(state, KEY);
    await expect(verifyState(token, KEY)).resolves.toEqual(state);
  });

  it('does not carry the PKCE verifier or anything secret: only the bound fields', async () => {
    const token = await signState(state, KEY);
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'mode', 'org', 'prv', 'ret']);
    expect(payload.exp - payload.iat).toBe(STATE_TTL_SECONDS);
  });

  it('refuses a state changed in transit (another org swapped in)', async () => {
    const token = await signState(state, KEY);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, org: 'victim' })).toString('base64url');
    expect(await codeOf(verifyState(`${header}.${forged}.${signature}`, KEY))).toBe('STATE_INVALID');
  });

  it('refuses a state signed with another key, and one not signed at all', async () => {
    expect(await codeOf(verifyState(await signState(state, `${KEY}-other`), KEY))).toBe('STATE_INVALID');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"org":"acme"}').toString('base64url')}.`;
    expect(await codeOf(verifyState(unsigned, KEY))).toBe('STATE_INVALID');
    expect(await codeOf(verifyState('not-a-jwt', KEY))).toBe('STATE_INVALID');
  });

  it('expires after 15 minutes', async () => {
    const issued = Date.parse('2026-11-22T04:00:00Z');
    const token = await signState(state, KEY, issued);
    await expect(verifyState(token, KEY, issued + (STATE_TTL_SECONDS - 5) * 1000)).resolves.toMatchObject({ orgId: 'acme' });
    expect(await codeOf(verifyState(token, KEY, issued + (STATE_TTL_SECONDS + 5) * 1000))).toBe('STATE_INVALID');
  });

  it('refuses a JWT with the right key but not made as a consent state (other audience)', async () => {
    const other = await new SignJWT({ org: 'acme', prv: 'microsoft', mode: 'admin_consent' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('org-mailer')
      .setAudience('org-mailer/admin-link')
      .setJti('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(KEY));
    expect(await codeOf(verifyState(other, KEY))).toBe('STATE_INVALID');
  });

  it('nonces are unguessable and distinct', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('PKCE S256', () => {
  it('challenge = BASE64URL(SHA256(verifier)) (RFC 7636 appendix B vector)', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes a 43-character verifier and its matching challenge', () => {
    const pair = createPkcePair();
    expect(pair.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.challenge).toBe(createHash('sha256').update(pair.verifier).digest('base64url'));
    expect(createPkcePair().verifier).not.toBe(pair.verifier);
  });
});

describe('consent result', () => {
  it('redirects to the return URL with the outcome and never a code or token', () => {
    const answer = consentAnswer({
      provider: 'microsoft',
      orgId: 'acme',
      mode: 'admin_consent',
      returnUrl: 'https://app.example.com/settings?tab=mail',
    });
    expect(answer).toEqual({
      kind: 'redirect',
      location: 'https://app.example.com/settings?tab=mail&consent=connected&provider=microsoft&orgId=acme&mode=admin_consent',
    });
  });

  it('shows a plain "declined" page (400) with the hint when there is no return URL', () => {
    const answer = consentAnswer({
      provider: 'microsoft',
      error: new MailerError('CONSENT_DECLINED', 'Consent was declined in Microsoft Entra ID, so nothing was saved.'),
    });
    expect(answer.kind).toBe('page');
    if (answer.kind !== 'page') return;
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('Consent was declined');
    expect(answer.html).toContain('CONSENT_DECLINED');
  });

  it('escapes what it shows', () => {
    const answer = consentAnswer({ provider: 'microsoft', orgId: '<script>', tenantId: 't' });
    expect(answer.kind === 'page' && answer.html).not.toContain('<script>');
  });
});
