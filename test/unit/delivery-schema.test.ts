import { MailerError } from '@shared/errors';
import { readEnvelope, buildEnvelope } from '@shared/delivery/envelope';
import { encodedSize, toQueueMessage } from '@shared/delivery/claimCheck';
import { CLAIM_CHECK_THRESHOLD_BYTES, MAX_MESSAGE_BYTES, parseMessage, parseMessageInput, toOutgoingMail } from '@shared/delivery/schema';

const good = (extra: Record<string, unknown> = {}) => ({
  id: 'msg-1',
  to: [{ address: 'ann@example.com', name: 'Ann Example' }],
  subject: 'Welcome',
  text: 'Hello',
  ...extra,
});

function fieldsOf(input: unknown): Record<string, string> {
  try {
    parseMessageInput('acme', input);
  } catch (error) {
    expect(error).toBeInstanceOf(MailerError);
    expect((error as MailerError).code).toBe('INVALID_MESSAGE');
    expect((error as MailerError).status).toBe(422);
    return (error as MailerError).fields ?? {};
  }
  throw new Error('expected the message to be refused');
}

const addresses = (n: number) => Array.from({ length: n }, (_, i) => ({ address: `user${i}@example.com` }));

describe('message schema v1', () => {
  it('accepts a minimal message and fills the defaults', () => {
    const message = parseMessageInput('acme', good());
    expect(message).toMatchObject({ v: 1, orgId: 'acme', id: 'msg-1', cc: [], bcc: [], replyTo: [], attachments: [], headers: {} });
  });

  it('has no "from": a message cannot choose its sender', () => {
    const fields = fieldsOf(good({ from: { address: 'ceo@acme.example' } }));
    expect(fields.from).toMatch(/no "from"/);
  });

  it('refuses missing recipients, and more than 500 in to + cc + bcc', () => {
    expect(fieldsOf(good({ to: [] })).to).toMatch(/at least one recipient/);
    expect(fieldsOf(good({ to: addresses(300), cc: addresses(200), bcc: addresses(100) })).to).toMatch(
      /at most 500 recipients in to \+ cc \+ bcc \(found 600\)/,
    );
    expect(parseMessageInput('acme', good({ to: [], bcc: addresses(500) })).bcc).toHaveLength(500);
  });

  it.each([
    ['plain', 'a@b', false],
    ['display-name form', 'Ann <ann@example.com>', false],
    ['two @', 'a@b@example.com', false],
    ['CRLF injection', 'ann@example.com\r\nBcc: evil@example.com', false],
    ['quoted local part', '"a b"@example.com', false],
    ['dot-atom with plus', 'first.last+tag@mail.example.co.uk', true],
  ])('recipient address %s', (_name, address, ok) => {
    const input = good({ to: [{ address }] });
    if (ok) expect((parseMessageInput('acme', input).to[0] as { address: string }).address).toBe(address);
    else expect(fieldsOf(input)['to.0.address']).toMatch(/RFC 5321|control/);
  });

  it('refuses CR/LF in every header value: subject, names, custom headers, attachment names', () => {
    expect(fieldsOf(good({ subject: 'Hi\r\nBcc: x@example.com' })).subject).toMatch(/CR, LF/);
    expect(fieldsOf(good({ to: [{ address: 'a@example.com', name: 'A\nB' }] }))['to.0.name']).toMatch(/CR, LF/);
    expect(fieldsOf(good({ headers: { 'X-Ref': 'a\r\nb' } }))['headers.X-Ref']).toMatch(/CR, LF/);
    const attachment = { name: 'a\r\n.pdf', contentType: 'application/pdf', contentBase64: 'QQ==' };
    expect(fieldsOf(good({ attachments: [attachment] }))['attachments.0.name']).toMatch(/CR, LF/);
  });

  it('limits the subject to 998 characters and requires text or html', () => {
    expect(fieldsOf(good({ subject: 'x'.repeat(999) })).subject).toBeDefined();
    expect(fieldsOf(good({ text: undefined })).text).toMatch(/text or html/);
    expect(parseMessageInput('acme', good({ text: undefined, html: '<p>Hi</p>' })).html).toBe('<p>Hi</p>');
  });

  it('allows only X- custom headers', () => {
    const fields = fieldsOf(good({ headers: { 'In-Reply-To': '<a@b>' } }));
    expect(Object.values(fields).join(' ')).toMatch(/must start with X-/);
    expect(parseMessageInput('acme', good({ headers: { 'X-Entity-Ref-ID': 'abc' } })).headers).toEqual({ 'X-Entity-Ref-ID': 'abc' });
  });

  it.each(['QUJD', 'QUI=', 'QQ==', ''])('accepts Base64 %p', (contentBase64) => {
    const message = parseMessageInput('acme', good({ attachments: [{ name: 'a.bin', contentBase64 }] }));
    expect(message.attachments[0].contentType).toBe('application/octet-stream');
  });

  it.each(['QUJ', 'QU=I', 'QUJD\nRA==', 'not base64!', 'QQ==QQ=='])('refuses bad Base64 %p', (contentBase64) => {
    expect(fieldsOf(good({ attachments: [{ name: 'a.bin', contentBase64 }] }))['attachments.0.contentBase64']).toMatch(/Base64/);
  });

  it('states and enforces the total size limit', () => {
    const big = Buffer.alloc(MAX_MESSAGE_BYTES).toString('base64');
    expect(fieldsOf(good({ attachments: [{ name: 'big.bin', contentBase64: big }] }))['(message)']).toMatch(/limit is 3670016 bytes/);
  });

  it('refuses ids that cannot be a Table row key', () => {
    expect(fieldsOf(good({ id: 'a/b' })).id).toBeDefined();
    expect(fieldsOf(good({ id: '' })).id).toBeDefined();
  });

  it('decodes attachments once for the provider', () => {
    const mail = toOutgoingMail(
      parseMessageInput('acme', good({ attachments: [{ name: 'a.txt', contentType: 'text/plain', contentBase64: 'aGVsbG8=' }] })),
    );
    expect(mail.attachments[0].content.toString()).toBe('hello');
    expect(mail).not.toHaveProperty('from');
  });

  it('the worker validates a whole queue message, orgId included', () => {
    expect(() => parseMessage({ ...good(), orgId: 'Bad Org' })).toThrow(MailerError);
    expect(parseMessage({ ...good(), v: 1, orgId: 'acme' }).orgId).toBe('acme');
    expect(() => parseMessage({ ...good(), v: 2, orgId: 'acme' })).toThrow(MailerError);
  });
});

describe('queue envelope', () => {
  it('reads id and orgId of a message without judging its content', () => {
    const read = readEnvelope({ v: 1, id: 'm1', orgId: 'acme', subject: 'x\r\ny', slot: { mailbox: 'microsoft:a@b.c', at: 5 } });
    expect(read).toEqual({
      ok: true,
      envelope: {
        id: 'm1',
        orgId: 'acme',
        slot: { mailbox: 'microsoft:a@b.c', at: 5 },
        payloadRef: undefined,
        content: { v: 1, id: 'm1', orgId: 'acme', subject: 'x\r\ny' },
      },
    });
  });

  it('reports unreadable entries with their raw text', () => {
    expect(readEnvelope('{not json')).toEqual({ ok: false, raw: '{not json', reason: 'not JSON' });
    expect(readEnvelope({ v: 1, orgId: 'acme' })).toMatchObject({ ok: false, reason: expect.stringMatching(/id/) });
    expect(readEnvelope(JSON.stringify({ v: 1, id: 'm', orgId: 'UPPER' }))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/orgId/),
    });
  });

  it('rebuilds a claim-checked envelope without the content', () => {
    expect(
      buildEnvelope({ id: 'm', orgId: 'o', payloadRef: 'o/x.json', content: { subject: 's' } }, { slot: { mailbox: 'k', at: 1 } }),
    ).toEqual({
      v: 1,
      id: 'm',
      orgId: 'o',
      payloadRef: 'o/x.json',
      slot: { mailbox: 'k', at: 1 },
    });
  });
});

describe('claim check', () => {
  it('keeps small messages inline and stores large ones as a payload', async () => {
    const puts: Array<[string, string]> = [];
    const payloads = { put: async (name: string, data: Buffer | string) => void puts.push([name, String(data)]) };
    const small = parseMessageInput('acme', good());
    expect(await toQueueMessage(small, payloads)).toEqual({ body: expect.objectContaining({ id: 'msg-1', subject: 'Welcome' }) });
    expect(puts).toHaveLength(0);

    const large = parseMessageInput('acme', good({ text: 'x'.repeat(CLAIM_CHECK_THRESHOLD_BYTES) }));
    const queued = await toQueueMessage(large, payloads);
    expect(queued.body).toEqual({ v: 1, id: 'msg-1', orgId: 'acme', payloadRef: queued.payloadRef });
    expect(queued.payloadRef).toMatch(/^acme\/[0-9a-f-]{36}\.json$/);
    expect(JSON.parse(puts[0][1])).toEqual(large);
    expect(encodedSize(queued.body)).toBeLessThan(200);
  });
});
