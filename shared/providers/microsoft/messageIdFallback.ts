/**
 * `internetMessageId` on sendMail: Graph documents the property as writable only while a message is a
 * draft (https://learn.microsoft.com/graph/api/resources/message#properties), and no public source
 * settles whether sendMail's new message counts as one (docs/providers.md). So a 400 that names the
 * property is answered by sending the same message again without it: a 400 is a refusal before
 * submission, so nothing was sent and nothing can be duplicated. The tenant is then remembered, so its
 * next messages go without the property at once. Bounded: 10,000 tenants, each for a day, after which
 * the property is tried again.
 */
import { boundedCache, type BoundedCache } from '../../cache/bounded';
import type { MailerError } from '../../errors';

const DAY_MS = 24 * 3600 * 1000;

export interface MessageIdRefusals {
  refuses(tenantId: string | undefined): boolean;
  remember(tenantId: string | undefined): void;
}

/** Pure: does Graph's refusal name the property (`internetMessageId`, or "internet message id" in words)? */
export function refusesMessageId(error: MailerError): boolean {
  return error.code === 'INVALID_MESSAGE' && /internet\s*message\s*id/i.test(`${error.providerCode ?? ''} ${error.message}`);
}

export function createMessageIdRefusals(
  cache: BoundedCache<string, true> = boundedCache({ max: 10_000, ttlMs: DAY_MS }),
): MessageIdRefusals {
  return {
    refuses: (tenantId) => !!tenantId && cache.has(tenantId),
    remember: (tenantId) => {
      if (tenantId) cache.set(tenantId, true);
    },
  };
}

/** One per process: every Microsoft sender of a tenant learns from the first refusal. */
export const messageIdRefusals = createMessageIdRefusals();
