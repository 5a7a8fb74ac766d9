/**
 * What a delivery row records about a message sent to directory groups (delivery/groupFanout.ts).
 * The parent row (the message as enqueued) carries `group`; each per-recipient copy (a child) is a
 * delivery row of its own with `parent` (the parent's id) and, for a group member, `member` (the
 * directory user id). Counts and ids only: addresses stay in the message, never on a row.
 */
import type { ErrorCode } from '../errors';

/** The most skipped member ids kept on the parent row per reason (the counts are always whole). */
export const MAX_SKIPPED_IDS = 100;

export interface ResolvedGroup {
  /** As the message named it (group id or mail). */
  ref: string;
  /** The directory connection it was found in. */
  connection: string;
  groupId: string;
  name: string;
}

export interface GroupOutcomes {
  sent: number;
  failed: number;
  uncertain: number;
  /** Children not final yet. */
  pending: number;
  /** Codes of the children not sent (failed or uncertain), with how many each. */
  reasons: Partial<Record<ErrorCode, number>>;
}

export interface GroupSend {
  groups: ResolvedGroup[];
  /** Distinct final recipients, each sent a copy of its own (explicit addresses of the message included). */
  expandedCount: number;
  /** Members not sent to: disabled accounts and members without mail, counted, with their directory ids. */
  skipped: { disabled: number; noMail: number; disabledIds: string[]; noMailIds: string[] };
  /** The children's outcomes at the last rollup. */
  outcomes: GroupOutcomes;
  expandedAt: string;
  /** Rollup checks so far (they are spaced out as they grow). */
  checks: number;
}
