/**
 * Admin consent through Entra's replication delay, end to end over HTTP: the consent link, our start
 * endpoint, the sandbox's sign-in and adminconsent pages, the real callback, the confirmation page
 * and Confirm, with the local host in-process on Azurite. The confirmation's back-off pauses go
 * through the host's injected sleeper, which moves the SANDBOX clock: a 20 s delay and the
 * two-minute bound cost no real waiting (consent-confirm.test.ts covers the flows one level down).
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';
import { NORTHWIND_TENANT_ID, NORTHWIND_USER_IDS } from '../../dev/sandbox/world';
import { CONFIRM_PAUSES_MS } from '@shared/providers/microsoft/consentConfirm';
import { getServices } from '@shared/services';
import { TABLES } from '@shared/store/names';
import { confirmationForm } from '../support/consentBrowser';
import { sandboxControl } from '../support/env';
import { transcriptApi } from './api-transcript';
import { followAdminConsent, vaultRows } from './microsoft-helpers';

let host: LocalHost;
const transcript: string[] = [];
const { api, callback, postCallback, open, browser } = transcriptApi(() => host, transcript);

/** Every pause the confirmation asked for; each one moves the sandbox's clock instead of waiting. */
const pauses: number[] = [];
const sleep = async (ms: number) => {
  pauses.push(ms);
  await sandboxControl('POST', 'clock', { advanceSeconds: ms / 1000 });
};
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

beforeAll(async () => {
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: (line) => transcript.push(line), services: { sleep } });
});
afterAll(async () => {
  await host?.close();
  await sandboxControl('POST', 'reset');
});
beforeEach(async () => {
  pauses.length = 0;
  await sandboxControl('POST', 'reset');
});

/** Northwind's admin goes through both steps of an admin consent link, `delaySeconds` of replication after Accept; the callback's answer. */
async function consentWithDelay(orgId: string, delaySeconds: number) {
  const link = await api('POST', `orgs/${orgId}/sender/consent-link`, {
    provider: 'microsoft',
    mode: 'admin_consent',
    orgName: 'Northwind Traders',
  });
  expect(link.status).toBe(200);
  await sandboxControl('POST', 'entra/replication-delay', { seconds: delaySeconds });
  const { callback: back } = await followAdminConsent(await open(link.body.url as string), 'admin@northwind.example', postCallback);
  return callback(back, { confirm: 'none' });
}

/** The org's consent rows as Table Storage holds them. */
async function consentRows(orgId: string): Promise<Record<string, unknown>[]> {
  const table = await getServices().storage.table(TABLES.consentStates);
  const rows: Record<string, unknown>[] = [];
  for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${orgId}'` } })) rows.push(row);
  return rows;
}

const newOrg = () => `replication-${randomBytes(4).toString('hex')}`;

describe('admin consent over HTTP under Entra replication delay', () => {
  it('a service principal visible 20 s after Accept: the callback waits it out, shows the confirmation page, and Confirm connects the org', async () => {
    const orgId = newOrg();
    const page = await consentWithDelay(orgId, 20);
    expect(page.status).toBe(200);
    expect(confirmationForm(page.text)).toBeDefined();
    expect(page.text).toContain('Northwind Traders');
    // It waited (the first attempts met AADSTS700016) and stopped once the app was visible.
    expect(sum(pauses)).toBeGreaterThanOrEqual(20_000);
    expect(sum(pauses)).toBeLessThan(20_000 + Math.max(...CONFIRM_PAUSES_MS));
    expect((await api('GET', `orgs/${orgId}/sender`)).status).toBe(404); // nothing stored before Confirm

    const confirmed = await browser.answer(page);
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('Connected');
    const view = await api('GET', `orgs/${orgId}/sender`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      provider: 'microsoft',
      mode: 'admin_consent',
      tenantId: NORTHWIND_TENANT_ID,
      consentedBy: { oid: NORTHWIND_USER_IDS.admin },
    });
  });

  it('a delay beyond the bound: the callback answers CONSENT_REPLICATION_TIMEOUT after the whole back-off, and nothing is stored or left to confirm', async () => {
    const orgId = newOrg();
    const page = await consentWithDelay(orgId, 600);
    expect(page.status).toBe(503);
    expect(page.text).toContain('CONSENT_REPLICATION_TIMEOUT');
    expect(confirmationForm(page.text)).toBeUndefined();
    expect(pauses).toEqual([...CONFIRM_PAUSES_MS]);

    expect((await api('GET', `orgs/${orgId}/sender`)).status).toBe(404);
    expect((await vaultRows()).filter((row) => row.name.includes(orgId))).toEqual([]);
    // Both steps' state rows are spent (consumed, verifier wiped) and none holds a parked outcome to Confirm.
    const rows = await consentRows(orgId);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.consumedAt).toEqual(expect.any(String));
      expect(row.codeVerifier ?? '').toBe('');
      expect(row.parked ?? '').toBe('');
    }
  });
});
