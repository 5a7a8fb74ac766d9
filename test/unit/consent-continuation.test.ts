/**
 * The provider-neutral consent machinery with a two-step flow: what the first step proved travels
 * server-side with a NEW single-use state (never in the browser), the second step gets it, PKCE is
 * only for the step that exchanges a code, and every state is spent by its first answer.
 */
import { decodeJwt } from 'jose';
import type { Config } from '@shared/config';
import { createConsentService } from '@shared/consent/service';
import type { AuthorizationRequest, CallbackRequest, ConsentFlow } from '@shared/consent/types';
import type { ConsentStateStore, PendingConsent } from '@shared/store/consentStates';
import { mailerFailure } from '../support/mailer-error';

const config = {
  stateSigningKey: 'k'.repeat(40),
  publicBaseUrl: 'https://mailer.example',
  returnUrlAllowlist: ['https://mailer.example'],
} as unknown as Config;

const BROWSER = 'b'.repeat(43);

/** The store's rules in memory: claim once, consume once and only by the claiming browser. */
function memoryStates(): ConsentStateStore & { rows: Map<string, PendingConsent & { consumed?: boolean }> } {
  const rows = new Map<string, PendingConsent & { consumed?: boolean }>();
  return {
    rows,
    async begin(pending) {
      rows.set(`${pending.orgId}/${pending.nonce}`, { ...pending });
    },
    async claim(orgId, nonce, hash) {
      const row = rows.get(`${orgId}/${nonce}`);
      if (!row || row.consumed) return 'spent';
      row.browserHash ??= hash;
      return row.browserHash === hash ? row : 'other-browser';
    },
    async consume(orgId, nonce, hash) {
      const row = rows.get(`${orgId}/${nonce}`);
      if (!row || row.consumed) return 'spent';
      if (row.browserHash !== hash) return 'other-browser';
      row.consumed = true;
      return row;
    },
    async park() {},
    async takeParked() {
      return 'spent';
    },
  };
}

const asked: AuthorizationRequest[] = [];
const answered: CallbackRequest[] = [];
const flow: ConsentFlow = {
  provider: 'microsoft',
  mode: 'admin_consent',
  usesPkce: true,
  authorizationUrl(request) {
    asked.push(request);
    return `https://idp.example/${request.binding ? `${request.binding.tenantId}/grant` : 'sign-in'}?state=${request.state}`;
  },
  async complete(request) {
    answered.push(request);
    if (!request.binding) return { continueWith: { tenantId: 'tenant-1', oid: 'user-1', username: 'admin@one.example' } };
    return {
      fields: { tenantId: request.binding.tenantId, consentedBy: { oid: request.binding.oid, username: request.binding.username } },
      secrets: {},
    };
  },
};

it('carries the proof of step 1 server-side into step 2, with its own state, and spends each state once', async () => {
  const states = memoryStates();
  const service = createConsentService({ config, states, context: {} as never, flowFor: async () => flow, now: Date.now });
  const link = await service.createLink('acme', {
    provider: 'microsoft',
    mode: 'admin_consent',
    returnUrl: 'https://mailer.example/settings',
  });
  expect(link.url.startsWith('https://mailer.example/api/oauth/start?state=')).toBe(true);
  const signIn = new URL(await service.start(new URL(link.url).searchParams.get('state'), BROWSER));
  expect(asked[0]).toMatchObject({ binding: undefined, codeChallenge: expect.any(String) });
  expect(asked[0].nonce).toBe(decodeJwt(signIn.searchParams.get('state')!).jti);

  const first = new URLSearchParams({ state: signIn.searchParams.get('state')!, code: 'c' });
  await expect(mailerFailure(service.complete('microsoft', first, 'x'.repeat(43)))).resolves.toMatchObject({
    code: 'CONSENT_BROWSER_MISMATCH',
  });
  const step = await service.complete('microsoft', first, BROWSER);
  if (!('next' in step)) throw new Error('expected a continuation');
  const next = new URL(step.next);
  expect(next.pathname).toBe('/tenant-1/grant');
  expect(answered[0]).toMatchObject({ nonce: asked[0].nonce, codeVerifier: expect.any(String), binding: undefined });
  // The new state names nothing of the proof: the tenant and the admin stay in its Table row.
  const secondState = next.searchParams.get('state')!;
  expect(JSON.stringify(decodeJwt(secondState))).not.toMatch(/tenant-1|user-1|admin@one/);
  expect(decodeJwt(secondState)).toMatchObject({ org: 'acme', ret: 'https://mailer.example/settings' });
  expect(asked[1]).toMatchObject({ binding: { tenantId: 'tenant-1' }, codeChallenge: undefined });

  await expect(mailerFailure(service.complete('microsoft', first, BROWSER))).resolves.toMatchObject({ code: 'STATE_INVALID' });
  // The continuation is bound to the same browser without another start.
  await expect(mailerFailure(service.complete('microsoft', new URLSearchParams({ state: secondState }), undefined))).resolves.toMatchObject(
    { code: 'CONSENT_BROWSER_MISMATCH' },
  );
  const done = await service.complete('microsoft', new URLSearchParams({ state: secondState }), BROWSER);
  if (!('outcome' in done)) throw new Error('expected an outcome');
  expect(done.outcome.fields).toEqual({ tenantId: 'tenant-1', consentedBy: { oid: 'user-1', username: 'admin@one.example' } });
  expect(answered[1]).toMatchObject({ binding: { tenantId: 'tenant-1', oid: 'user-1' }, codeVerifier: undefined });
  await expect(mailerFailure(service.complete('microsoft', new URLSearchParams({ state: secondState }), BROWSER))).resolves.toMatchObject({
    code: 'STATE_INVALID',
  });
});
