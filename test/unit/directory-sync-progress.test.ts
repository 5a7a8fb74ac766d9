/**
 * The pure decisions of a resumable directory sync (shared/directory/sync/progress.ts): which
 * delivery may run a sync, where a new sync starts, what a claim and a hand-off record, and the
 * per-invocation time budget, all with an injected clock.
 */
import { admit, claim, handedOn, released, restartFull, RUN_LIMIT_MS, startProgress, timeBudget } from '@shared/directory/sync/progress';
import { loadConfig } from '@shared/config';
import { SETTINGS } from '@shared/settings';

const now = new Date('2026-12-07T05:00:00Z');
const started = claim(
  startProgress({ generation: 2, deltaLinks: { users: 'u', groups: 'g' } }, 'owner-a', 0),
  { owner: 'owner-a', step: 0 },
  'runner-1',
  now,
);

describe('a sync runs from one delivery at a time', () => {
  it('a new sync: delta when both links are saved, else full; the next generation; claimed by the runner until the functionTimeout has surely ended it', () => {
    expect(started).toMatchObject({
      generation: 3,
      kind: 'delta',
      phase: 'users',
      page: 0,
      owner: 'owner-a',
      step: 0,
      runner: 'runner-1',
      invocations: 1,
    });
    expect(Date.parse(started.runUntil!) - now.getTime()).toBe(RUN_LIMIT_MS);
    expect(RUN_LIMIT_MS).toBeGreaterThan(5 * 60_000); // host.json functionTimeout
    expect(startProgress({ deltaLinks: { users: 'u' } }, 'o', 0)).toMatchObject({ generation: 1, kind: 'full' });
  });

  it('while the runner holds it, another delivery waits until the mark expires; after that it runs', () => {
    expect(admit(started, { owner: 'owner-a', step: 0 }, now)).toEqual({ action: 'wait', until: new Date(started.runUntil!) });
    expect(admit(started, { owner: 'owner-a', step: 0 }, new Date(now.getTime() + RUN_LIMIT_MS))).toEqual({ action: 'run' });
  });

  it('after a hand-off, the earlier step is stale and the next step runs; a released sync runs at once', () => {
    const next = handedOn(started);
    expect(next).toMatchObject({ step: 1 });
    expect(next).not.toHaveProperty('runner');
    expect(admit(next, { owner: 'owner-a', step: 0 }, now)).toEqual({ action: 'stale' });
    expect(admit(next, { owner: 'owner-a', step: 1 }, now)).toEqual({ action: 'run' });
    expect(admit(released(started), { owner: 'owner-a', step: 0 }, now)).toEqual({ action: 'run' });
  });

  it('a request that took an expired lease over (another owner) resumes the position at its own step 0', () => {
    const next = handedOn({ ...started, step: 6 });
    expect(admit(next, { owner: 'owner-b', step: 0 }, now)).toEqual({ action: 'run' });
    expect(claim({ ...next, phase: 'groups', page: 3, next: 'link' }, { owner: 'owner-b', step: 0 }, 'runner-2', now)).toMatchObject({
      owner: 'owner-b',
      step: 0,
      phase: 'groups',
      page: 3,
      next: 'link',
      invocations: 2,
    });
  });

  it('a synchronization reset restarts a full listing as the same generation, from the first page', () => {
    expect(restartFull({ ...started, phase: 'groups', page: 4, next: 'link', deltaLinks: { users: 'x' } })).toEqual({
      generation: 3,
      kind: 'full',
      phase: 'users',
      page: 0,
      owner: 'owner-a',
      step: 0,
      runner: 'runner-1',
      runUntil: started.runUntil,
      invocations: 1,
    });
  });
});

describe('the per-invocation budget', () => {
  it('is spent once the clock has moved on by DIRECTORY_SYNC_BUDGET_SECONDS', () => {
    let at = now.getTime();
    const budget = timeBudget(120_000, () => new Date(at));
    at += 119_999;
    expect(budget.spent()).toBe(false);
    at += 1;
    expect(budget.spent()).toBe(true);
  });

  it('DIRECTORY_SYNC_BUDGET_SECONDS defaults to 120 and is refused outside 10-240 (the functionTimeout must leave room)', () => {
    expect(SETTINGS.find((s) => s.name === 'DIRECTORY_SYNC_BUDGET_SECONDS')?.default).toBe('120');
    const valid = {
      KEY_VAULT_URL: 'https://kv-test.vault.azure.net',
      PUBLIC_BASE_URL: 'https://func-test.azurewebsites.net',
      MICROSOFT_CLIENT_ID: '00000000-0000-4000-8000-0000000000aa',
      MICROSOFT_CLIENT_SECRET: 'x',
      GOOGLE_CLIENT_ID: 'client',
      GOOGLE_CLIENT_SECRET: 'y',
      STATE_SIGNING_KEY: 'k'.repeat(32),
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    };
    expect(loadConfig(valid).directorySyncBudgetMs).toBe(120_000);
    expect(loadConfig({ ...valid, DIRECTORY_SYNC_BUDGET_SECONDS: '30' }).directorySyncBudgetMs).toBe(30_000);
    for (const bad of ['9', '241', '60.5'])
      expect(() => loadConfig({ ...valid, DIRECTORY_SYNC_BUDGET_SECONDS: bad })).toThrow(/DIRECTORY_SYNC_BUDGET_SECONDS/);
  });
});
