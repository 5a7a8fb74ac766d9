/**
 * A client secret that expires mid-stream: the org's sender becomes needs_attention with
 * MS_SECRET_EXPIRED; with fallback the rest go out through the default sender and say so, without
 * it they fail with the code. The expiry is real: the sandbox's Entra refuses the expired secret
 * with AADSTS7000222 when the provider next asks for a token.
 */
import { CONTOSO_EXPIRED_SECRET } from '../../dev/sandbox/world';
import { secretName } from '@shared/store/secretNames';
import {
  acceptedMessages,
  ids,
  enqueueAll,
  microsoftSender,
  newOrgId,
  sandboxControl,
  startWithDefaultSender,
  takeEvents,
  TestHost,
  waitForFinal,
} from './delivery-helpers';

let t: TestHost;

beforeAll(async () => {
  t = await startWithDefaultSender();
});

afterAll(async () => {
  await t?.host.close();
});

/**
 * The org's secret is now an expired one, and the provider's cached token has reached the end of
 * its life (in production: up to an hour after the expiry), so the next send asks Entra again.
 */
async function expireSecret(orgId: string): Promise<void> {
  await t.services.secrets.set(secretName(orgId, 'client-secret', 1), CONTOSO_EXPIRED_SECRET);
  t.services.senders.providers.forget(orgId);
}

/** A sender whose first 5 messages go out, then its secret expires and 10 more are enqueued; returns their final rows. */
async function expireMidStream(fallbackToDefault: boolean) {
  await sandboxControl('DELETE', 'messages');
  const org = newOrgId(fallbackToDefault ? 'fallback' : 'nofallback');
  await microsoftSender(t.services, org, { fallbackToDefault });
  const before = ids('before', 5);
  await enqueueAll(t.host, org, before);
  for (const row of (await waitForFinal(t.services, org, before)).values()) expect(row).toMatchObject({ status: 'sent', via: 'org' });

  await expireSecret(org);
  await takeEvents(t.services);
  const after = ids('after', 10);
  await enqueueAll(t.host, org, after);
  const rows = await waitForFinal(t.services, org, after);
  return { org, after, rows, events: (await takeEvents(t.services)).filter((e) => e.orgId === org), accepted: await acceptedMessages() };
}

describe('expired client secret mid-stream', () => {
  it('with fallback: needs_attention with MS_SECRET_EXPIRED, and the rest go out via the default sender, saying why', async () => {
    const { org, after, rows, events, accepted } = await expireMidStream(true);
    for (const row of rows.values()) {
      expect(row).toMatchObject({
        status: 'sent',
        via: 'default',
        viaReason: 'MS_SECRET_EXPIRED',
        sender: 'admin@fabrikam.example',
        provider: 'google',
      });
    }

    const sender = (await t.services.senders.store.get(org))!.config;
    expect(sender.status).toBe('needs_attention');
    expect(sender.lastError).toMatchObject({ code: 'MS_SECRET_EXPIRED', hint: expect.stringMatching(/Create a new secret/) });

    const subjects = (mailbox: string) => accepted.filter((m) => m.mailbox === mailbox).map((m) => m.subject);
    expect(subjects('notifications@contoso.example').filter((s) => s.startsWith('Subject before-'))).toHaveLength(5);
    expect(
      subjects('admin@fabrikam.example')
        .filter((s) => s.startsWith('Subject after-'))
        .sort(),
    ).toEqual(after.map((id) => `Subject ${id}`).sort());
    expect(accepted.filter((m) => m.subject.startsWith('Subject after-') && m.mailbox !== 'admin@fabrikam.example')).toEqual([]);

    const sentEvents = events.filter((e) => e.status === 'sent');
    expect(sentEvents).toHaveLength(10);
    for (const e of sentEvents) expect(e.via).toBe('default');
  });

  it('without fallback: needs_attention, and the rest fail with MS_SECRET_EXPIRED; nothing goes out from another mailbox', async () => {
    const { org, rows, events, accepted } = await expireMidStream(false);
    for (const row of rows.values()) {
      expect(row).toMatchObject({
        status: 'failed',
        via: 'org',
        error: { code: 'MS_SECRET_EXPIRED', hint: expect.stringMatching(/Create a new secret/) },
      });
      // Not retried: an auth failure is not transient.
      expect(row.attempts).toBe(1);
    }
    expect((await t.services.senders.store.get(org))!.config).toMatchObject({
      status: 'needs_attention',
      lastError: { code: 'MS_SECRET_EXPIRED' },
    });
    const failedEvents = events.filter((e) => e.status === 'failed');
    expect(failedEvents.map((e) => e.code)).toEqual(Array(10).fill('MS_SECRET_EXPIRED'));
    expect(accepted.filter((m) => m.subject.startsWith('Subject before-'))).toHaveLength(5);
    expect(accepted.filter((m) => m.subject.startsWith('Subject after-'))).toEqual([]);
  });
});
