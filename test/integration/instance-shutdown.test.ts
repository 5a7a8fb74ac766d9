/**
 * An instance's graceful shutdown (functions/lifecycle.ts): the terminate hook Azure's host runs
 * gives the instance's mailbox permits back at once, so another instance need not wait for their
 * leases (about two minutes) to run out. The local host runs the same hooks when it closes.
 */
import { listTerminateHooks } from '../../functions/registry';
import { releaseOnShutdown } from '../../functions/lifecycle';
import { mailboxOf } from '@shared/delivery/senderChoice';
import { createMailboxPermitStore } from '@shared/store/mailboxPermits';
import { enqueueAll, ids, microsoftSender, newOrgId, startHost, waitForFinal } from './delivery-helpers';

describe('graceful shutdown', () => {
  it('registers the permit release as a terminate hook', () => {
    expect(listTerminateHooks()).toContain(releaseOnShutdown);
  });

  it('gives every mailbox permit the instance holds back when the host closes', async () => {
    const { host, services } = await startHost();
    const permits = createMailboxPermitStore(services.storage);
    const org = newOrgId('shutdown');
    let closed = false;
    try {
      const sender = await microsoftSender(services, org);
      const list = ids(org, 6);
      await enqueueAll(host, org, list, 6);
      const final = await waitForFinal(services, org, list);
      expect([...final.values()].map((d) => d.status)).toEqual(list.map(() => 'sent'));
      const key = mailboxOf(sender, { microsoft: 1, google: 1 }).key;
      // Right after sending (the idle give-back waits 5 s), the instance still holds its permits.
      const held = (await permits.list(key)).filter((row) => row.holder !== '' && row.leaseUntil > Date.now());
      expect(held.length).toBeGreaterThan(0);
      await host.close();
      closed = true;
      const after = await permits.list(key);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((row) => row.holder !== '' || row.leaseUntil !== 0)).toEqual([]);
    } finally {
      if (!closed) await host.close();
    }
  }, 120_000);
});
