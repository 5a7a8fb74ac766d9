/**
 * The typed client (`org-mailer/client`): a SaaS backend enqueues straight onto the outbox queue,
 * without HTTP; the worker creates the delivery row, schedules, sends, and drops duplicates.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MailerError, OrgMailerClient } from '@shared/client';
import { ensureAllStorage } from '@shared/store/storageClients';
import {
  acceptedMessages,
  microsoftSender,
  newOrgId,
  sandboxControl,
  startWithDefaultSender,
  TestHost,
  waitFor,
  waitForFinal,
} from './delivery-helpers';

let t: TestHost;
let client: OrgMailerClient;

beforeAll(async () => {
  t = await startWithDefaultSender();
  // The client never creates queues or containers (its identity may not be allowed to): the
  // deployment does, as `npm start` does locally.
  await ensureAllStorage(t.services.storage);
  client = new OrgMailerClient({ connectionString: process.env.AzureWebJobsStorage! });
});

afterAll(async () => {
  await t?.host.close();
});

describe('typed client', () => {
  it('is the package entry org-mailer/client', () => {
    const probe = spawnSync(process.execPath, ['-p', "typeof require('org-mailer/client').OrgMailerClient"], { encoding: 'utf8' });
    expect(probe.stdout.trim()).toBe('function');
  });

  it('validates before touching Storage, with the same fields as the API', async () => {
    const error = await client.send('acme', { id: 'x', to: [], subject: 'Hi\nthere', text: 't' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailerError);
    expect((error as MailerError).fields).toEqual({
      subject: expect.stringMatching(/CR, LF/),
      to: expect.stringMatching(/at least one recipient/),
    });
    expect(() => OrgMailerClient.validate('Not An Org', { id: 'x', to: [{ address: 'a@example.com' }], subject: 's', text: 't' })).toThrow(
      /organization id/,
    );
  });

  it('enqueues straight to the queue: small inline, large by claim check; each is delivered once', async () => {
    const org = newOrgId('client');
    await microsoftSender(t.services, org);
    await sandboxControl('DELETE', 'messages');
    const file = randomBytes(100 * 1024);
    const small = await client.send(org, { id: 'small', to: [{ address: 'a@example.com' }], subject: `client small ${org}`, text: 'hi' });
    const large = await client.send(org, {
      id: 'large',
      to: [{ address: 'a@example.com' }],
      subject: `client large ${org}`,
      text: 'see file',
      attachments: [{ name: 'data.bin', contentBase64: file.toString('base64') }],
    });
    expect(small).toEqual({ id: 'small', status: 'queued' });
    expect(large).toMatchObject({ id: 'large', status: 'queued', payloadRef: expect.stringMatching(new RegExp(`^${org}/`)) });
    // A backend that timed out and sent again: still one message.
    await client.send(org, { id: 'small', to: [{ address: 'a@example.com' }], subject: `client small ${org}`, text: 'hi' });

    const rows = await waitForFinal(t.services, org, ['small', 'large']);
    expect(rows.get('small')).toMatchObject({ status: 'sent', via: 'org' });
    expect(rows.get('large')).toMatchObject({ status: 'sent' });
    await waitFor('the duplicate to be dropped', async () =>
      t.logs.some((l) => l.includes(`${org}/small is already sent`)) ? true : undefined,
    );
    const accepted = await acceptedMessages();
    expect(accepted.filter((m) => m.subject === `client small ${org}`)).toHaveLength(1);
    const [graph] = accepted.filter((m) => m.subject === `client large ${org}`).map((m) => JSON.parse(m.raw));
    expect(Buffer.compare(Buffer.from(graph.message.attachments[0].contentBytes, 'base64'), file)).toBe(0);
  });
});
