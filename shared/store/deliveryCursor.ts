/** The delivery list's cursor (shared/store/deliveryStore.ts `list`): the SDK's continuation token, checked on the way back. */
import { MailerError } from '../errors';

/** Cursor = the SDK's continuation token, made URL-safe. */
export const encodeCursor = (token: string) => Buffer.from(token, 'utf8').toString('base64url');

/**
 * The SDK's continuation token back from a caller's cursor. That token is Base64 of JSON
 * `{nextPartitionKey, nextRowKey?}` (@azure/data-tables utils/continuationToken.ts), which the SDK
 * JSON.parses without a check, so a cursor that is not one of ours is refused here, as bad input.
 * (A cursor of another org's list reads nothing of it: the query is filtered to `orgId`'s partition.)
 */
export function decodeCursor(cursor: string): string {
  const token = Buffer.from(cursor, 'base64url').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const next = parsed as { nextPartitionKey?: unknown; nextRowKey?: unknown } | undefined;
  if (
    !next ||
    typeof next !== 'object' ||
    typeof next.nextPartitionKey !== 'string' ||
    !['string', 'undefined'].includes(typeof next.nextRowKey)
  ) {
    throw new MailerError('BAD_REQUEST', 'The cursor is not one this list gave out.', {
      fields: { cursor: 'pass the cursor of the previous page unchanged' },
    });
  }
  return token;
}
