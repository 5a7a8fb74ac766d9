/**
 * The `outbox` queue message around a v1 message. Either the whole message travels inline, or (claim
 * check) only `{v, id, orgId, payloadRef}` does and the message waits in blob `payloads`. The worker
 * adds `slot` when it re-enqueues: the per-mailbox send time it reserved, so the next delivery of
 * the same message does not reserve again. The poison handler adds `redrive` when it puts a message
 * the host gave up on back on `outbox` (see `redrive.ts`); every later copy carries it, so the bound
 * on re-drives holds however often the worker re-enqueues in between.
 */
import { z } from 'zod';
import { ORG_ID_PATTERN } from '../model/sender';
import { MESSAGE_ID_PATTERN, MESSAGE_VERSION } from './schema';

/**
 * Proof, carried by a follow-up queue message, that the provider accepted attempt `attempt` of this
 * message when the row could not be moved to `sent` (worker.ts): a later worker records `sent` from it.
 */
export interface Accepted {
  attempt: number;
  /** The worker that sent it (its lease may still be live). */
  owner: string;
  /** When the provider accepted it (ISO). */
  at: string;
  providerMessageId?: string;
}

/**
 * The delivery row as the enqueue API inserted it (`queued`): every field it wrote and its ETag. With
 * it the worker has the row without reading it, and its first write is conditioned on that ETag; a
 * row that moved on since (a duplicate, a re-delivery) refuses the write and is then read. The copy
 * the enqueue API queued carries it, and so does a copy put back to wait before any attempt (knownRow.ts).
 */
export interface RowSnapshot {
  etag: string;
  /** The row's createdAt (ISO). */
  at: string;
  category?: string;
  workspace?: string;
  recipients?: number;
  contentHash?: string;
  /** A group send's copy: its parent message and directory member. */
  parent?: string;
  member?: string;
}

export interface Slot {
  /** The mailbox key (`provider:address`) the time was reserved on. */
  mailbox: string;
  /** When the message may go out (ms since epoch). */
  at: number;
}

const envelopeSchema = z.looseObject({
  v: z.literal(MESSAGE_VERSION),
  id: z.string().regex(MESSAGE_ID_PATTERN),
  orgId: z.string().regex(ORG_ID_PATTERN),
  payloadRef: z.string().min(1).max(1024).optional(),
  slot: z.strictObject({ mailbox: z.string().min(1).max(512), at: z.number().int().nonnegative() }).optional(),
  accepted: z
    .strictObject({
      attempt: z.number().int().positive(),
      owner: z.string().min(1).max(64),
      at: z.string().max(40),
      providerMessageId: z.string().max(1024).optional(),
    })
    .optional(),
  row: z
    .strictObject({
      etag: z.string().min(1).max(256),
      at: z.string().max(40),
      category: z.string().max(256).optional(),
      workspace: z.string().max(256).optional(),
      recipients: z.number().int().nonnegative().optional(),
      contentHash: z.string().max(128).optional(),
      parent: z.string().max(256).optional(),
      member: z.string().max(256).optional(),
    })
    .optional(),
  seen: z.literal(true).optional(),
  // The message's own field; a claim-checked body carries it beside `payloadRef` (claimCheck.ts).
  resendIfUncertain: z.boolean().optional(),
  toGroups: z.literal(true).optional(),
  redrive: z
    .strictObject({ count: z.number().int().positive(), since: z.number().int().nonnegative(), reason: z.string().max(1000) })
    .optional(),
});

/** How often, since when and why the poison handler re-drove this message. */
export interface Redrive {
  count: number;
  /** When it was first re-driven (ms since epoch). */
  since: number;
  /** Why the last re-drive happened (never message contents). */
  reason: string;
}

export interface Envelope {
  id: string;
  orgId: string;
  payloadRef?: string;
  slot?: Slot;
  accepted?: Accepted;
  redrive?: Redrive;
  /** The row as inserted for this body (knownRow.ts): on the enqueue API's copy and on copies put back to wait. */
  row?: RowSnapshot;
  /** Put back on the queue by org-mailer (requeue.ts): its row exists and is read. */
  seen?: true;
  /** The message's `resendIfUncertain` and whether it names `{ group }` recipients: readable without loading a claim-checked payload. */
  resendIfUncertain?: true;
  toGroups?: true;
  /** The message fields without the envelope-only ones (`payloadRef`, `slot`, `accepted`, `redrive`, `row`, `seen`). */
  content: Record<string, unknown>;
}

export type ReadEnvelope = { ok: true; envelope: Envelope } | { ok: false; raw: string; reason: string };

/** Text of a queue entry as the Functions host hands it over (parsed JSON, a string, or bytes). */
export function entryText(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (Buffer.isBuffer(entry)) return entry.toString('utf8');
  try {
    return JSON.stringify(entry) ?? String(entry);
  } catch {
    return String(entry);
  }
}

/**
 * Reads the envelope without judging the content: a message whose id and org cannot be read has no
 * delivery row to fail, so the caller sets it aside with its raw text.
 */
export function readEnvelope(entry: unknown): ReadEnvelope {
  let value: unknown = entry;
  if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
    try {
      value = JSON.parse(entryText(entry));
    } catch {
      return { ok: false, raw: entryText(entry), reason: 'not JSON' };
    }
  }
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    return { ok: false, raw: entryText(entry), reason: `no readable ${problem?.path.join('.') || 'envelope'} (v, id, orgId)` };
  }
  const { payloadRef, slot, accepted, redrive, row, seen, toGroups, ...content } = parsed.data;
  return {
    ok: true,
    envelope: {
      id: parsed.data.id,
      orgId: parsed.data.orgId,
      payloadRef,
      slot,
      redrive,
      ...(accepted ? { accepted } : {}),
      ...(row ? { row } : {}),
      ...(seen ? { seen } : {}),
      ...(content.resendIfUncertain === true ? { resendIfUncertain: true as const } : {}),
      ...(toGroups || namesGroups(content) ? { toGroups: true as const } : {}),
      content,
    },
  };
}

const namesGroups = (content: Record<string, unknown>): boolean =>
  [content.to, content.cc, content.bcc].some(
    (list) => Array.isArray(list) && list.some((e) => typeof e === 'object' && e !== null && 'group' in e),
  );

type EnvelopeBase = Pick<Envelope, 'id' | 'orgId' | 'payloadRef' | 'redrive' | 'resendIfUncertain' | 'toGroups'> & {
  content?: Record<string, unknown>;
};

/** What a queue message carries besides the message: each optional. */
export type EnvelopeExtras = Partial<Pick<Envelope, 'slot' | 'accepted' | 'row' | 'seen'>>;

/** The queue message for a message already claim-checked, or an inline one; `redrive` and `resendIfUncertain` kept. */
export function buildEnvelope(base: EnvelopeBase, extras: EnvelopeExtras = {}): Record<string, unknown> {
  const body: Record<string, unknown> = base.payloadRef
    ? { v: MESSAGE_VERSION, id: base.id, orgId: base.orgId, payloadRef: base.payloadRef }
    : { ...(base.content ?? {}), v: MESSAGE_VERSION, id: base.id, orgId: base.orgId };
  if (base.payloadRef && base.resendIfUncertain) body.resendIfUncertain = true;
  if (base.payloadRef && base.toGroups) body.toGroups = true;
  if (base.redrive) body.redrive = base.redrive;
  for (const [key, value] of Object.entries(extras)) if (value !== undefined) body[key] = value;
  return body;
}
