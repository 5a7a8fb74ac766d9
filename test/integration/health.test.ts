/**
 * GET /api/health through the local host (the real function registry), and the checks behind it
 * with Storage or Key Vault made unavailable: Storage by pointing services at a closed port (the
 * shared Azurite keeps running for the other tests), Key Vault by sandbox fault injection.
 */
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { azuriteConnectionString } from '../../dev/stack';
import { loadConfig } from '@shared/config';
import { checkHealth, createHealthProbe, type HealthReport, type StartDeadline } from '@shared/health';
import { createServices, getServices, resetServicesForTests } from '@shared/services';
import { sandboxControl } from '../support/env';
import { freePort } from '../support/ports';

const config = loadConfig();
const originalStorage = process.env.AzureWebJobsStorage!;

async function closedStorageConnectionString(): Promise<string> {
  const port = await freePort();
  return azuriteConnectionString({ blob: port, queue: port, table: port });
}

afterEach(async () => {
  await sandboxControl('DELETE', 'faults');
});

describe('GET /api/health', () => {
  let host: LocalHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  test('answers 200 with both checks ok on the test stack, anonymously and not cacheable downstream', async () => {
    host = await startLocalHost({ port: 0, queues: false, timers: false, log: () => undefined });
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok', checks: { storage: 'ok', keyVault: 'ok' } });
  });

  test('50 anonymous calls within 10 s make one Key Vault check (at most two requests with the auth challenge): the instance answers from its last check', async () => {
    // Fresh services: no check from an earlier test is cached.
    resetServicesForTests();
    // The probe's clock is the test's: the second 25 calls come 9.999 s after the first, however slow the machine.
    let now = 1_000_000;
    host = await startLocalHost({ port: 0, queues: false, timers: false, log: () => undefined, services: { clock: () => now } });
    await sandboxControl('DELETE', 'requests');
    const call = () => Promise.all(Array.from({ length: 25 }, () => fetch(`${host!.url}/api/health`)));
    const first = await call();
    now += 9_999;
    const answers = [...first, ...(await call())];
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(answers.map((a) => a.headers.get('age'))).toEqual([...Array(25).fill('0'), ...Array(25).fill('9')]);
    const vault = await sandboxControl<unknown[]>('GET', 'requests?service=keyVault');
    // One check; its SDK may first meet the vault's 401 challenge (one more request), never one per call.
    expect(vault.length).toBeGreaterThan(0);
    expect(vault.length).toBeLessThanOrEqual(2);
  });

  test('answers 503 naming storage when Storage cannot be reached', async () => {
    host = await startLocalHost({
      port: 0,
      queues: false,
      timers: false,
      log: () => undefined,
      env: { AzureWebJobsStorage: await closedStorageConnectionString() },
    });
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body).toEqual({ status: 'unavailable', checks: { storage: 'unavailable: connection refused', keyVault: 'ok' } });
    await host.close();
    host = undefined;
    // close() put the environment back: the process-wide services reach Azurite again.
    expect(process.env.AzureWebJobsStorage).toBe(originalStorage);
    expect((await checkHealth(getServices())).checks.storage).toBe('ok');
  });
});

describe('checkHealth', () => {
  test('names storage with a short reason and nothing secret when Storage is down', async () => {
    const connectionString = await closedStorageConnectionString();
    const report = await checkHealth(createServices({ ...config, storage: { kind: 'connectionString', connectionString } }));
    expect(report.status).toBe('unavailable');
    expect(report.checks.storage).toBe('unavailable: connection refused');
    expect(report.checks.keyVault).toBe('ok');
    expect(JSON.stringify(report)).not.toContain('AccountKey');
  });

  test('names keyVault when the vault answers 503', async () => {
    await sandboxControl('POST', 'faults', { service: 'keyVault', status: 503 });
    const report = await checkHealth(createServices(config));
    expect(report).toEqual({ status: 'unavailable', checks: { storage: 'ok', keyVault: expect.stringMatching(/^unavailable: HTTP 503/) } });
  });

  test('a dependency that does not answer is reported after the check timeout instead of hanging the probe', async () => {
    const services = createServices(config);
    // The deadlines are ours to fire: the real Storage check may take as long as the machine needs,
    // and the vault's deadline expires only when the test says so (no wall-clock race).
    const deadlines = manualDeadlines();
    let storageAnswered!: () => void;
    const storagePinged = new Promise<void>((resolve) => (storageAnswered = resolve));
    const hung = {
      storage: { ping: (signal?: AbortSignal) => services.storage.ping(signal).finally(storageAnswered) },
      // A vault that never answers (a sandbox delay fault would leave a request open after the test).
      secrets: { ping: () => new Promise<void>(() => undefined) },
    };
    const report = checkHealth(hung, { timeoutMs: 500, startDeadline: deadlines.start });
    await storagePinged;
    await new Promise(setImmediate); // the check's own continuations (microtasks) run before this
    expect(deadlines.pending()).toEqual([500]); // Storage's deadline was cancelled by its answer; the vault's still runs
    deadlines.fireAll();
    expect((await report).checks).toEqual({ storage: 'ok', keyVault: 'unavailable: no answer within 500 ms' });
  });
});

/** Deadlines that expire only when the test fires them; a cancelled one never fires. */
function manualDeadlines() {
  const live = new Map<number, { ms: number; expire: () => void }>();
  let next = 0;
  const start: StartDeadline = (ms, expire) => {
    const id = next++;
    live.set(id, { ms, expire });
    return () => live.delete(id);
  };
  const pending = () => [...live.values()].map((d) => d.ms);
  const fireAll = () => [...live.values()].forEach((d) => d.expire());
  return { start, pending, fireAll };
}

describe('createHealthProbe', () => {
  const ok: HealthReport = { status: 'ok', checks: { storage: 'ok', keyVault: 'ok' } };
  const down: HealthReport = { status: 'unavailable', checks: { storage: 'ok', keyVault: 'unavailable: HTTP 503' } };

  test('concurrent and repeated calls within the window share one check; the next window checks again', async () => {
    let now = 1_000_000;
    const reports = [ok, down];
    let checks = 0;
    const probe = createHealthProbe(async () => reports[checks++], { ttlMs: 15_000, clock: () => now });
    const first = await Promise.all([probe(), probe(), probe()]);
    expect(checks).toBe(1);
    expect(first.map((a) => a.report)).toEqual([ok, ok, ok]);
    now += 14_999;
    expect(await probe()).toEqual({ report: ok, ageSeconds: 14 });
    expect(checks).toBe(1);
    now += 2;
    expect(await probe()).toEqual({ report: down, ageSeconds: 0 });
    expect(checks).toBe(2);
  });
});
