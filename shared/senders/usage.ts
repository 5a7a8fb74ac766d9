/**
 * `lastUsedAt`: when a sender last worked (a successful send or token refresh), which the daily
 * keep-alive reads to find idle sign-ins. Kept cheap: at most one Table write per sender per hour
 * and process (a Merge of that one column, no ETag, so it never conflicts with a config change),
 * skipped when the row read already says it was used within the hour. Best effort: a failed write
 * only makes the keep-alive refresh a sign-in one day early.
 */
import type { SenderStore } from '../store/senderStore';
import type { SenderConfig } from '../model/sender';

export const USAGE_WRITE_INTERVAL_MS = 3600 * 1000;
const MAX_TRACKED = 10_000;

export type UsageRecorder = (config: SenderConfig) => void;

export function createUsageRecorder(store: Pick<SenderStore, 'patch'>, now: () => number = Date.now): UsageRecorder {
  const written = new Map<string, number>();
  return (config) => {
    const id = `${config.orgId}/${config.senderKey ?? ''}`; // each of an org's senders has its own row
    const at = now();
    const stored = config.lastUsedAt ? Date.parse(config.lastUsedAt) : 0;
    if (at - Math.max(stored, written.get(id) ?? 0) < USAGE_WRITE_INTERVAL_MS) return;
    written.set(id, at);
    if (written.size > MAX_TRACKED) written.delete(written.keys().next().value!);
    void store.patch(config.orgId, { lastUsedAt: new Date(at).toISOString() }, config.senderKey).catch(() => written.delete(id));
  };
}
