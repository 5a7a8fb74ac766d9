/**
 * Scale-out: two local host PROCESSES (two instances, as Flex Consumption runs them) on the test
 * run's one Azurite and one sandbox deliver 50 messages of one sender mailbox. Every message is sent
 * exactly once (the sandbox's accepted list), every row is `sent` on its first attempt (claims hold:
 * no copy was sent twice, none went `uncertain`), both processes sent some, and the sandbox Graph
 * never saw more than 4 sendMail calls in flight at once for that mailbox (Graph's per-mailbox limit;
 * MAILBOX_CONCURRENCY is 4 per instance, so without the shared permits two instances could reach 8).
 * Counts only: nothing here measures time.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { HostProcess, startHostProcesses } from '../../dev/host/processes';
import { getServices } from '@shared/services';
import { acceptedMessages, api, ids, microsoftSender, newOrgId, sandboxControl, waitForFinal } from './delivery-helpers';
import type { LocalHost } from '../../dev/host/localHost';

const root = resolve(__dirname, '../..');
const MAILBOX = 'notifications@contoso.example';
let hosts: HostProcess[] = [];

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/dev/host.js'))) expect(spawnSync(process.execPath, ['dev/build.mjs'], { cwd: root }).status).toBe(0);
  await sandboxControl('POST', 'reset');
  hosts = await startHostProcesses(
    2,
    {
      MICROSOFT_MAILBOX_RATE_PER_MINUTE: '6000',
      DELIVERY_RETRY_BASE_SECONDS: '1',
      MAILBOX_CONCURRENCY: '4',
    },
    root,
  );
}, 90_000);

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await sandboxControl('POST', 'graph/limits', { latencyMs: 0 });
});

it('two instances, 50 messages to one mailbox: each sent exactly once, at most 4 sendMail calls at once across both', async () => {
  const services = getServices();
  const orgId = newOrgId('scale');
  await microsoftSender(services, orgId);
  // Slow sends, so the two instances' calls overlap; Graph's own limit stays 4 (a 5th would be a 429).
  await sandboxControl('POST', 'graph/limits', { concurrency: 4, ratePerMinute: 0, latencyMs: 300 });
  await sandboxControl('DELETE', 'graph/concurrency');
  await sandboxControl('DELETE', 'requests');

  const list = ids('s', 50);
  // Half through each instance's API: both instances' schedulers reserve slots of the one mailbox.
  await Promise.all(
    list.map(async (id, i) => {
      const answer = await api({ url: hosts[i % 2].url } as LocalHost, 'POST', `orgs/${orgId}/messages`, {
        id,
        to: [{ address: 'customer@example.com' }],
        subject: `Subject ${id}`,
        text: `Body of ${id}`,
      });
      expect(answer.status).toBe(202);
    }),
  );

  const rows = await waitForFinal(services, orgId, list, 180_000);
  for (const row of rows.values()) expect(row).toMatchObject({ status: 'sent', attempts: 1 });

  const subjects = (await acceptedMessages())
    .filter((m) => m.mailbox === MAILBOX)
    .map((m) => m.subject)
    .sort();
  expect(subjects).toEqual(list.map((id) => `Subject ${id}`).sort());

  const highWater = await sandboxControl<Record<string, number>>('GET', 'graph/concurrency');
  expect(highWater[MAILBOX]).toBeGreaterThanOrEqual(2);
  expect(highWater[MAILBOX]).toBeLessThanOrEqual(4);
  const graph = await sandboxControl<Array<{ status: number; path: string }>>('GET', 'requests?service=graph');
  expect(graph.filter((r) => r.path.endsWith('/sendMail') && r.status === 429)).toEqual([]);

  const sent = hosts.map((h) => h.sent());
  expect(sent.reduce((a, b) => a + b, 0)).toBe(50);
  expect(sent.every((n) => n > 0)).toBe(true);
}, 240_000);
