/**
 * A Message-ID that stays the same for every attempt of one delivery (a retry after a timeout, or
 * a resend of an `uncertain` message, sends an identical message, so recipients' clients can thread
 * or de-duplicate it). The left part hashes the delivery id with the sender address, so two senders
 * using the same client id do not collide; the right part is the sender's domain, as RFC 5322
 * section 3.6.4 suggests (a domain the sender controls). Gmail gets it as the MIME Message-ID
 * (mime.ts), Graph as the message's `internetMessageId` (providers/microsoft/graphMessage.ts).
 * Its own module, so the Graph provider does not load nodemailer for it.
 */
import { createHash } from 'node:crypto';

export function stableMessageId(deliveryId: string, senderAddress: string): string {
  const digest = createHash('sha256').update(`${senderAddress.toLowerCase()}\n${deliveryId}`).digest('hex').slice(0, 32);
  const domain = senderAddress.split('@').pop() || 'org-mailer.invalid';
  return `<${digest}@${domain}>`;
}
