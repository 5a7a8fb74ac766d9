/**
 * A group's members, as the synced copy held them a moment ago, shared by the enqueue-time check and
 * the send-time expansion of a message on the same instance, and by other messages to the same group:
 * a burst of messages to one group reads its members once. The copy itself is only as fresh as the
 * last sync (hours), so reusing a reading for MEMBER_MEMO.ttlMs changes nothing a sender could see;
 * the group lookup itself is never remembered, so a deleted connection's groups vanish at once.
 */
import { boundedCache } from '../cache/bounded';
import type { DirectoryReader, DirectoryUser } from '../model/directory';

/** At most 100 groups, each of at most 1,000 users (larger ones are read again), for a minute. */
export const MEMBER_MEMO = { max: 100, ttlMs: 60_000, maxUsers: 1000 };

export function rememberGroupMembers<R extends DirectoryReader>(reader: R, bounds = MEMBER_MEMO): R {
  const members = boundedCache<string, Promise<DirectoryUser[]>>({ max: bounds.max, ttlMs: bounds.ttlMs });
  return {
    ...reader,
    transitiveUsers(orgId, connectionId, groupId, limit) {
      const key = JSON.stringify([orgId, connectionId, groupId, limit]);
      const known = members.get(key);
      if (known) return known;
      const reading = reader.transitiveUsers(orgId, connectionId, groupId, limit);
      members.set(key, reading);
      // A failed reading (Storage, too large) or a large group is not kept.
      reading.then(
        (users) => users.length > bounds.maxUsers && members.peek(key) === reading && members.delete(key),
        () => members.peek(key) === reading && members.delete(key),
      );
      return reading;
    },
  };
}
