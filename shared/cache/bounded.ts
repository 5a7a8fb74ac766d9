/**
 * Every in-memory cache of the app is bounded twice: by entry count (least recently used goes first)
 * and by age (an expired entry is never returned and is deleted when met). lru-cache does both; this
 * is the one place its options are chosen, so each cache states only its numbers.
 * https://isaacs.github.io/node-lru-cache/
 */
import { LRUCache } from 'lru-cache';

export interface CacheBounds {
  /** At most this many entries; inserting one more evicts the least recently used. */
  max: number;
  /** Entries older than this are expired. */
  ttlMs: number;
  /** `idle`: age counts from the last read (a cache of live objects); `written` (default): from the write (cached data). */
  age?: 'written' | 'idle';
  /** Milliseconds; tests move it to expire entries. */
  clock?: () => number;
}

export type BoundedCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> = LRUCache<K, V>;

export function boundedCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(bounds: CacheBounds): BoundedCache<K, V> {
  return new LRUCache<K, V>({
    max: bounds.max,
    ttl: bounds.ttlMs,
    updateAgeOnGet: bounds.age === 'idle',
    // Read the clock on every check (the default caches it for 1 ms, which a fake clock would defeat).
    ttlResolution: 0,
    ...(bounds.clock ? { perf: { now: bounds.clock } } : {}),
  });
}
