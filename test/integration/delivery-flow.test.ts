/**
 * Delivery end to end: the messages API and the outbox queue trigger of the local host, Azurite,
 * and the sandbox's Entra ID, Graph, Google OAuth, Gmail and Key Vault, with the real SDKs.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import {
  acceptedMessages,
  api,
  dequeueCounts,
  enqueueAll,
  googleSender,
  microsoftSender,
  newOrgId,
  sandboxControl,
  startWithDefaultSender,
  takeEvents,
  TestHost,
  waitFor,
  waitForFinal,
} from './delivery-helpers';
import { createQueueStore } from '@shared/store/outboxQueue';
import { QUEUES } from '@shared/store/names';

let t: TestHost;
const msOrg = newOrgId('ms');
const googleOrg = newOrgId('g');
const noSenderOrg = newOrgId('none');

beforeAll(async () => {
  t = await startWithDefaultSender();
  await microsoftSender(t.services, msOrg);
  await googleSender(t.services, googleOrg, 'alerts@fabrikam.example');
});

afterAll(async () => {
  await t?.host.close();
});

describe('delivery through the local host', () => {
  it('200 messages for 3 orgs (Microsoft, Google, none -> default sender) all reach sent; sandbox, status and events agree', async () => {
    await sandboxControl('DELETE', 'messages');
    await takeEvents(t.services);
    const ids = (prefix: string) => Array.from({ length: 67 }, (_, i) => `${prefix}-${i}`);
    const plan: Array<[string, string[], string]> = [
      [msOrg, ids('ms'), 'notifications@contoso.example'],
      [googleOrg, ids('g'), 'alerts@fabrikam.example'],
      [noSenderOrg, ids('d').slice(0, 66), 'admin@fabrikam.example'],
    ];
    await Promise.all(plan.map(([org, list]) => enqueueAll(t.host, org, list, 6)));

    for (const [org, list, mailbox] of plan) {
      const rows = await waitForFinal(t.services, org, list);
      for (const row of rows.values()) {
        expect(row).toMatchObject({ status: 'sent', sender: mailbox, attempts: 1, via: org === noSenderOrg ? 'default' : 'org' });
      }
      if (org === noSenderOrg) expect([...rows.values()][0].viaReason).toBe('NO_ACTIVE_SENDER');
    }

    const accepted = await acceptedMessages();
    expect(accepted).toHaveLength(200);
    for (const [, list, mailbox] of plan) {
      const subjects = accepted
        .filter((m) => m.mailbox === mailbox)
        .map((m) => m.subject)
        .sort();
      expect(subjects).toEqual(list.map((id) => `Subject ${id}`).sort());
      for (const m of accepted.filter((a) => a.mailbox === mailbox)) expect(m.from.address).toBe(mailbox);
    }

    // Events: every message went queued (by the API) -> sent; `sending` is internal and not published.
    const events = await waitFor('events', async () => {
      const taken = await takeEvents(t.services);
      return taken.length ? taken : undefined;
    });
    const perMessage = new Map<string, string[]>();
    for (const e of events) perMessage.set(`${e.orgId}/${e.id}`, [...(perMessage.get(`${e.orgId}/${e.id}`) ?? []), e.status]);
    expect(perMessage.size).toBe(200);
    for (const statuses of perMessage.values()) expect(statuses).toEqual(['sent']);
    expect(events.find((e) => e.orgId === noSenderOrg && e.status === 'sent')).toMatchObject({ via: 'default' });

    // Nothing was retried by the host: every invocation saw its message for the first time.
    expect(new Set(dequeueCounts(t.logs))).toEqual(new Set([1]));
  }, 180_000);

  it('reads one status and lists newest first, paged and filtered', async () => {
    const org = newOrgId('list');
    await microsoftSender(t.services, org);
    for (const id of ['a1', 'a2', 'a3'])
      expect(
        (await api(t.host, 'POST', `orgs/${org}/messages`, { id, to: [{ address: 'x@example.com' }], subject: id, text: 'x' })).status,
      ).toBe(202);
    await waitForFinal(t.services, org, ['a1', 'a2', 'a3']);

    const one = await api(t.host, 'GET', `orgs/${org}/messages/a2`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id: 'a2',
      orgId: org,
      status: 'sent',
      via: 'org',
      provider: 'microsoft',
      sender: 'notifications@contoso.example',
      attempts: 1,
    });
    expect(JSON.stringify(one.body)).not.toMatch(/subject|Body of|leaseOwner/);

    const page1 = await api(t.host, 'GET', `orgs/${org}/messages?limit=2`);
    expect(page1.body.items.map((d: { id: string }) => d.id)).toEqual(['a3', 'a2']);
    const page2 = await api(t.host, 'GET', `orgs/${org}/messages?limit=2&cursor=${encodeURIComponent(page1.body.cursor)}`);
    expect(page2.body.items.map((d: { id: string }) => d.id)).toEqual(['a1']);
    expect((await api(t.host, 'GET', `orgs/${org}/messages?status=failed`)).body.items).toEqual([]);
    expect((await api(t.host, 'GET', `orgs/${org}/messages?status=bogus`)).status).toBe(400);
    expect((await api(t.host, 'GET', `orgs/${org}/messages/nope`)).status).toBe(404);
  });

  it('the same id enqueued twice is sent once', async () => {
    const org = newOrgId('dup');
    await microsoftSender(t.services, org);
    await sandboxControl('DELETE', 'messages');
    const body = { id: 'once', to: [{ address: 'x@example.com' }], subject: `dup ${org}`, text: 'x' };
    const [first, second] = await Promise.all([
      api(t.host, 'POST', `orgs/${org}/messages`, body),
      api(t.host, 'POST', `orgs/${org}/messages`, body),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    await waitForFinal(t.services, org, ['once']);
    const third = await api(t.host, 'POST', `orgs/${org}/messages`, body);
    expect(third).toEqual({ status: 202, body: { id: 'once', status: 'sent', duplicate: true } });
    await t.host.drain();
    expect((await acceptedMessages()).filter((m) => m.subject === `dup ${org}`)).toHaveLength(1);
  });

  it('the same id with different content: 409 IDEMPOTENCY_CONFLICT, and only the first content is ever sent', async () => {
    const org = newOrgId('conflict');
    await microsoftSender(t.services, org);
    const body = { id: 'same-id', to: [{ address: 'x@example.com' }], subject: `first ${org}`, text: 'x' };
    expect((await api(t.host, 'POST', `orgs/${org}/messages`, body)).status).toBe(202);
    const other = await api(t.host, 'POST', `orgs/${org}/messages`, { ...body, subject: `second ${org}` });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', hint: expect.stringMatching(/new id/) });
    // The same content again, keys in another order: still a plain duplicate.
    expect(
      (
        await api(t.host, 'POST', `orgs/${org}/messages`, {
          text: 'x',
          subject: `first ${org}`,
          to: [{ address: 'x@example.com' }],
          id: 'same-id',
        })
      ).body.duplicate,
    ).toBe(true);
    await waitForFinal(t.services, org, ['same-id']);
    await t.host.drain();
    const sent = (await acceptedMessages()).filter((m) => m.subject.endsWith(org));
    expect(sent.map((m) => m.subject)).toEqual([`first ${org}`]);
    expect(JSON.parse(sent[0].raw).message.internetMessageId).toMatch(/^<[0-9a-f]{32}@contoso\.example>$/);
  });

  it('bad messages: 422 at the API with fields; in the worker failed INVALID_MESSAGE or archived as POISON; the next good one still goes out', async () => {
    const org = newOrgId('bad');
    await microsoftSender(t.services, org);
    const post = (body: unknown) => api(t.host, 'POST', `orgs/${org}/messages`, body);
    const recipients = Array.from({ length: 600 }, (_, i) => ({ address: `r${i}@example.com` }));
    const cases: Array<[unknown, string]> = [
      [{ id: 'b1', to: [], subject: 's', text: 't' }, 'to'],
      [{ id: 'b2', to: [{ address: 'a@example.com' }], subject: 'Hi\r\nBcc: evil@example.com', text: 't' }, 'subject'],
      [{ id: 'b3', to: recipients, subject: 's', text: 't' }, 'to'],
      [
        {
          id: 'b4',
          to: [{ address: 'a@example.com' }],
          subject: 's',
          text: 't',
          attachments: [{ name: 'a.pdf', contentBase64: 'not*base64' }],
        },
        'attachments.0.contentBase64',
      ],
      [{ id: 'b5', to: [{ address: 'a@example.com' }], subject: 's', text: 't', from: { address: 'ceo@contoso.example' } }, 'from'],
    ];
    for (const [body, field] of cases) {
      const answer = await post(body);
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('INVALID_MESSAGE');
      expect(answer.body.error.fields).toHaveProperty([field]);
    }
    expect((await api(t.host, 'POST', `orgs/Not_An_Org/messages`, cases[0][0])).status).toBe(400);
    expect((await api(t.host, 'POST', `orgs/${org}/messages`, '{"id": "broken json')).status).toBe(400);
    // An org with no sender while no default sender exists cannot be delivered to: 422 at once.
    const saved = await t.services.senders.store.get('_default');
    await t.services.senders.store.delete('_default');
    try {
      const unknown = await api(t.host, 'POST', `orgs/${newOrgId('unknown')}/messages`, {
        id: 'u1',
        to: [{ address: 'a@example.com' }],
        subject: 's',
        text: 't',
      });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error.fields).toHaveProperty('orgId');
    } finally {
      await t.services.senders.store.create(saved!.config);
    }

    // The same mistakes put straight on the queue (as a buggy backend would), plus text that is not JSON.
    const outbox = createQueueStore(t.services.storage, QUEUES.outbox);
    for (const [body] of cases.slice(0, 4)) await outbox.send({ v: 1, orgId: org, ...(body as object) });
    const marker = randomBytes(6).toString('hex');
    await outbox.send(`{"v":1,"id":"${marker}", not json`);
    await outbox.send({ v: 1, id: 'after-bad', orgId: org, to: [{ address: 'a@example.com' }], subject: 'good one', text: 't' });

    const rows = await waitForFinal(t.services, org, ['b1', 'b2', 'b3', 'b4', 'after-bad']);
    for (const id of ['b1', 'b2', 'b3', 'b4'])
      expect(rows.get(id)).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'INVALID_MESSAGE' } });
    expect(rows.get('after-bad')).toMatchObject({ status: 'sent' });
    const archived = await waitFor('the archived unreadable message', async () => {
      const list = await t.services.delivery.poisonArchive.list(new Date().toISOString().slice(0, 10));
      return list.find((r) => r.raw.includes(marker));
    });
    expect(archived).toMatchObject({ queue: 'outbox', reason: 'not JSON' });
    expect(t.logs.filter((l) => /\[outbox(Express)?\] error/.test(l))).toEqual([]);
  });

  it('a 2 MB attachment travels by claim check and arrives intact', async () => {
    const org = newOrgId('big');
    await microsoftSender(t.services, org);
    await sandboxControl('DELETE', 'messages');
    const pdf = randomBytes(2 * 1024 * 1024);
    const answer = await api(t.host, 'POST', `orgs/${org}/messages`, {
      id: 'report',
      to: [{ address: 'x@example.com' }],
      subject: `big ${org}`,
      text: 'see attachment',
      attachments: [{ name: 'report.pdf', contentType: 'application/pdf', contentBase64: pdf.toString('base64') }],
    });
    expect(answer.status).toBe(202);
    const payloads = await t.services.storage.container('payloads');
    const blobs: string[] = [];
    for await (const blob of payloads.listBlobsFlat({ prefix: `${org}/` })) blobs.push(blob.name);
    expect(blobs).toHaveLength(1);

    await waitForFinal(t.services, org, ['report']);
    const [accepted] = (await acceptedMessages()).filter((m) => m.subject === `big ${org}`);
    const graph = JSON.parse(accepted.raw);
    const attachment = graph.message.attachments[0];
    expect(attachment.name).toBe('report.pdf');
    expect(Buffer.compare(Buffer.from(attachment.contentBytes, 'base64'), pdf)).toBe(0);
    // The claim-check blob is deleted once the message is sent.
    const left: string[] = [];
    for await (const blob of payloads.listBlobsFlat({ prefix: `${org}/` })) left.push(blob.name);
    expect(left).toEqual([]);
  });

  it('a Google message keeps its headers, alternatives and attachment through the queue', async () => {
    await sandboxControl('DELETE', 'messages');
    const answer = await api(t.host, 'POST', `orgs/${googleOrg}/messages`, {
      id: 'rich',
      to: [{ address: 'juergen@example.com', name: 'Jürgen Müller' }],
      subject: 'Grüße 📄',
      text: 'Hallo',
      html: '<p>Hallo</p>',
      attachments: [{ name: 'a.txt', contentType: 'text/plain', contentBase64: Buffer.from('hello').toString('base64') }],
      headers: { 'X-Entity-Ref-ID': 'ref-1' },
    });
    expect(answer.status).toBe(202);
    await waitForFinal(t.services, googleOrg, ['rich']);
    const [accepted] = await acceptedMessages();
    const parsed = await simpleParser(accepted.raw);
    expect(parsed.subject).toBe('Grüße 📄');
    expect(parsed.html).toContain('<p>Hallo</p>');
    expect(parsed.attachments[0].content.toString()).toBe('hello');
    expect(parsed.headers.get('x-entity-ref-id')).toBe('ref-1');
  });
});
