/** The pure parts of the test-send limits and idempotency: the test-send sliding window and the canonical content hash. */
import { canonicalJson, contentHash } from '@shared/delivery/contentHash';
import { parseMessageInput } from '@shared/delivery/schema';
import { takeTestSend } from '@shared/senders/testSendLimit';

const LIMIT = { count: 5, windowMs: 600_000 };
const T0 = Date.parse('2026-12-01T10:00:00Z');

describe('test-send window', () => {
  it('takes 5 in 10 minutes; the 6th waits until the oldest leaves the window', () => {
    let history: number[] = [];
    for (let i = 0; i < 5; i++) {
      const taken = takeTestSend(history, LIMIT, T0 + i * 60_000);
      expect(taken.ok).toBe(true);
      if (taken.ok) history = taken.history;
    }
    expect(takeTestSend(history, LIMIT, T0 + 5 * 60_000)).toEqual({ ok: false, retryAfterMs: 300_000 });
    // Once the first send is more than 10 minutes old, one more fits.
    expect(takeTestSend(history, LIMIT, T0 + 600_001).ok).toBe(true);
  });

  it('forgets sends outside the window, ignores garbage and future times, and never answers less than a second', () => {
    const taken = takeTestSend([T0 - 700_000, Number.NaN, T0 + 999_999, T0], LIMIT, T0);
    expect(taken).toEqual({ ok: true, history: [T0, T0] });
    const full = Array(5).fill(T0 - 599_999); // 1 ms before they leave the window
    expect(takeTestSend(full, LIMIT, T0)).toEqual({ ok: false, retryAfterMs: 1000 });
  });
});

describe('content hash', () => {
  it('is the same whatever the key order, and differs for any content change', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }], e: null })).toBe('{"a":[{"d":2}],"b":1,"e":null}');
    const one = parseMessageInput('acme', { id: 'x', to: [{ address: 'a@example.com', name: 'A' }], subject: 'Hi', text: 't' });
    const two = parseMessageInput('acme', { text: 't', subject: 'Hi', to: [{ name: 'A', address: 'a@example.com' }], id: 'x' });
    expect(contentHash(one)).toBe(contentHash(two));
    expect(contentHash(one)).toMatch(/^[0-9a-f]{64}$/);
    expect(
      contentHash(parseMessageInput('acme', { id: 'x', to: [{ address: 'a@example.com', name: 'A' }], subject: 'Hi', text: 't ' })),
    ).not.toBe(contentHash(one));
    // The parsed message hashes the same after a round trip through the queue (JSON), as the worker sees it.
    expect(contentHash(JSON.parse(JSON.stringify(one)))).toBe(contentHash(one));
  });
});
