/**
 * Every outbound call has a deadline (PROVIDER_CALL_TIMEOUT_SECONDS; 10 s here, so that the others
 * are surely done while the first try still hangs, even on a loaded machine): Graph /sendMail
 * holding the connection open forever for a message's first try must not hold the message, the
 * mailbox or its permit. The message retries like a 503 (PROVIDER_TIMEOUT) and ends `sent` once the
 * fault is gone; the same mailbox keeps sending other messages meanwhile; no permit is leaked.
 */
import {
  acceptedMessages,
  enqueueAll,
  googleSender,
  ids,
  microsoftSender,
  newOrgId,
  sandboxControl,
  startWithDefaultSender,
  takeEvents,
  TestHost,
  waitFor,
  waitForFinal,
} from './delivery-helpers';

let t: TestHost;

beforeAll(async () => {
  t = await startWithDefaultSender({ PROVIDER_CALL_TIMEOUT_SECONDS: '10' });
});

afterAll(async () => {
  await sandboxControl('DELETE', 'faults');
  await t?.host.close();
});

interface Logged {
  at: string;
  path: string;
  status: number;
}

describe('a hung provider connection', () => {
  it('Graph /sendMail hanging for the first try: PROVIDER_TIMEOUT, retried, sent once; the mailbox keeps sending; no permit leaked', async () => {
    const org = newOrgId('hung');
    const sender = await microsoftSender(t.services, org);
    await sandboxControl('DELETE', 'messages');
    await sandboxControl('DELETE', 'requests');
    await takeEvents(t.services);
    await sandboxControl('POST', 'faults', { service: 'graph', method: 'POST', path: '/sendMail$', hang: true, count: 1 });

    await enqueueAll(t.host, org, ['hung-first']);
    const hung = await waitFor('the first sendMail to hang', async () => {
      const rows = await sandboxControl<Logged[]>('GET', 'requests?service=graph&path=/sendMail$');
      return rows.find((r) => r.status === -2);
    });
    // While that connection is still open, the same mailbox sends others.
    const others = ids('meanwhile', 5);
    await enqueueAll(t.host, org, others);
    const otherRows = await waitForFinal(t.services, org, others, 60_000);
    for (const row of otherRows.values()) expect(row.status).toBe('sent');
    const key = `microsoft:${sender.senderEmail.toLowerCase()}`;
    const during = await t.services.delivery.deliveries.get(org, 'hung-first');
    expect(during).toMatchObject({ status: 'sending', attempts: 1 });
    expect(t.services.delivery.limiter.active(key)).toBe(1); // the hung call holds one permit, no more

    const [first] = [...(await waitForFinal(t.services, org, ['hung-first'], 60_000)).values()];
    expect(first).toMatchObject({ status: 'sent', attempts: 2 });

    const subjects = (await acceptedMessages()).filter((m) => m.mailbox === sender.senderEmail).map((m) => m.subject);
    expect(subjects.filter((s) => s === 'Subject hung-first')).toHaveLength(1);
    for (const id of others) expect(subjects.filter((s) => s === `Subject ${id}`)).toHaveLength(1);

    const graphLog = await sandboxControl<Logged[]>('GET', 'requests?service=graph&path=/sendMail$');
    expect(graphLog.filter((r) => r.status === 202)).toHaveLength(others.length + 1);
    expect(graphLog.filter((r) => r.status === -2)).toEqual([hung]);

    const events = (await takeEvents(t.services)).filter((e) => e.id === 'hung-first');
    expect(events.map((e) => e.status)).toEqual(['retrying', 'sent']);
    expect(events.find((e) => e.status === 'retrying')?.code).toBe('PROVIDER_TIMEOUT');

    expect(t.services.delivery.limiter.active(key)).toBe(0);
  });

  it.each([
    [
      'the Entra ID token endpoint (an @azure/identity credential)',
      'microsoft',
      { service: 'entra', method: 'POST', path: '/oauth2/v2.0/token$' },
    ],
    ['Gmail messages.send (gaxios)', 'google', { service: 'gmail', method: 'POST', path: '/messages/send$' }],
  ] as const)('%s hanging once: PROVIDER_TIMEOUT, then sent exactly once', async (_what, provider, fault) => {
    const org = newOrgId(`hung-${provider}`);
    const sender =
      provider === 'microsoft' ? await microsoftSender(t.services, org) : await googleSender(t.services, org, 'alerts@fabrikam.example');
    await sandboxControl('DELETE', 'messages');
    await takeEvents(t.services);
    await sandboxControl('POST', 'faults', { ...fault, hang: true, count: 1 });

    await enqueueAll(t.host, org, ['one']);
    const [row] = [...(await waitForFinal(t.services, org, ['one'], 60_000)).values()];
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    const events = (await takeEvents(t.services)).filter((e) => e.id === 'one' && e.orgId === org);
    expect(events.find((e) => e.status === 'retrying')?.code).toBe('PROVIDER_TIMEOUT');
    const subjects = (await acceptedMessages()).filter((m) => m.mailbox === sender.senderEmail).map((m) => m.subject);
    expect(subjects.filter((x) => x === 'Subject one')).toHaveLength(1);
    const faults = await sandboxControl<Array<{ hits: number }>>('GET', 'faults');
    expect(faults).toEqual([]); // used up: exactly one request hung
  });
});
