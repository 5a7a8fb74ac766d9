/** The message a queue entry carries: inline, or from its claim-check payload; validated and tied to the envelope. */
import { MailerError } from '../errors';
import type { PayloadStore } from '../store/payloadStore';
import type { Envelope } from './envelope';
import { Message, parseMessage } from './schema';

const invalid = (message: string, payloadRef: string) => new MailerError('INVALID_MESSAGE', message, { fields: { payloadRef } });

export async function loadMessage(envelope: Envelope, payloads: Pick<PayloadStore, 'get'>): Promise<Message> {
  let content: unknown = envelope.content;
  if (envelope.payloadRef) {
    const blob = await payloads.get(envelope.payloadRef);
    if (!blob) throw invalid('The message payload (claim check) was not found.', 'no such payload');
    try {
      content = JSON.parse(blob.toString('utf8'));
    } catch {
      throw invalid('The message payload (claim check) is not JSON.', 'not JSON');
    }
  }
  const message = parseMessage(content);
  if (message.id !== envelope.id || message.orgId !== envelope.orgId)
    throw invalid('The message payload belongs to another message.', 'id or orgId differ');
  return message;
}
