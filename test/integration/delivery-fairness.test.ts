/**
 * Fairness across orgs (per-mailbox slots scheduled at enqueue time) and caching (token endpoint
 * and Key Vault are not touched per message), through the local host, Azurite and the sandbox.
 * Small on purpose, so the suite stays quick on a loaded machine: the same properties at scale
 * (1,000 messages, a 3,000-message flood) are measured by `npm run bench` (bench/delivery.ts, bench/fairness.ts).
 */
import { CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { secretName } from '@shared/store/secretNames';
import { enqueueAll, googleSender, microsoftSender, newOrgId, sandboxControl, startHost, TestHost, waitForFinal } from './delivery-helpers';

const FLOOD = 200;
const OTHER = 5;
const FLOOD_RATE_PER_MINUTE = 120;
const CACHED_MESSAGES = 100;

let t: TestHost;

beforeAll(async () => {
  await sandboxControl('POST', 'reset');
  // Each Google mailbox may send 120 a minute: the flood takes 100 s to go out, so "half done" is far
  // away unless the other org's messages wait behind it (B's own 5 need about 2.5 s of B's own slots). Microsoft keeps a high rate for the caching test.
  t = await startHost({ GOOGLE_MAILBOX_RATE_PER_MINUTE: String(FLOOD_RATE_PER_MINUTE), MICROSOFT_MAILBOX_RATE_PER_MINUTE: '6000' });
});

afterAll(async () => {
  await t?.host.close();
  // The rest of the flood is scheduled minutes ahead: clear it, and the mailboxes' next free slots,
  // so later test files (same Azurite) start clean.
  await (await t?.services.storage.queue('outbox'))?.clearMessages();
  const slots = await t?.services.storage.table('mailboxslots');
  for await (const row of slots?.listEntities() ?? []) await slots!.deleteEntity(row.partitionKey!, row.rowKey!);
});

describe('fairness', () => {
  it(`org A enqueues ${FLOOD}, then org B ${OTHER}: all of B's are sent before A is half done`, async () => {
    const a = newOrgId('flood');
    const b = newOrgId('other');
    await googleSender(t.services, a, 'alerts@fabrikam.example');
    await googleSender(t.services, b, 'admin@fabrikam.example');

    const floodIds = Array.from({ length: FLOOD }, (_, i) => `a-${i}`);
    const otherIds = Array.from({ length: OTHER }, (_, i) => `b-${i}`);
    await enqueueAll(t.host, a, floodIds, 16);
    await enqueueAll(t.host, b, otherIds, 4);

    const bRows = await waitForFinal(t.services, b, otherIds, 60_000);
    const bDone = Math.max(...[...bRows.values()].map((r) => Date.parse(r.sentAt!)));
    for (const row of bRows.values()) expect(row.status).toBe('sent');

    let aSentByThen = 0;
    let cursor: string | undefined;
    do {
      const page = await t.services.delivery.deliveries.list(a, { status: 'sent', limit: 200, cursor });
      aSentByThen += page.items.filter((r) => Date.parse(r.sentAt!) <= bDone).length;
      cursor = page.cursor;
    } while (cursor);
    console.log(
      `fairness: when org B's ${OTHER} were all sent, org A had ${aSentByThen} of ${FLOOD} sent (${((100 * aSentByThen) / FLOOD).toFixed(1)} %)`,
    );
    expect(aSentByThen).toBeLessThan(FLOOD / 2);
  }, 120_000);
});

describe('caching', () => {
  it(`${CACHED_MESSAGES} messages of one sender: 1 token request and 1 Key Vault read`, async () => {
    const org = newOrgId('cache');
    await microsoftSender(t.services, org);
    // As a freshly started instance would: nothing of this org cached yet.
    t.services.secrets.forget(`org-${org}-`);
    await sandboxControl('DELETE', 'requests');

    const ids = Array.from({ length: CACHED_MESSAGES }, (_, i) => `c-${i}`);
    await enqueueAll(t.host, org, ids, 16);
    const rows = await waitForFinal(t.services, org, ids, 100_000);
    expect([...rows.values()].filter((r) => r.status !== 'sent')).toEqual([]);

    const tokenRequests = await sandboxControl<unknown[]>('GET', `requests?service=entra&path=^/${CONTOSO_TENANT_ID}/oauth2/v2.0/token$`);
    const vaultReads = (
      await sandboxControl<Array<{ method: string; status: number }>>(
        'GET',
        `requests?service=keyVault&path=^/secrets/${secretName(org, 'client-secret', 1)}`,
      )
    ).filter((r) => r.method === 'GET' && r.status === 200);
    console.log(`caching: ${CACHED_MESSAGES} messages -> ${tokenRequests.length} token request(s), ${vaultReads.length} Key Vault read(s)`);
    expect(tokenRequests).toHaveLength(1);
    expect(vaultReads).toHaveLength(1);
  }, 120_000);
});
