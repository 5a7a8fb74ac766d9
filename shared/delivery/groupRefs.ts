/**
 * The `{ group }` entries of one message, each group once. A message may name the same group many
 * times (in to, cc and bcc, by id and by mail in any case); each distinct reference is looked up and
 * expanded once, and at most MAX_GROUP_ENTRIES distinct ones are accepted, so one request cannot
 * make hundreds of directory expansions (README "Sending to a directory group").
 */
import { MailerError } from '../errors';
import { groupRefsOf, type GroupRef, type Message } from './schema';

/** Distinct group references one message may name. */
export const MAX_GROUP_ENTRIES = 20;

/** Mails compare case-insensitively (RFC 5321 domains; directory mails are matched that way too); ids exactly. */
const refKey = (ref: GroupRef): string =>
  JSON.stringify([ref.connection ?? '', ref.group.includes('@') ? ref.group.toLowerCase() : ref.group]);

/** The message's group references, first occurrence of each; DIRECTORY_TOO_MANY_GROUPS past the cap. */
export function distinctGroupRefs(message: Pick<Message, 'to' | 'cc' | 'bcc'>): GroupRef[] {
  const byKey = new Map<string, GroupRef>();
  for (const ref of groupRefsOf(message)) if (!byKey.has(refKey(ref))) byKey.set(refKey(ref), ref);
  if (byKey.size > MAX_GROUP_ENTRIES) {
    throw new MailerError(
      'DIRECTORY_TOO_MANY_GROUPS',
      `The message names ${byKey.size} different groups; at most ${MAX_GROUP_ENTRIES} are allowed.`,
    );
  }
  return [...byKey.values()];
}
