/**
 * Every in-memory cache is bounded by size and by age: insert one more than the bound and the least
 * recently used is gone; move a fake clock past the age and the entry is gone (and deleted, not just
 * hidden). The mailbox limiter keeps mailboxes only while they run, wait or are paused.
 */
import { boundedCache } from '@shared/cache/bounded';
import { MailboxLimiter } from '@shared/delivery/mailboxLimiter';
import type { ProviderContext } from '@shared/providers/module';
import { ProviderCache } from '@shared/senders/providerCache';
import { senderConfig } from '../support/builders';

describe('boundedCache', () => {
  it('keeps at most `max` entries: the N+1st insert evicts the least recently used', () => {
    const cache = boundedCache<string, number>({ max: 3, ttlMs: 60_000 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recently used; b the least
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect([...cache.keys()].sort()).toEqual(['a', 'c', 'd']);
  });

  it('expires entries by age since the write on a fake clock, and deletes them when met', () => {
    let now = 1_000_000;
    const cache = boundedCache<string, string>({ max: 10, ttlMs: 5_000, clock: () => now });
    cache.set('secret', 'v1');
    now += 4_999;
    expect(cache.get('secret')).toBe('v1');
    now += 2;
    expect(cache.get('secret')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('with age "idle", each read renews the entry; an unused one expires', () => {
    let now = 1_000_000;
    const cache = boundedCache<string, string>({ max: 10, ttlMs: 1_000, age: 'idle', clock: () => now });
    cache.set('used', 'x');
    cache.set('unused', 'y');
    for (let i = 0; i < 5; i++) {
      now += 900;
      expect(cache.get('used')).toBe('x');
    }
    expect(cache.get('unused')).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});

describe('ProviderCache', () => {
  const context = { config: {} as ProviderContext['config'], secrets: {} as ProviderContext['secrets'] };
  const sender = (orgId: string, version = 1) => senderConfig({ orgId, version, senderEmail: `a@${orgId}.example`, secretRefs: {} });

  it('holds at most `max` orgs (least recently used dropped) and drops one unused past the age', () => {
    let now = 1_000_000;
    const cache = new ProviderCache(context, { max: 2, ttlMs: 10_000, clock: () => now });
    const a = cache.get(sender('a'));
    expect(cache.get(sender('a'))).toBe(a);
    cache.get(sender('b'));
    cache.get(sender('c'));
    expect(cache.get(sender('a'))).not.toBe(a); // evicted by the third org, rebuilt
    const d = cache.get(sender('d'));
    now += 9_000;
    expect(cache.get(sender('d'))).toBe(d); // in use: kept
    now += 9_000;
    expect(cache.get(sender('d'))).toBe(d);
    now += 10_001;
    expect(cache.get(sender('d'))).not.toBe(d); // unused past the age: expired
  });

  it('a newer config version replaces the provider; an older reader does not evict it', () => {
    const cache = new ProviderCache(context);
    const v2 = cache.get(sender('x', 2));
    cache.get(sender('x', 1));
    expect(cache.get(sender('x', 2))).toBe(v2);
  });

  it('keys on the whole credential: two senders of one org at one version get their own providers; other secrets at the same version a new one', () => {
    const cache = new ProviderCache(context);
    const own = cache.get(sender('y'));
    const named = cache.get({ ...sender('y'), senderKey: 'billing' });
    expect(named).not.toBe(own);
    expect(cache.get({ ...sender('y'), senderKey: 'billing' })).toBe(named);
    expect(cache.get(sender('y'))).toBe(own);
    const other = cache.get({ ...sender('y'), secretRefs: { clientSecret: 'org-y-client-secret-2' }, secretGeneration: 2 });
    expect(other).not.toBe(own);
  });
});

describe('MailboxLimiter memory', () => {
  it('forgets a mailbox whose pause has ended once it is looked at, and sweeps many such ones', async () => {
    const limiter = new MailboxLimiter(2);
    limiter.pause('m:a', 2_000, 1_000);
    expect(limiter.pausedUntil('m:a', 1_500)).toBe(2_000);
    expect(limiter.size()).toBe(1);
    expect(limiter.pausedUntil('m:a', 2_001)).toBe(0);
    expect(limiter.size()).toBe(0);

    for (let i = 0; i < 1000; i++) limiter.pause(`m:${i}`, 2_000, 1_000);
    expect(limiter.size()).toBe(1000);
    limiter.pause('m:new', 10_000, 3_000); // all earlier pauses have ended by now
    expect(limiter.size()).toBe(1);
  });

  it('never drops a mailbox with a running call', async () => {
    const limiter = new MailboxLimiter(1);
    let release!: () => void;
    const running = limiter.run('m:busy', () => new Promise<void>((r) => (release = r)));
    limiter.pause('m:busy', 5, 1);
    expect(limiter.pausedUntil('m:busy', 10)).toBe(0);
    expect(limiter.active('m:busy')).toBe(1);
    release();
    await running;
    expect(limiter.active('m:busy')).toBe(0);
  });
});
