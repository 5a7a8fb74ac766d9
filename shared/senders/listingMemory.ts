/**
 * Delivery routes every message over its org's senders and rules (resolve.ts), one partition query
 * each: during a flood that was a Table read per message for a list that changes a few times a
 * year. This keeps each org's list for `LISTING_MEMORY_MS` for delivery's reads (`listOrgRecent`),
 * with one read in flight per org, and drops an org's entry on every write made through this store,
 * so a save, reset, rule change or `needs_attention` in this instance takes effect on the next
 * message; other instances see it within `LISTING_MEMORY_MS` (like the webhook endpoint lists).
 * The admin API's own reads (`listOrg`) are never served from memory.
 */
import { boundedCache } from '../cache/bounded';
import type { SenderStore } from '../store/senderStore';

export const LISTING_MEMORY_MS = 5_000;

type Listing = Awaited<ReturnType<SenderStore['listOrg']>>;

export function rememberOrgListings(store: SenderStore, clock: () => number = Date.now): SenderStore {
  const listings = boundedCache<string, Listing>({ max: 10_000, ttlMs: LISTING_MEMORY_MS, clock });
  const reading = new Map<string, Promise<Listing>>();
  // A read that started before a write must not put its (older) answer back afterwards.
  const generation = new Map<string, number>();
  const forget = (orgId: string) => {
    listings.delete(orgId);
    generation.set(orgId, (generation.get(orgId) ?? 0) + 1);
    if (generation.size > 10_000) generation.clear();
  };
  const after =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>, orgOf: (...args: A) => string) =>
    async (...args: A): Promise<R> => {
      try {
        return await write(...args);
      } finally {
        forget(orgOf(...args));
      }
    };

  return {
    ...store,
    create: after(store.create, (config) => config.orgId),
    replace: after(store.replace, (config) => config.orgId),
    delete: after(store.delete, (orgId) => orgId),
    patch: after(store.patch, (orgId) => orgId),
    putRouting: after(store.putRouting, (orgId) => orgId),
    async listOrgRecent(orgId) {
      const known = listings.get(orgId);
      if (known) return known;
      let pending = reading.get(orgId);
      if (!pending) {
        const startedAt = generation.get(orgId) ?? 0;
        pending = store.listOrg(orgId).then((listing) => {
          if ((generation.get(orgId) ?? 0) === startedAt) listings.set(orgId, listing);
          return listing;
        });
        reading.set(orgId, pending);
        pending.finally(() => reading.delete(orgId)).catch(() => undefined);
      }
      return pending;
    },
  };
}
