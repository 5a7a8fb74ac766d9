/**
 * Save and test sends a real message, so whoever holds a settings link (or the function key) could
 * otherwise use it to send mail in bulk from the org's mailbox. Each org gets at most
 * `TEST_SEND_LIMIT` test sends in any `TEST_SEND_WINDOW_SECONDS` (default 5 in 10 minutes): a
 * sliding window, kept as the times of the recent sends in the org's `testsends` control row, and
 * taken with an ETag condition so the limit holds across instances (shared/store/orgControls.ts).
 * The next one answers 429 TEST_SEND_LIMIT with Retry-After: when the oldest send leaves the window.
 *
 * Test connection is limited the same way (`TEST_CONNECTION_LIMIT`, row `verifies`): each one reads
 * Key Vault and asks the provider's token endpoint, and Key Vault throttles per vault, so an unlimited
 * Test connection would let one org's link slow every org
 * (https://learn.microsoft.com/azure/key-vault/general/service-limits).
 */
import { MailerError } from '../errors';
import { CONTROL_ROWS, type ControlRow, OrgControlStore } from '../store/orgControls';

export interface TestSendLimit {
  count: number;
  windowMs: number;
}

export type TakeResult = { ok: true; history: number[] } | { ok: false; retryAfterMs: number };

/** Pure: the sends still inside the window plus this one, or how long until one leaves it. */
export function takeTestSend(history: readonly number[], limit: TestSendLimit, now: number): TakeResult {
  const recent = history.filter((at) => Number.isFinite(at) && at > now - limit.windowMs && at <= now).sort((a, b) => a - b);
  if (recent.length < limit.count) return { ok: true, history: [...recent, now] };
  // The (count)-th newest send must leave the window before another one fits.
  const blocking = recent[recent.length - limit.count];
  return { ok: false, retryAfterMs: Math.max(1000, blocking + limit.windowMs - now) };
}

function historyOf(values: Record<string, unknown> | undefined): number[] {
  try {
    const parsed: unknown = JSON.parse(String(values?.sentAt ?? '[]'));
    return Array.isArray(parsed) ? parsed.map(Number) : [];
  } catch {
    return [];
  }
}

export interface TestSendLimiter {
  /** Counts one test send of `orgId`; TEST_SEND_LIMIT (429, with retryAfterSeconds) when the window is full. */
  take(orgId: string): Promise<void>;
}

/** What one per-org window counts: its control row, the error it answers, and what the message calls one. */
interface WindowKind {
  row: ControlRow;
  code: 'TEST_SEND_LIMIT' | 'TEST_CONNECTION_LIMIT';
  noun: string;
}

function createOrgWindowLimiter(kind: WindowKind, store: OrgControlStore, limit: TestSendLimit, clock: () => number): TestSendLimiter {
  return {
    async take(orgId) {
      const result = await store.update<TakeResult>(orgId, kind.row, (values) => {
        const taken = takeTestSend(historyOf(values), limit, clock());
        return taken.ok ? { write: { sentAt: JSON.stringify(taken.history) }, result: taken } : { result: taken };
      });
      if (result.ok) return;
      const seconds = Math.ceil(result.retryAfterMs / 1000);
      throw new MailerError(
        kind.code,
        `At most ${limit.count} ${kind.noun} per ${Math.round(limit.windowMs / 1000)} seconds for this organization; try again in ${seconds} seconds.`,
        { retryAfterSeconds: seconds },
      );
    },
  };
}

export function createTestSendLimiter(store: OrgControlStore, limit: TestSendLimit, clock: () => number = Date.now): TestSendLimiter {
  return createOrgWindowLimiter({ row: CONTROL_ROWS.testSends, code: 'TEST_SEND_LIMIT', noun: 'test sends' }, store, limit, clock);
}

/** Test connection (verify) of any of the org's senders; TEST_CONNECTION_LIMIT when the window is full. */
export function createTestConnectionLimiter(store: OrgControlStore, limit: TestSendLimit, clock: () => number = Date.now): TestSendLimiter {
  return createOrgWindowLimiter(
    { row: CONTROL_ROWS.verifies, code: 'TEST_CONNECTION_LIMIT', noun: 'connection tests' },
    store,
    limit,
    clock,
  );
}
