/**
 * RFC 5322 messages built with nodemailer's MailComposer (never by hand): it encodes non-ASCII
 * display names and subjects (RFC 2047), folds headers, builds multipart/alternative for text + HTML
 * and multipart/mixed for attachments, and refuses CR/LF injection in headers.
 *
 * Used by providers that send raw MIME (Gmail's `raw` / upload, Graph's MIME variant).
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { stableMessageId } from './messageId';
import type { MailAddress, OutgoingMail } from './providers/types';

export { stableMessageId } from './messageId';

export interface MimeOptions {
  /** The sender the message goes out as (name + address); the only From there is. */
  from: MailAddress;
  /** Used when the message itself names no Reply-To (the sender config's default). */
  defaultReplyTo?: MailAddress[];
  /**
   * Keep the Bcc header in the built message. Gmail's messages.send reads the recipients from the
   * headers of the raw message and removes Bcc itself, so for Gmail the header must travel;
   * for a relay that takes envelope recipients separately it must not.
   */
  keepBcc?: boolean;
}

/** Builds the raw RFC 822 bytes of `mail` sent as `options.from`. */
export async function buildMime(mail: OutgoingMail, options: MimeOptions): Promise<Buffer> {
  const replyTo = mail.replyTo.length > 0 ? mail.replyTo : (options.defaultReplyTo ?? []);
  const node = new MailComposer({
    from: address(options.from),
    to: mail.to.map(address),
    cc: mail.cc.map(address),
    bcc: mail.bcc.map(address),
    replyTo: replyTo.map(address),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    attachments: mail.attachments.map((a) => ({ filename: a.name, contentType: a.contentType, content: a.content })),
    headers: mail.headers,
    messageId: stableMessageId(mail.id, options.from.address),
    // Content comes only as buffers: never let a message make the composer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  }).compile();
  node.keepBcc = options.keepBcc === true;
  return node.build();
}

function address(a: MailAddress): { name: string; address: string } {
  return { name: a.name ?? '', address: a.address };
}
