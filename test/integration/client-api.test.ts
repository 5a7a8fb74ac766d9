/**
 * The typed client's HTTP part (`OrgMailerApi` of `org-mailer/client`) against the local host, the
 * sandbox and Azurite: a second sender created, tested and routed to, `explain` and the delivery
 * status agreeing; the API's 4xx as MailerError with its code, message, hint and fields; and a
 * server that never answers cut by the call's deadline.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { MailerError, OrgMailerApi } from '@shared/client';
import {
  KEY,
  acceptedMessages,
  microsoftSender,
  newOrgId,
  sandboxControl,
  startWithDefaultSender,
  TestHost,
  waitForFinal,
} from './delivery-helpers';

let t: TestHost;
let mailer: OrgMailerApi;

beforeAll(async () => {
  t = await startWithDefaultSender();
  mailer = new OrgMailerApi({ baseUrl: t.host.url, functionKey: KEY });
});

afterAll(async () => {
  await t?.host.close();
});

const privacy = {
  key: 'compliance',
  provider: 'microsoft',
  mode: 'app_registration',
  senderEmail: 'privacy@contoso.example',
  senderName: 'Contoso Privacy',
  tenantId: CONTOSO_TENANT_ID,
  clientId: CONTOSO_APP_ID,
  clientSecret: CONTOSO_APP_SECRET,
} as const;

async function refusal(call: Promise<unknown>): Promise<MailerError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailerError);
  return error as MailerError;
}

describe('OrgMailerApi', () => {
  it('creates, tests and routes to a second sender; explain and the delivery status name it', async () => {
    const org = newOrgId('client-api');
    await microsoftSender(t.services, org);
    await sandboxControl('DELETE', 'messages');

    const created = await mailer.senders.create(org, privacy);
    expect(created).toMatchObject({ senderKey: 'compliance', status: 'draft', senderEmail: 'privacy@contoso.example' });
    expect(JSON.stringify(created)).not.toContain(CONTOSO_APP_SECRET);
    await expect(mailer.senders.verify(org, 'compliance')).resolves.toMatchObject({ ok: true });
    await expect(mailer.senders.test(org, 'compliance', 'dpo@example.com')).resolves.toMatchObject({
      ok: true,
      sentTo: 'dpo@example.com',
      sender: { senderKey: 'compliance', status: 'active', locked: true },
    });
    const listed = await mailer.senders.list(org);
    expect(listed.senders.map((s) => [s.senderKey, s.status])).toEqual([
      ['default', 'active'],
      ['compliance', 'active'],
    ]);

    const rules = [{ match: { category: 'compliance-alert' }, sender: 'compliance' }];
    await expect(mailer.routing.put(org, rules)).resolves.toEqual({ rules });
    await expect(mailer.routing.get(org)).resolves.toEqual({ rules });
    const explained = await mailer.routing.explain(org, { category: 'compliance-alert' });
    expect(explained).toMatchObject({
      sender: 'compliance',
      via: 'org',
      reason: 'rule 1 matched',
      hops: [],
      senderEmail: 'privacy@contoso.example',
    });
    await expect(mailer.routing.explain(org, { category: 'task' })).resolves.toMatchObject({
      sender: 'default',
      senderEmail: 'notifications@contoso.example',
    });

    await expect(
      mailer.messages.send(org, {
        id: 'alert-1',
        to: [{ address: 'a@example.com' }],
        subject: `client api ${org}`,
        text: 'x',
        category: 'compliance-alert',
      }),
    ).resolves.toEqual({ id: 'alert-1', status: 'queued' });
    await waitForFinal(t.services, org, ['alert-1']);
    await expect(mailer.messages.status(org, 'alert-1')).resolves.toMatchObject({ status: 'sent', senderKey: 'compliance', via: 'org' });
    expect((await acceptedMessages()).filter((m) => m.subject === `client api ${org}`).map((m) => m.mailbox)).toEqual([
      'privacy@contoso.example',
    ]);
  });

  it("throws the API's 4xx as MailerError with its code, message, hint and fields", async () => {
    const org = newOrgId('client-err');
    await microsoftSender(t.services, org);
    await mailer.senders.create(org, privacy);

    const taken = await refusal(mailer.senders.create(org, privacy));
    expect({ code: taken.code, status: taken.status, fields: taken.fields }).toEqual({
      code: 'SENDER_EXISTS',
      status: 409,
      fields: { key: 'is taken' },
    });
    expect(taken.message).toBe(`Organization ${org} already has a sender "compliance".`);

    const unknown = await refusal(mailer.routing.put(org, [{ match: { category: 'task' }, sender: 'nobody' }]));
    expect({ code: unknown.code, fields: unknown.fields }).toEqual({
      code: 'VALIDATION_FAILED',
      fields: { 'rules.0.sender': 'the org has no sender "nobody"' },
    });

    await mailer.routing.put(org, [{ match: { category: 'task' }, sender: 'compliance' }]);
    const inUse = await refusal(mailer.senders.delete(org, 'compliance'));
    expect({ code: inUse.code, status: inUse.status }).toEqual({ code: 'SENDER_IN_USE', status: 409 });

    const { key: _key, ...input } = privacy;
    const missing = await refusal(mailer.senders.save(org, 'absent', input));
    expect(missing.code).toBe('SENDER_NOT_FOUND');
    expect(missing.hint).toBe('Create it first with POST /api/orgs/{orgId}/senders.');
    await expect(mailer.routing.put(org, [])).resolves.toEqual({ rules: [] });
    await expect(mailer.senders.delete(org, 'compliance')).resolves.toBeUndefined();
    await expect(mailer.senders.list(org)).resolves.toMatchObject({ senders: [{ senderKey: 'default' }] });

    const wrongKey = await refusal(new OrgMailerApi({ baseUrl: t.host.url, functionKey: 'not-the-key' }).senders.list(org));
    expect(wrongKey.status).toBe(401);
  });

  it('gives up on a server that never answers at the deadline, as PROVIDER_TIMEOUT', async () => {
    const held: Server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    try {
      const slow = new OrgMailerApi({
        baseUrl: `http://127.0.0.1:${(held.address() as AddressInfo).port}`,
        functionKey: KEY,
        timeoutMs: 300,
      });
      const error = await refusal(slow.routing.get('acme'));
      expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'PROVIDER_TIMEOUT', retryable: true });
      expect(error.message).toContain('/api/orgs/acme/routing');
    } finally {
      held.closeAllConnections();
      held.close();
    }
  });
});
