/**
 * The tenant an org gets is proven by its admin's own verified sign-in. Through
 * the real HTTP API (local host in-process, Azurite) against the sandbox's two Entra tenants
 * (Contoso, Northwind) and Google: (a) the forged callback without any sign-in, (b) a Northwind
 * admin swapping `tenant` to Contoso, (c) a non-admin's sign-in, (d) the legitimate flow end to end,
 * and Google states reused or moved to another org. Every answer and log line is kept and searched
 * for secrets, codes and tokens at the end.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { transcriptApi } from './api-transcript';
import {
  CONTOSO_TENANT_ID,
  CONTOSO_USER_IDS,
  NORTHWIND_TENANT_ID,
  NORTHWIND_USER_IDS,
  PLATFORM_APP_ID,
  PLATFORM_APP_SECRET,
  VAULT_CLIENT_SECRET,
} from '../../dev/sandbox/world';
import { loadConfig } from '@shared/config';
import { sandboxControl } from '../support/env';
import { followAdminConsent, followConsentPage, followFormPostPage, sandboxMessages } from './microsoft-helpers';

const config = loadConfig();
const KEY = process.env.LOCAL_FUNCTION_KEY!;

let host: LocalHost;
const transcript: string[] = [];
/** Codes and secrets seen by the "browser" in this file: none may ever come back in an answer or a log line. */
const secretsUsed = new Set<string>([PLATFORM_APP_SECRET, VAULT_CLIENT_SECRET, config.stateSigningKey, KEY]);

const { api, callback, postCallback, open } = transcriptApi(() => host, transcript, secretsUsed);
const newOrg = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const consentLink = async (orgId: string, provider = 'microsoft', mode = 'admin_consent') => {
  const link = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider, mode });
  expect(link.status).toBe(200);
  // Opened by the test's browser: the provider URL, and the link bound to that browser.
  return open(link.body.url as string);
};
const senderOf = (orgId: string) => api('GET', `orgs/${orgId}/sender`);

/** Org A (Contoso) consents the proven way first: the platform app then has a service principal in Contoso. */
async function contosoConsented(): Promise<string> {
  const orgA = newOrg('contoso');
  const { callback: back } = await followAdminConsent(await consentLink(orgA), 'admin@contoso.example', postCallback);
  expect((await callback(back)).status).toBe(200);
  expect((await senderOf(orgA)).body.tenantId).toBe(CONTOSO_TENANT_ID);
  return orgA;
}

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  const originals = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  for (const level of ['log', 'warn', 'error', 'info'] as const) {
    console[level] = (...args: unknown[]) => {
      transcript.push(args.map(String).join(' '));
      originals[level](...args);
    };
  }
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: (line) => transcript.push(line) });
});
afterAll(() => host?.close());

describe('Microsoft admin consent binds the tenant of a verified admin sign-in', () => {
  it("(a) the forged callback `admin_consent=True&tenant=<Contoso>&state=<B's state>` without any sign-in is refused, although Contoso consented earlier", async () => {
    await contosoConsented();
    const orgB = newOrg('forger');
    const state = new URL(await consentLink(orgB)).searchParams.get('state')!;
    const forged = await api(
      'GET',
      `oauth/microsoft/callback?admin_consent=True&tenant=${CONTOSO_TENANT_ID}&state=${encodeURIComponent(state)}`,
      undefined,
      { key: false },
    );
    expect(forged.status).toBe(400);
    expect(forged.text).toContain('CONSENT_ID_TOKEN_INVALID');
    expect(forged.text).toContain('did not come from a Microsoft sign-in');
    expect((await senderOf(orgB)).status).toBe(404);
    // The state was consumed: the same link cannot be finished later, not even by a real sign-in.
    const again = await api(
      'GET',
      `oauth/microsoft/callback?admin_consent=True&tenant=${CONTOSO_TENANT_ID}&state=${encodeURIComponent(state)}`,
      undefined,
      { key: false },
    );
    expect(again.text).toContain('STATE_INVALID');
  });

  it('(b) a Northwind admin who really consents cannot swap `tenant` to Contoso in the redirect: 400 CONSENT_TENANT_MISMATCH, nothing stored, state spent', async () => {
    await contosoConsented();
    const orgB = newOrg('northwind');
    const { callback: back, consentUrl } = await followAdminConsent(await consentLink(orgB), 'admin@northwind.example', postCallback);
    expect(consentUrl.pathname).toBe(`/${NORTHWIND_TENANT_ID}/v2.0/adminconsent`);
    expect(back.searchParams.get('tenant')).toBe(NORTHWIND_TENANT_ID);
    const swapped = new URL(back);
    swapped.searchParams.set('tenant', CONTOSO_TENANT_ID);
    const answer = await callback(swapped);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('CONSENT_TENANT_MISMATCH');
    expect(answer.text).toContain(`names tenant ${CONTOSO_TENANT_ID}, but the administrator signed in to tenant ${NORTHWIND_TENANT_ID}`);
    expect((await senderOf(orgB)).status).toBe(404);
    // Single use: the genuine Northwind answer with the same state is now refused too.
    expect((await callback(back)).text).toContain('STATE_INVALID');
    expect((await senderOf(orgB)).status).toBe(404);
  });

  it('(b) nor can the admin consent page be pointed at another tenant: Entra refuses a Northwind account in Contoso', async () => {
    const orgB = newOrg('northwind');
    const signIn = await followFormPostPage(await consentLink(orgB), 'admin@northwind.example');
    const next = new URL((await postCallback(signIn.action, signIn.fields)).headers.get('location')!);
    next.pathname = `/${CONTOSO_TENANT_ID}/v2.0/adminconsent`;
    const back = await followConsentPage(next.toString(), 'admin@northwind.example');
    expect(back.searchParams.get('error')).toBe('access_denied'); // AADSTS50020: the account is not in that tenant
    expect((await callback(back)).text).toContain('CONSENT_DECLINED');
    expect((await senderOf(orgB)).status).toBe(404);
  });

  it.each([
    ['staff@northwind.example', 'northwind'],
    ['notifications@contoso.example', 'contoso'],
  ])(
    '(c) the sign-in of %s, who holds no admin role, is refused with CONSENT_NOT_ADMIN in plain words; nothing stored',
    async (upn, prefix) => {
      const orgId = newOrg(prefix);
      const signIn = await followFormPostPage(await consentLink(orgId), upn);
      const answer = await postCallback(signIn.action, signIn.fields);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/text\/html/);
      expect(answer.text).toContain('CONSENT_NOT_ADMIN');
      expect(answer.text).toContain(`${upn} is not an active Global Administrator or Privileged Role Administrator`);
      expect(answer.text).toContain('Privileged Identity Management');
      expect((await senderOf(orgId)).status).toBe(404);
      expect((await postCallback(signIn.action, signIn.fields)).text).toContain('STATE_INVALID');
    },
  );

  it('an Application Administrator cannot bind a tenant: step 1 refuses the role (CONSENT_NOT_ADMIN, PIM hint), and step 2 typed by hand with any state the flow gave out stores nothing', async () => {
    await contosoConsented(); // the platform app already has a service principal in Contoso
    const orgId = newOrg('appadmin');
    const link = await consentLink(orgId);
    const signIn = await followFormPostPage(link, 'appadmin@contoso.example');
    const refused = await postCallback(signIn.action, signIn.fields);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('CONSENT_NOT_ADMIN');
    expect(refused.text).toContain('appadmin@contoso.example is not an active Global Administrator or Privileged Role Administrator');
    expect(refused.text).toContain('activate it first');
    expect(refused.headers.get('location')).toBeNull(); // no continuation: no state for step 2
    // Step 2 typed with the state of step 1 (spent), or of a fresh link (no sign-in behind it).
    for (const state of [signIn.fields.get('state')!, new URL(await consentLink(orgId)).searchParams.get('state')!]) {
      const typed = await api(
        'GET',
        `oauth/microsoft/callback?admin_consent=True&tenant=${CONTOSO_TENANT_ID}&state=${encodeURIComponent(state)}`,
        undefined,
        { key: false },
      );
      expect(typed.status).toBe(400);
      expect(typed.text).toMatch(/STATE_INVALID|CONSENT_ID_TOKEN_INVALID/);
    }
    expect((await senderOf(orgId)).status).toBe(404);
    // A Global Administrator of the same tenant still connects.
    const ok = newOrg('appadmin-ga');
    const { callback: back } = await followAdminConsent(await consentLink(ok), 'admin@contoso.example', postCallback);
    expect((await callback(back)).status).toBe(200);
    expect((await senderOf(ok)).body).toMatchObject({ tenantId: CONTOSO_TENANT_ID });
  });

  it('a code injected from another sign-in (wrong PKCE verifier) is STATE_INVALID with its reason, not MS_REAUTH_REQUIRED; nothing stored', async () => {
    const victim = newOrg('pkce');
    const attacker = await followFormPostPage(await consentLink(newOrg('pkce-other')), 'admin@northwind.example');
    const mine = await followFormPostPage(await consentLink(victim), 'admin@northwind.example');
    const injected = new URLSearchParams({ code: attacker.fields.get('code')!, state: mine.fields.get('state')! });
    const answer = await postCallback(mine.action, injected);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('STATE_INVALID');
    expect(answer.text).toContain('did not start (the PKCE proof does not match)');
    expect(answer.text).not.toContain('MS_REAUTH_REQUIRED');
    expect((await senderOf(victim)).status).toBe(404);
  });

  it('a replayed sign-in form, or a code from a sign-in this link did not start, is refused; nothing stored', async () => {
    const orgId = newOrg('replay');
    const signIn = await followFormPostPage(await consentLink(orgId), 'admin@northwind.example');
    expect((await postCallback(signIn.action, signIn.fields)).status).toBe(303);
    const replay = await postCallback(signIn.action, signIn.fields);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('STATE_INVALID');
    // A code from a sign-in that was not started by this link (no matching PKCE verifier) is refused by Entra.
    const other = newOrg('replay');
    const theirs = await followFormPostPage(await consentLink(other), 'admin@northwind.example');
    const mine = await followFormPostPage(await consentLink(orgId), 'admin@northwind.example');
    const mixed = new URLSearchParams({ code: theirs.fields.get('code')!, state: mine.fields.get('state')! });
    const answer = await postCallback(mine.action, mixed);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect((await senderOf(orgId)).status).toBe(404);
  });

  it("(d) the legitimate flow: Northwind's admin consents, the view says who and when, and Save and test sends from Northwind", async () => {
    const orgId = newOrg('northwind');
    const { callback: back } = await followAdminConsent(await consentLink(orgId), 'admin@northwind.example', postCallback);
    const page = await callback(back);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Connected');
    expect(page.text).toContain(NORTHWIND_TENANT_ID);
    const view = (await senderOf(orgId)).body;
    expect(view).toMatchObject({
      mode: 'admin_consent',
      tenantId: NORTHWIND_TENANT_ID,
      consentedBy: { oid: NORTHWIND_USER_IDS.admin, username: 'admin@northwind.example' },
    });
    expect(Math.abs(Date.parse(view.consentedAt) - Date.now())).toBeLessThan(60_000);

    expect(
      (
        await api('PUT', `orgs/${orgId}/sender`, {
          provider: 'microsoft',
          mode: 'admin_consent',
          senderEmail: 'admin@northwind.example',
          senderName: 'Northwind',
        })
      ).status,
    ).toBe(200);
    await sandboxControl('DELETE', 'messages');
    const test = await api('POST', `orgs/${orgId}/sender/test`, { to: 'it@northwind.example' });
    expect(test.status).toBe(200);
    const messages = await sandboxMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      mailbox: 'admin@northwind.example',
      from: { address: 'admin@northwind.example', name: 'Northwind' },
    });
  });

  it('(d) several orgs may share one tenant, each through its own proven consent', async () => {
    const first = await contosoConsented();
    const second = await contosoConsented();
    for (const orgId of [first, second]) {
      expect((await senderOf(orgId)).body).toMatchObject({ tenantId: CONTOSO_TENANT_ID, consentedBy: { oid: CONTOSO_USER_IDS.admin } });
    }
  });

  it('without `wids` in the ID token (the app registration does not ask for directory roles) nobody counts as an admin', async () => {
    const apps = await sandboxControl<Array<{ clientId: string; groupMembershipClaims?: string }>>('GET', 'entra/apps');
    expect(apps.find((a) => a.clientId === PLATFORM_APP_ID)?.groupMembershipClaims).toBe('DirectoryRole');
    await sandboxControl('POST', `entra/apps/${PLATFORM_APP_ID}/group-membership-claims`, { value: 'None' });
    try {
      const orgId = newOrg('nowids');
      const signIn = await followFormPostPage(await consentLink(orgId), 'admin@contoso.example');
      const answer = await postCallback(signIn.action, signIn.fields);
      expect(answer.status).toBe(400);
      expect(answer.text).toContain('CONSENT_NOT_ADMIN');
      expect(answer.text).toContain('carries no directory roles');
    } finally {
      await sandboxControl('POST', `entra/apps/${PLATFORM_APP_ID}/group-membership-claims`, { value: 'DirectoryRole' });
    }
  });
});

describe('Microsoft delegated sign-in: the tenant comes from the verified ID token', () => {
  it('a Northwind user signs in: tenant and account from the ID token, consentedBy recorded', async () => {
    const orgId = newOrg('deleg');
    const link = await api('POST', `orgs/${orgId}/sender/consent-link`, { provider: 'microsoft', mode: 'delegated' });
    const signInUrl = await open(link.body.url);
    expect(new URL(signInUrl).searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const signIn = await followFormPostPage(signInUrl, 'staff@northwind.example');
    expect((await postCallback(signIn.action, signIn.fields)).status).toBe(200);
    expect((await senderOf(orgId)).body).toMatchObject({
      mode: 'delegated',
      tenantId: NORTHWIND_TENANT_ID,
      accountEmail: 'staff@northwind.example',
      consentedBy: { oid: NORTHWIND_USER_IDS.staff, username: 'staff@northwind.example' },
    });
  });
});

describe('Google: a state is single use and bound to its org', () => {
  beforeAll(() =>
    sandboxControl('POST', `google/clients/${encodeURIComponent(config.google.clientId)}/redirect-uris`, {
      uri: `${config.publicBaseUrl}/api/oauth/google/callback`,
    }),
  );

  /** The sandbox's Google page as alerts@, approved: the callback URL it sends the browser to. */
  async function googleAnswer(orgId: string): Promise<URL> {
    const page = new URL(await consentLink(orgId, 'google', 'oauth'));
    page.searchParams.set('login_hint', 'alerts@fabrikam.example');
    page.searchParams.set('sandbox_action', 'approve');
    const response = await fetch(page, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const back = new URL(response.headers.get('location')!);
    secretsUsed.add(back.searchParams.get('code')!);
    return back;
  }

  it('a replayed state is refused and changes nothing', async () => {
    const orgId = newOrg('google');
    const back = await googleAnswer(orgId);
    expect((await callback(back)).status).toBe(200);
    const version = (await senderOf(orgId)).body.version;
    const replay = await callback(back);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('STATE_INVALID');
    expect((await senderOf(orgId)).body.version).toBe(version);
  });

  it("org B's own state carrying org A's code is refused (PKCE) as STATE_INVALID, not a re-auth, and neither org gets a sender", async () => {
    const orgA = newOrg('google-a');
    const orgB = newOrg('google-b');
    const answerA = await googleAnswer(orgA);
    const answerB = await googleAnswer(orgB);
    const moved = new URL(answerB);
    moved.searchParams.set('code', answerA.searchParams.get('code')!);
    const answer = await callback(moved);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('STATE_INVALID');
    expect(answer.text).toContain('did not start (the PKCE proof does not match)');
    expect(answer.text).not.toContain('GOOGLE_REAUTH_REQUIRED');
    expect((await senderOf(orgB)).status).toBe(404);
    expect((await senderOf(orgA)).status).toBe(404);
    expect((await callback(answerB)).text).toContain('STATE_INVALID'); // B's state was spent by the attempt
  });

  it("org A's state re-labelled for org B (claims edited, signature kept) is refused", async () => {
    const orgA = newOrg('google-a');
    const orgB = newOrg('google-b');
    const back = await googleAnswer(orgA);
    const [header, payload, signature] = back.searchParams.get('state')!.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = new URL(back);
    forged.searchParams.set(
      'state',
      `${header}.${Buffer.from(JSON.stringify({ ...claims, org: orgB })).toString('base64url')}.${signature}`,
    );
    const answer = await callback(forged);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('STATE_INVALID');
    expect((await senderOf(orgB)).status).toBe(404);
    expect((await callback(back)).status).toBe(200); // the genuine answer still works once, for A
  });
});

describe('nothing secret leaves', () => {
  it('no code, secret, ID token or access token appears in any answer or log line of this file', () => {
    const everything = transcript.join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    for (const secret of secretsUsed) expect(everything).not.toContain(secret);
    // The only JWTs we ever hand out are our own consent states (HS256, our audience).
    const jwts = everything.match(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g) ?? [];
    expect(jwts.length).toBeGreaterThan(0);
    for (const jwt of jwts) {
      expect(JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).alg).toBe('HS256');
      expect(JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).aud).toBe('org-mailer/oauth-callback');
    }
  });
});
