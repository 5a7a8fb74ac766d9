/**
 * The daily health run's keep-alive and expiry notices through the app's real timer function, over
 * Azurite and the sandbox (Entra refresh tokens end after 90 days without use, on the sandbox clock):
 * - an idle delegated sender (last used 80 days ago) gets its sign-in refreshed and still sends after
 *   the sandbox clock moved 80 + 80 days (the original refresh token alone would have expired);
 * - with its sessions revoked, the run marks it needs_attention with MS_REAUTH_REQUIRED;
 * - a client secret 30 days from its end gets one `sender.secret_expiring` event on `delivery-events`.
 */
import type { Timer } from '@azure/functions';
import { createInvocationContext } from '../../dev/host/invocation';
import { CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { listFunctions, TimerFunction } from '../../functions/registry';
import { secretName } from '@shared/store/secretNames';
import { fakeOnly } from '../support/fake-clock';
import { delegatedTokens } from './microsoft-helpers';
import {
  acceptedMessages,
  api,
  message,
  microsoftSender,
  newOrgId,
  sandboxControl,
  startHost,
  TestHost,
  waitForFinal,
} from './delivery-helpers';

let t: TestHost;
const DAY = 24 * 3600 * 1000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  t = await startHost();
});
afterAll(async () => {
  jest.useRealTimers();
  await sandboxControl('POST', 'reset');
  await t?.host.close();
});

async function runHealthTimer(): Promise<string[]> {
  const fn = listFunctions().find((d): d is TimerFunction => d.kind === 'timer' && d.name === 'senderHealth')!;
  const lines: string[] = [];
  const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
  await fn.handler(
    timer,
    createInvocationContext(fn.name, (line) => lines.push(line)),
  );
  return lines;
}

/**
 * Moves the sandbox clock AND this process's clock (Date only; timers stay real) by `days`: both
 * sides then agree that the time passed, as in production, where the app's own Key Vault token is
 * renewed as real time passes (with only the sandbox moved, that token would look 80 days old).
 */
let offsetMs = 0;
async function advanceDays(days: number): Promise<void> {
  await sandboxControl('POST', 'clock', { advanceSeconds: days * 24 * 3600 });
  offsetMs += days * DAY;
  fakeOnly(['Date'], { now: realNow() + offsetMs, advanceTimers: true });
}
const realNow = Date.now;

const refreshGrants = async () => (await sandboxControl('GET', 'entra/tokens?grantType=refresh_token')).count as number;

describe('keep-alive of idle delegated sign-ins', () => {
  const orgId = newOrgId('idle');

  it('refreshes an idle delegated sender, which still sends after the sandbox clock moved 80 + 80 days', async () => {
    const { refresh_token } = await delegatedTokens('admin@contoso.example');
    const name = secretName(orgId, 'refresh-token', 1);
    await t.services.secrets.set(name, refresh_token);
    await microsoftSender(t.services, orgId, {
      mode: 'delegated',
      tenantId: CONTOSO_TENANT_ID,
      clientId: undefined,
      senderEmail: 'admin@contoso.example',
      accountEmail: 'admin@contoso.example',
      secretRefs: { refreshToken: name },
      lastUsedAt: ago(80),
      updatedAt: ago(80),
    });
    await advanceDays(80);
    const before = await refreshGrants();

    const lines = await runHealthTimer();
    expect(lines.join('\n')).toContain(`sender-health: ${orgId} keep-alive refreshed the sign-in`);
    expect(await refreshGrants()).toBeGreaterThan(before);
    const row = (await t.services.senders.store.get(orgId))!.config;
    expect(row).toMatchObject({ status: 'active' });
    expect(Date.parse(row.lastUsedAt!)).toBeGreaterThan(Date.now() - 60_000);
    // The rotated refresh token was saved (a new Key Vault version), not the one we started with.
    t.services.secrets.forget(name);
    expect(await t.services.secrets.get(name)).not.toBe(refresh_token);

    // 160 days after the first sign-in: only the refreshed token still works.
    await advanceDays(80);
    await sandboxControl('DELETE', 'messages');
    expect((await api(t.host, 'POST', `orgs/${orgId}/messages`, message('after-idle'))).status).toBe(202);
    const [status] = [...(await waitForFinal(t.services, orgId, ['after-idle'])).values()];
    expect(status).toMatchObject({ status: 'sent', via: 'org' });
    expect((await acceptedMessages()).map((m) => m.mailbox.toLowerCase())).toContain('admin@contoso.example');
  });

  it('with its sessions revoked, the run marks it needs_attention with MS_REAUTH_REQUIRED', async () => {
    await t.services.senders.store.patch(orgId, { lastUsedAt: ago(30) });
    await sandboxControl('POST', 'entra/users/admin@contoso.example/revoke-sessions');
    const lines = await runHealthTimer();
    expect(lines.join('\n')).toContain(`sender-health: ${orgId} needs_attention (MS_REAUTH_REQUIRED)`);
    expect((await t.services.senders.store.get(orgId))!.config).toMatchObject({
      status: 'needs_attention',
      lastError: { code: 'MS_REAUTH_REQUIRED' },
    });
  });
});

describe('secret expiry notices', () => {
  it('emits sender.secret_expiring once on the platform event bus when the secret is 30 days from its end', async () => {
    const orgId = newOrgId('expiring');
    const expiresOn = new Date(Date.now() + 30 * DAY - 3600_000).toISOString();
    await microsoftSender(t.services, orgId, { clientSecretExpiresOn: expiresOn });
    // The bus (webhooks) is what the health timer hands its events to: hear them there.
    const events: Array<{ type: string; orgId: string; id: string; data: Record<string, unknown> }> = [];
    const bus = t.services.events;
    t.services.events = async (event) => {
      events.push(event as (typeof events)[number]);
      await bus(event);
    };
    try {
      await runHealthTimer();
      await runHealthTimer();
    } finally {
      t.services.events = bus;
    }
    const mine = events.filter((e) => e.orgId === orgId);
    expect(mine).toEqual([
      expect.objectContaining({
        type: 'sender.secret_expiring',
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        data: expect.objectContaining({ provider: 'microsoft', daysBefore: 30, expiresOn }),
      }),
    ]);
    expect((await t.services.senders.store.get(orgId))!.config.secretExpiryNotified).toEqual([`${expiresOn}:30`]);
  });
});
