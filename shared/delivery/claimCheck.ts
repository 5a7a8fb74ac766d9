/**
 * The claim check (docs/delivery.md): a message whose queue text (Base64 JSON) would exceed
 * CLAIM_CHECK_THRESHOLD_BYTES is stored as a blob in `payloads` and only `{v, id, orgId,
 * payloadRef}` travels on the queue. Used by the enqueue API and the typed client alike.
 */
import { randomUUID } from 'node:crypto';
import type { PayloadStore } from '../store/payloadStore';
import { buildEnvelope } from './envelope';
import { CLAIM_CHECK_THRESHOLD_BYTES, groupRefsOf, Message } from './schema';

/** Base64 of the JSON: what the queue actually stores. */
export function encodedSize(value: unknown): number {
  return Math.ceil(Buffer.byteLength(JSON.stringify(value), 'utf8') / 3) * 4;
}

/** The queue message for `message`, uploading the payload first when it is too large to travel inline. */
export async function toQueueMessage(
  message: Message,
  payloads: Pick<PayloadStore, 'put'>,
  threshold: number = CLAIM_CHECK_THRESHOLD_BYTES,
): Promise<{ body: Record<string, unknown>; payloadRef?: string }> {
  const inline = buildEnvelope({ id: message.id, orgId: message.orgId, content: message });
  if (encodedSize(inline) <= threshold) return { body: inline };
  // A fresh name per upload: ids are the client's, and a re-sent id must not overwrite a payload
  // that an earlier queue message of the same id may still point to.
  const payloadRef = `${message.orgId}/${randomUUID()}.json`;
  await payloads.put(payloadRef, JSON.stringify(message));
  // What the worker decides on before loading the payload (decide.ts) travels beside it.
  const facts = {
    resendIfUncertain: message.resendIfUncertain || undefined,
    toGroups: groupRefsOf(message).length > 0 || undefined,
  } as const;
  return { body: buildEnvelope({ id: message.id, orgId: message.orgId, payloadRef, ...facts }), payloadRef };
}
