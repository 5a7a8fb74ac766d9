/**
 * `sender.secret_expiring` notices from the health run, with a moving clock over an in-memory row:
 * each of the 30-, 7- and 1-day notices is emitted exactly once, with a stable id; a late first look
 * sends only the nearest notice; a new expiry date starts over. Also the keep-alive selection.
 */
import type { PlatformEvent } from '@shared/events/types';
import { checkSenderHealth, SenderHealthDeps } from '@shared/senders/health';
import { needsKeepAlive } from '@shared/senders/keepAlive';
import type { SenderConfig } from '@shared/model/sender';
import { secretExpiringEventId } from '@shared/senders/secretExpiry';
import type { SenderPatch } from '@shared/store/senderStore';
import { senderConfig } from '../support/builders';

const DAY = 24 * 3600 * 1000;
const EXPIRES = '2027-03-01T12:00:00.000Z';
const at = (daysBefore: number) => new Date(Date.parse(EXPIRES) - daysBefore * DAY);

function world(fields: Partial<SenderConfig> = {}) {
  const config = senderConfig({
    senderEmail: 'n@acme.example',
    version: 2,
    tenantId: 't',
    clientId: 'app-1',
    clientSecretExpiresOn: EXPIRES,
    createdAt: EXPIRES,
    updatedAt: EXPIRES,
    ...fields,
  });
  const events: PlatformEvent[] = [];
  let now = new Date();
  const deps: SenderHealthDeps = {
    store: {
      list: async () => ({ items: [{ config: { ...config }, etag: 'e' }] }),
      patch: async (_orgId: string, patch: SenderPatch) => void Object.assign(config, patch),
    },
    providers: {
      get: () => ({ sender: { address: config.senderEmail }, send: async () => ({}), verify: async () => [{ name: 'token', ok: true }] }),
    },
    resolver: { markNeedsAttention: async () => undefined },
    log: () => undefined,
    events: async (event) => void events.push(event),
    now: () => now,
  };
  const runAt = async (date: Date) => {
    now = date;
    return (await checkSenderHealth(deps)).events;
  };
  return { config, events, runAt };
}

describe('secret expiry notices', () => {
  it('30, 7 and 1 days before: each exactly once, with a stable id', async () => {
    const { events, runAt, config } = world();
    const days = [45, 31, 30, 29.5, 20, 7.5, 7, 6, 2, 1, 0.5, 0.1, -1];
    for (const d of days) await runAt(at(d));
    expect(events.map((e) => [e.type, e.data.daysBefore])).toEqual([
      ['sender.secret_expiring', 30],
      ['sender.secret_expiring', 7],
      ['sender.secret_expiring', 1],
    ]);
    expect(events.map((e) => e.id)).toEqual([30, 7, 1].map((d) => secretExpiringEventId('acme', EXPIRES, d)));
    expect(events[0]).toMatchObject({
      orgId: 'acme',
      timestamp: at(30).toISOString(),
      data: { senderEmail: 'n@acme.example', clientId: 'app-1', expiresOn: EXPIRES, daysLeft: 30 },
    });
    expect(config.secretExpiryNotified).toEqual([`${EXPIRES}:30`, `${EXPIRES}:7`, `${EXPIRES}:1`]);
  });

  it('a first look at 5 days left sends the 7-day notice only; a new secret date starts over', async () => {
    const { events, runAt, config } = world();
    await runAt(at(5));
    await runAt(at(4));
    expect(events.map((e) => e.data.daysBefore)).toEqual([7]);
    config.clientSecretExpiresOn = '2027-09-01';
    await runAt(new Date(Date.parse('2027-09-01T23:59:59.999Z') - 30 * DAY));
    expect(events.map((e) => [e.data.expiresOn, e.data.daysBefore])).toEqual([
      [EXPIRES, 7],
      ['2027-09-01', 30],
    ]);
    expect(config.secretExpiryNotified).toEqual(['2027-09-01:30']);
  });

  it('nothing for senders without a saved client secret (after Reset) or other modes', async () => {
    for (const fields of [{ secretRefs: {} }, { mode: 'admin_consent' as const }]) {
      const { events, runAt } = world(fields);
      await runAt(at(1));
      expect(events).toEqual([]);
    }
  });
});

describe('keep-alive selection', () => {
  const base = world().config;
  const now = new Date('2027-01-20T06:00:00Z');
  const days = (n: number) => new Date(now.getTime() - n * DAY).toISOString();
  it('active delegated/oauth senders with a refresh token, idle at least the setting', () => {
    const delegated: SenderConfig = { ...base, mode: 'delegated', secretRefs: { refreshToken: 'r' }, lastUsedAt: days(14) };
    expect(needsKeepAlive(delegated, now, 14 * DAY)).toBe(true);
    expect(needsKeepAlive({ ...delegated, lastUsedAt: days(13) }, now, 14 * DAY)).toBe(false);
    expect(needsKeepAlive({ ...delegated, provider: 'google', mode: 'oauth' }, now, 14 * DAY)).toBe(true);
    expect(needsKeepAlive({ ...delegated, lastUsedAt: undefined, updatedAt: days(20) }, now, 14 * DAY)).toBe(true);
    expect(needsKeepAlive({ ...delegated, status: 'needs_attention' }, now, 14 * DAY)).toBe(false);
    expect(needsKeepAlive({ ...delegated, secretRefs: {} }, now, 14 * DAY)).toBe(false);
    expect(needsKeepAlive({ ...base, lastUsedAt: days(50) }, now, 14 * DAY)).toBe(false); // app_registration: no refresh token
  });
});
