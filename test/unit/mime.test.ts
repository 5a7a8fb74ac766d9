import { simpleParser } from 'mailparser';
import { buildMime, stableMessageId } from '@shared/mime';
import type { OutgoingMail } from '@shared/providers/types';

const pdf = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));

function mail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    id: 'invite-42',
    to: [{ address: 'jürgen@example.com', name: 'Jürgen Müller' }],
    cc: [{ address: 'cc@example.com' }],
    bcc: [{ address: 'hidden@example.com' }],
    replyTo: [],
    subject: 'Einladung: Überprüfung 📬',
    text: 'Hallo Jürgen',
    html: '<p>Hallo <b>Jürgen</b></p>',
    attachments: [{ name: 'rechnung.pdf', contentType: 'application/pdf', content: pdf }],
    headers: { 'X-Entity-Ref-ID': 'ref-42' },
    ...overrides,
  };
}

const from = { address: 'alerts@fabrikam.example', name: 'Fabrikam Alerts' };

describe('buildMime', () => {
  it('round-trips From, UTF-8 subject, both alternatives, the attachment and the X- header', async () => {
    const parsed = await simpleParser(await buildMime(mail(), { from }));
    expect(parsed.from?.value).toEqual([{ address: 'alerts@fabrikam.example', name: 'Fabrikam Alerts' }]);
    expect(parsed.subject).toBe('Einladung: Überprüfung 📬');
    expect(parsed.text?.trim()).toBe('Hallo Jürgen');
    expect(parsed.html).toContain('<b>Jürgen</b>');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0].filename).toBe('rechnung.pdf');
    expect(parsed.attachments[0].contentType).toBe('application/pdf');
    expect(Buffer.compare(parsed.attachments[0].content, pdf)).toBe(0);
    expect(parsed.headers.get('x-entity-ref-id')).toBe('ref-42');
    expect((parsed.to as { value: unknown[] }).value).toEqual([{ address: 'jürgen@example.com', name: 'Jürgen Müller' }]);
  });

  it('keeps Bcc only when asked (Gmail reads recipients from the headers)', async () => {
    const kept = await simpleParser(await buildMime(mail(), { from, keepBcc: true }));
    const dropped = await simpleParser(await buildMime(mail(), { from }));
    expect((kept.bcc as { text: string } | undefined)?.text).toBe('hidden@example.com');
    expect(dropped.bcc).toBeUndefined();
  });

  it('uses the message Reply-To, else the sender default', async () => {
    const defaultReplyTo = [{ address: 'support@fabrikam.example' }];
    const withDefault = await simpleParser(await buildMime(mail(), { from, defaultReplyTo }));
    const own = await simpleParser(await buildMime(mail({ replyTo: [{ address: 'owner@example.com' }] }), { from, defaultReplyTo }));
    expect(withDefault.replyTo?.text).toBe('support@fabrikam.example');
    expect(own.replyTo?.text).toBe('owner@example.com');
  });

  it('derives the same Message-ID for every attempt of one delivery, and different ones otherwise', async () => {
    const first = await simpleParser(await buildMime(mail(), { from }));
    const again = await simpleParser(await buildMime(mail(), { from }));
    const other = await simpleParser(await buildMime(mail({ id: 'invite-43' }), { from }));
    expect(first.messageId).toBe(stableMessageId('invite-42', from.address));
    expect(again.messageId).toBe(first.messageId);
    expect(other.messageId).not.toBe(first.messageId);
    expect(first.messageId).toMatch(/^<[0-9a-f]{32}@fabrikam\.example>$/);
    expect(stableMessageId('invite-42', 'other@fabrikam.example')).not.toBe(first.messageId);
  });

  it('refuses to smuggle headers through CR/LF in a subject or header value', async () => {
    const raw = (
      await buildMime(mail({ subject: 'Hi\r\nBcc: victim@example.com', headers: { 'X-Ref': 'a\r\nX-Evil: 1' } }), { from })
    ).toString();
    const parsed = await simpleParser(raw);
    expect(parsed.headers.has('x-evil')).toBe(false);
    expect(raw).not.toMatch(/^Bcc: victim/m);
  });
});
