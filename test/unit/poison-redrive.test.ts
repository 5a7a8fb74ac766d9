/**
 * The poison handler's decisions (shared/delivery/redrive.ts): what a message the host gave up on
 * becomes. Never attempted, or a row Storage cannot read: re-driven, with a growing delay, until
 * the bound; an attempt that itself threw: failed POISON with that reason; final rows untouched.
 */
import type { DeliveryRecord } from '@shared/store/deliveryStore';
import { decidePoison, MAX_REDRIVE_AGE_MS, MAX_REDRIVES, RowRead } from '@shared/delivery/redrive';
import { retryPolicy } from '@shared/delivery/retryPolicy';

const policy = retryPolicy(30_000);
const NOW = Date.parse('2026-12-01T12:00:00Z');

function row(fields: Partial<DeliveryRecord>): RowRead {
  const at = new Date(NOW - 60_000).toISOString();
  return {
    kind: 'row',
    record: { orgId: 'acme', id: 'm1', status: 'queued', attempts: 0, createdAt: at, updatedAt: at, etag: '"1"', ...fields },
  };
}
const unreadable: RowRead = { kind: 'unreadable', reason: 'Azure Storage is unavailable (read delivery: connection refused).' };

describe('poison re-drive decisions', () => {
  it('a never-attempted message (queued row, or no row yet) is re-driven, first re-drive counted from now', () => {
    for (const read of [row({}), { kind: 'missing' } as RowRead]) {
      const decision = decidePoison(read, undefined, NOW, policy);
      expect(decision).toMatchObject({
        action: 'redrive',
        redrive: { count: 1, since: NOW, reason: expect.stringContaining('before any attempt') },
      });
      if (decision.action !== 'redrive') throw new Error('unreachable');
      expect(decision.delayMs).toBeGreaterThanOrEqual(15_000);
      expect(decision.delayMs).toBeLessThanOrEqual(30_000);
    }
  });

  it('a row Storage cannot read is re-driven (attempted or not, the handler cannot know), with the reason', () => {
    expect(decidePoison(unreadable, undefined, NOW, policy)).toMatchObject({
      action: 'redrive',
      redrive: { count: 1, reason: expect.stringContaining('connection refused') },
    });
  });

  it('the delay grows with each re-drive (exponential, capped at 1 h) and the count and start are carried on', () => {
    const previous = { count: 6, since: NOW - 3_600_000, reason: 'x' };
    const decision = decidePoison(unreadable, previous, NOW, policy);
    expect(decision).toMatchObject({ action: 'redrive', redrive: { count: 7, since: previous.since } });
    if (decision.action !== 'redrive') throw new Error('unreachable');
    // Attempt 7: 30 s x 2^6 = 32 min, with equal jitter between half and all of it.
    expect(decision.delayMs).toBeGreaterThanOrEqual(16 * 60_000);
    expect(decision.delayMs).toBeLessThanOrEqual(32 * 60_000);
    const late = decidePoison(unreadable, { ...previous, count: 20 }, NOW, policy);
    expect(late.action === 'redrive' && late.delayMs).toBeLessThanOrEqual(3_600_000);
  });

  it('an attempted message in sending, or retrying on a transient cause, is re-driven: the worker lease and retry policy judge it', () => {
    expect(decidePoison(row({ status: 'sending', attempts: 1 }), undefined, NOW, policy).action).toBe('redrive');
    expect(decidePoison(row({ status: 'retrying', attempts: 2, code: 'STORAGE_UNAVAILABLE' }), undefined, NOW, policy).action).toBe(
      'redrive',
    );
  });

  it('an attempt that itself threw (retrying / INTERNAL) fails POISON with the reason of that attempt', () => {
    const decision = decidePoison(
      row({ status: 'retrying', attempts: 1, code: 'INTERNAL', message: 'Unexpected error while sending.' }),
      undefined,
      NOW,
      policy,
    );
    expect(decision).toEqual({ action: 'fail', reason: expect.stringContaining('INTERNAL: Unexpected error while sending.') });
  });

  it('over the bound (24 h since the first re-drive, or the count cap): failed with the last reason, or archived when still unreadable', () => {
    const old = { count: 3, since: NOW - MAX_REDRIVE_AGE_MS, reason: 'x' };
    expect(decidePoison(row({}), old, NOW, policy)).toEqual({
      action: 'fail',
      reason: expect.stringMatching(/re-driven 3 time\(s\).*before any attempt/),
    });
    expect(decidePoison(unreadable, old, NOW, policy)).toEqual({
      action: 'archive',
      reason: expect.stringContaining('connection refused'),
    });
    const many = { count: MAX_REDRIVES, since: NOW - 60_000, reason: 'x' };
    expect(decidePoison(row({}), many, NOW, policy).action).toBe('fail');
    expect(decidePoison(row({}), { ...many, count: MAX_REDRIVES - 1 }, NOW, policy).action).toBe('redrive');
  });

  it('a sent or failed row stays as it is, whatever the re-drive count', () => {
    for (const status of ['sent', 'failed'] as const) {
      expect(decidePoison(row({ status, attempts: 1 }), undefined, NOW, policy)).toEqual({ action: 'final' });
      expect(decidePoison(row({ status, attempts: 1 }), { count: MAX_REDRIVES, since: 0, reason: 'x' }, NOW, policy)).toEqual({
        action: 'final',
      });
    }
  });
});
