/**
 * Expanding a message's `{ group }` recipients from the synced directory copy into the final
 * recipients, each of whom gets a copy of the message addressed to them alone (groupFanout.ts).
 *
 * The rule for mixing (docs/delivery.md, "Sending to a directory group"): every final recipient, whether named
 * in to, cc or bcc, by address or through a group, gets ONE copy with only themselves in `to`; cc
 * and bcc lose their meaning, since nobody sees anybody else. Addresses are deduplicated
 * case-insensitively (explicit entries first, then groups in the order named); disabled accounts and
 * members without mail are skipped and counted, never sent to.
 */
import { createHash } from 'node:crypto';
import type { DirectoryReader, DirectoryUser } from '../model/directory';
import { isMailerError, MailerError } from '../errors';
import { MAX_SKIPPED_IDS, ResolvedGroup } from '../model/group';
import { distinctGroupRefs } from './groupRefs';
import { AddressEntry, isGroupRef, Message } from './schema';

export interface FinalRecipient {
  address: string;
  name?: string;
  /** The directory user id, for a member reached through a group. */
  member?: string;
}

export interface Expansion {
  groups: ResolvedGroup[];
  recipients: FinalRecipient[];
  skipped: { disabled: number; noMail: number; disabledIds: string[]; noMailIds: string[] };
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f\u2028\u2029]/g;
/** A directory display name as a header value: no control characters, at most the schema's 256. */
const displayName = (name: string): string | undefined => name.replace(CONTROL_CHARS, ' ').trim().slice(0, 256) || undefined;

/**
 * The final recipients of `message`, each distinct group expanded once. Throws
 * DIRECTORY_TOO_MANY_GROUPS past MAX_GROUP_ENTRIES distinct groups (before any read),
 * DIRECTORY_GROUP_NOT_FOUND for a group the copy does not hold, DIRECTORY_GROUP_TOO_LARGE past `limit` (the reader stops a group past it; the distinct
 * total is held to it too), and lets the reader's transient errors (Storage) through.
 */
export async function expandRecipients(
  message: Pick<Message, 'orgId' | 'to' | 'cc' | 'bcc'>,
  reader: DirectoryReader,
  limit: number,
): Promise<Expansion> {
  const entries = [...message.to, ...message.cc, ...message.bcc];
  const seen = new Set<string>();
  const recipients: FinalRecipient[] = [];
  const add = (recipient: FinalRecipient) => {
    const key = recipient.address.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    recipients.push(recipient);
  };
  for (const entry of entries)
    if (!isGroupRef(entry)) add({ address: (entry as AddressEntry).address, name: (entry as AddressEntry).name });

  const groups: ResolvedGroup[] = [];
  const disabled = new Set<string>();
  const noMail = new Set<string>();
  for (const entry of distinctGroupRefs(message)) {
    const found = await reader.findGroup(message.orgId, entry.group, entry.connection);
    if (!found) {
      throw new MailerError(
        'DIRECTORY_GROUP_NOT_FOUND',
        `The group "${entry.group.slice(0, 100)}" is not in the organization's synced directory${entry.connection ? ` (connection ${entry.connection})` : ''}.`,
      );
    }
    // The same group named by id and by mail: expanded once.
    if (groups.some((g) => g.connection === found.connectionId && g.groupId === found.group.id)) continue;
    groups.push({ ref: entry.group, connection: found.connectionId, groupId: found.group.id, name: found.group.name });
    const users: DirectoryUser[] = await reader.transitiveUsers(message.orgId, found.connectionId, found.group.id, limit);
    if (users.length > limit) throw tooLarge(found.group.name, users.length, limit);
    for (const user of users) {
      if (!user.enabled) disabled.add(user.id);
      else if (!user.mail) noMail.add(user.id);
      else add({ address: user.mail, name: displayName(user.displayName), member: user.id });
    }
  }
  if (recipients.length > limit) throw tooLarge(groups.map((g) => g.name).join(', '), recipients.length, limit);
  return {
    groups,
    recipients,
    skipped: {
      disabled: disabled.size,
      noMail: noMail.size,
      disabledIds: [...disabled].slice(0, MAX_SKIPPED_IDS),
      noMailIds: [...noMail].slice(0, MAX_SKIPPED_IDS),
    },
  };
}

/** The expansion a group message is sent with: refused (DIRECTORY_GROUP_EMPTY) when no one is left to send to. */
export async function expandGroupMessage(message: Message, reader: DirectoryReader, limit: number): Promise<Expansion> {
  const expansion = await expandRecipients(message, reader, limit);
  if (expansion.recipients.length === 0) {
    const { disabled, noMail } = expansion.skipped;
    throw new MailerError('DIRECTORY_GROUP_EMPTY', `No one is left to send to: ${disabled} disabled and ${noMail} without mail.`);
  }
  return expansion;
}

/**
 * The enqueue API's check of a message's `{ group }` recipients, before anything is written: a group
 * the synced copy does not hold, or one too large, is refused at once. When Storage cannot be read
 * now, the worker expands at send time and decides then.
 */
export function groupCheckAtEnqueue(reader: DirectoryReader, limit: number): (message: Message) => Promise<void> {
  return async (message) => {
    try {
      await expandGroupMessage(message, reader, limit);
    } catch (error) {
      if (!isMailerError(error) || error.retryable) return;
      throw error;
    }
  };
}

function tooLarge(name: string, count: number, limit: number): MailerError {
  return new MailerError(
    'DIRECTORY_GROUP_TOO_LARGE',
    `The message would reach ${count} members of ${name.slice(0, 200)}; the limit is ${limit} (DIRECTORY_GROUP_MAX_RECIPIENTS).`,
  );
}

/**
 * The id of the copy for one recipient: the same parent and address always give the same id, so a
 * re-expansion after a crash finds (and skips) the copies already made, and a copy made twice is one
 * delivery (its row's insert is the duplicate check). Fits MESSAGE_ID_PATTERN: at most 64 characters
 * of the parent id, `=`, 32 hex digits. All copies of a parent share the prefix `childPrefix(parent)`.
 */
export function childId(parentId: string, address: string): string {
  const digest = createHash('sha256').update(`${parentId}\n${address.toLowerCase()}`).digest('hex').slice(0, 32);
  return `${childPrefix(parentId)}${digest}`;
}

export const childPrefix = (parentId: string): string => `${parentId.slice(0, 64)}=`;
