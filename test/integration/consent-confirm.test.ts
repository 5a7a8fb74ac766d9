/**
 * Confirming an admin consent (shared/providers/microsoft/consentConfirm.ts) against the sandbox's
 * Entra: the grant is proven by the app roles in the app's own token, through Entra's replication
 * delay. The flows' `complete()` is called as the consent machinery calls it for step 2; the pauses
 * of the back-off go through an injected sleeper that moves the SANDBOX clock, so a 20 s delay and
 * the two-minute bound cost no real waiting.
 */
import { loadConfig } from '@shared/config';
import type { CallbackRequest, ConsentFlow, ConsentOutcome } from '@shared/consent/types';
import { adminConsentFlow } from '@shared/providers/microsoft/adminConsent';
import { CONFIRM_PAUSES_MS } from '@shared/providers/microsoft/consentConfirm';
import { directoryApplicationFlow } from '@shared/providers/microsoft/directoryConsent';
import type { ProviderContext } from '@shared/providers/module';
import { createSecretStore } from '@shared/store/secretStore';
import { NORTHWIND_TENANT_ID, NORTHWIND_USER_IDS, PLATFORM_APP_ID, PLATFORM_REDIRECT_URI } from '../../dev/sandbox/world';
import { sandboxControl, sandboxUrls } from '../support/env';
import { mailerFailure } from '../support/mailer-error';
import { followConsentPage } from './microsoft-helpers';

const config = loadConfig();
const binding = { tenantId: NORTHWIND_TENANT_ID, oid: NORTHWIND_USER_IDS.admin, username: 'admin@northwind.example' };

/** A context whose sleeper advances the sandbox clock and records each pause. */
function fakeTime(): { ctx: ProviderContext; pauses: number[] } {
  const pauses: number[] = [];
  const sleep = async (ms: number) => {
    pauses.push(ms);
    await sandboxControl('POST', 'clock', { advanceSeconds: ms / 1000 });
  };
  return { ctx: { config, secrets: createSecretStore(config), sleep }, pauses };
}

/** Northwind's admin accepts on the sandbox's tenant-specific adminconsent page for `clientId`; the answer's query. */
async function consentAtEntra(clientId: string): Promise<URLSearchParams> {
  const page = new URL(`${sandboxUrls.entra}/${NORTHWIND_TENANT_ID}/v2.0/adminconsent`);
  for (const [key, value] of Object.entries({
    client_id: clientId,
    scope: 'https://graph.microsoft.com/.default',
    redirect_uri: PLATFORM_REDIRECT_URI,
    state: 's',
  }))
    page.searchParams.set(key, value);
  return (await followConsentPage(page.toString(), 'admin@northwind.example')).searchParams;
}

const step2 = (flow: ConsentFlow, query: URLSearchParams, ctx: ProviderContext) =>
  flow.complete(
    { query, binding, orgId: 'org-confirm', redirectUri: PLATFORM_REDIRECT_URI } as CallbackRequest,
    ctx,
  ) as Promise<ConsentOutcome>;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

beforeEach(() => sandboxControl('POST', 'reset'));
afterAll(() => sandboxControl('POST', 'reset'));

describe('admin consent confirmation waits out Entra replication, within a bound', () => {
  it.each([
    ['the sender (platform app, Mail.Send)', adminConsentFlow, PLATFORM_APP_ID],
    [
      'the directory application mode (directory app, User.Read.All + Group.Read.All)',
      directoryApplicationFlow,
      config.microsoft.directoryApp!.clientId,
    ],
  ])('%s: a service principal that appears 20 s after consent completes the consent', async (_name, flow, clientId) => {
    await sandboxControl('POST', 'entra/replication-delay', { seconds: 20 });
    const query = await consentAtEntra(clientId);
    const { ctx, pauses } = fakeTime();
    const outcome = await step2(flow, query, ctx);
    expect(outcome.fields).toMatchObject({ tenantId: NORTHWIND_TENANT_ID, consentedBy: { oid: NORTHWIND_USER_IDS.admin } });
    // It waited (the first attempts met AADSTS700016) and stopped as soon as the app was visible.
    expect(sum(pauses)).toBeGreaterThanOrEqual(20_000);
    expect(sum(pauses)).toBeLessThan(20_000 + Math.max(...CONFIRM_PAUSES_MS));
    const tokens = await sandboxControl(
      'GET',
      `entra/tokens?clientId=${clientId}&tenantId=${NORTHWIND_TENANT_ID}&grantType=client_credentials`,
    );
    expect(tokens.count).toBe(1); // one token issued: the refused attempts got none
  });

  it('beyond the bound it fails with CONSENT_REPLICATION_TIMEOUT and its hint, after about two minutes of pauses, returning nothing to store', async () => {
    expect(sum([...CONFIRM_PAUSES_MS])).toBeGreaterThanOrEqual(110_000);
    expect(sum([...CONFIRM_PAUSES_MS])).toBeLessThanOrEqual(130_000);
    await sandboxControl('POST', 'entra/replication-delay', { seconds: 600 });
    const query = await consentAtEntra(PLATFORM_APP_ID);
    const { ctx, pauses } = fakeTime();
    const error = await mailerFailure(step2(adminConsentFlow, query, ctx));
    expect(error.code).toBe('CONSENT_REPLICATION_TIMEOUT');
    expect(error.providerCode).toBe('AADSTS700016');
    expect(error.message).toContain(`tenant ${NORTHWIND_TENANT_ID}`);
    expect(error.hint).toMatch(/open the consent link again/);
    expect(pauses).toEqual([...CONFIRM_PAUSES_MS]);
  });

  it('a refusal no waiting can change (the platform secret is wrong) fails at once, without pauses', async () => {
    const query = await consentAtEntra(PLATFORM_APP_ID);
    const { ctx, pauses } = fakeTime();
    const wrongSecret = { ...ctx, config: { ...config, microsoft: { ...config.microsoft, clientSecret: 'not-the-secret' } } };
    const error = await mailerFailure(step2(adminConsentFlow, query, wrongSecret));
    expect(error.code).toBe('MS_SECRET_INVALID');
    expect(pauses).toEqual([]);
  });
});

describe('the confirmation requires the roles the consent grants, not only a service principal', () => {
  it('a Global Administrator who types step 2 where the platform app has a service principal WITHOUT Mail.Send is refused: CONSENT_PERMISSION_NOT_GRANTED', async () => {
    // E.g. created by a user's delegated sign-in, or Mail.Send removed in favour of Exchange RBAC for Applications.
    await sandboxControl('POST', 'entra/grants', { tenantId: NORTHWIND_TENANT_ID, clientId: PLATFORM_APP_ID, appRoles: [] });
    const typed = new URLSearchParams({ admin_consent: 'True', tenant: NORTHWIND_TENANT_ID, state: 's' });
    const { ctx, pauses } = fakeTime();
    const error = await mailerFailure(step2(adminConsentFlow, typed, ctx));
    expect(error.code).toBe('CONSENT_PERMISSION_NOT_GRANTED');
    expect(error.message).toContain('does not carry Mail.Send');
    expect(pauses).toEqual([...CONFIRM_PAUSES_MS]); // a role may replicate late, so it was given the same time
  });

  it('the directory app with only one of its two roles is refused, naming the missing one', async () => {
    const directoryApp = config.microsoft.directoryApp!.clientId;
    await sandboxControl('POST', 'entra/grants', { tenantId: NORTHWIND_TENANT_ID, clientId: directoryApp, appRoles: ['User.Read.All'] });
    const typed = new URLSearchParams({ admin_consent: 'True', tenant: NORTHWIND_TENANT_ID, state: 's' });
    const error = await mailerFailure(step2(directoryApplicationFlow, typed, fakeTime().ctx));
    expect(error.code).toBe('CONSENT_PERMISSION_NOT_GRANTED');
    expect(error.message).toContain('does not carry Group.Read.All');
  });
});
