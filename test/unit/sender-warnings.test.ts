/** The config view's read-time warnings: a client secret expiring within 30 days, or expired. */
import type { SenderConfig } from '@shared/model/sender';
import { toView } from '@shared/senders/view';
import { senderWarnings } from '@shared/senders/warnings';
import { ERROR_CODES } from '@shared/errors';
import { senderConfig } from '../support/builders';

const NOW = new Date('2026-11-22T06:00:00.000Z');
const DAY = 24 * 3600 * 1000;

const sender = (fields: Partial<SenderConfig> = {}): SenderConfig =>
  senderConfig({ version: 3, tenantId: 't', clientId: 'c', createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), ...fields });
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

describe('secret expiry warnings', () => {
  it('warns at exactly 30 days left, not a millisecond later', () => {
    const [warning] = senderWarnings(sender({ clientSecretExpiresOn: inDays(30) }), NOW);
    expect(warning).toEqual({
      code: 'MS_SECRET_EXPIRING',
      message: expect.stringContaining('in 30 days'),
      hint: ERROR_CODES.MS_SECRET_EXPIRING.hint,
      expiresOn: inDays(30),
    });
    const later = new Date(NOW.getTime() + 30 * DAY + 1).toISOString();
    expect(senderWarnings(sender({ clientSecretExpiresOn: later }), NOW)).toEqual([]);
  });

  it('a date-only expiry counts to the end of that day (UTC)', () => {
    expect(senderWarnings(sender({ clientSecretExpiresOn: '2026-12-21' }), NOW)).toHaveLength(1); // ends 29 d 18 h from now
    expect(senderWarnings(sender({ clientSecretExpiresOn: '2026-12-22' }), NOW)).toEqual([]); // ends 30 d 18 h from now
    expect(senderWarnings(sender({ clientSecretExpiresOn: '2026-11-22' }), NOW)[0].message).toContain('expires on 2026-11-22 (in 1 day)');
  });

  it('an expiry in the past says it has expired', () => {
    const [warning] = senderWarnings(sender({ clientSecretExpiresOn: inDays(-2) }), NOW);
    expect(warning.code).toBe('MS_SECRET_EXPIRING');
    expect(warning.message).toMatch(/^The client secret expired on 2026-11-20/);
    expect(ERROR_CODES.MS_SECRET_EXPIRING).toMatchObject({ category: 'auth', retryable: false });
    expect(warning.hint).toMatch(/create a new client secret.*Reset the sender/);
  });

  it('no date, no saved secret (after Reset), or another mode: no warning', () => {
    expect(senderWarnings(sender(), NOW)).toEqual([]);
    expect(senderWarnings(sender({ clientSecretExpiresOn: inDays(5), secretRefs: {} }), NOW)).toEqual([]);
    expect(senderWarnings(sender({ clientSecretExpiresOn: inDays(5), mode: 'admin_consent' }), NOW)).toEqual([]);
  });

  it('the view carries warnings only when there are some, computed with the clock it is given', () => {
    const config = sender({ clientSecretExpiresOn: inDays(40) });
    expect(toView(config, NOW)).not.toHaveProperty('warnings');
    expect(toView(config, new Date(NOW.getTime() + 15 * DAY)).warnings).toEqual([
      expect.objectContaining({ code: 'MS_SECRET_EXPIRING', expiresOn: inDays(40) }),
    ]);
  });
});
