/**
 * Key Vault secret names: `org-<orgId>-<purpose>-<generation>` (docs/providers.md "Azure Key Vault"). Names are
 * built only here, from validated parts, never from user text.
 *
 * Three properties matter:
 * - Legal: Key Vault names are 1-127 letters, digits and dashes (no `_`), so the reserved org id
 *   `_default` maps to `org--default-...`: a real org id starts with a letter or digit, so no org can
 *   produce a name with `--` right after `org`.
 * - Unambiguous: org ids and purposes both contain dashes, so `org-a-b-c-1` could be read two ways
 *   if purposes were free text. Purposes therefore come from a fixed list in which no purpose is a
 *   dash-suffix of another (a unit test keeps it so), and the name parses back to exactly one
 *   (org, purpose, generation).
 * - Named senders (an org's senders other than `default`): `snd<n>-<orgId>-<senderKey>-<purpose>-<generation>`,
 *   where <n> is the length of the org id. Org ids and sender keys both contain dashes, so without
 *   the length `snd-a-b-c-...` could be org `a-b` key `c` or org `a` key `b-c`; with it every name
 *   parses back to one (org, key, purpose, generation), and no `snd` name can equal an `org-` one.
 *   The `default` sender keeps the `org-` names it always had. (Names: 1-127 of 0-9, a-z, A-Z and
 *   `-`: https://learn.microsoft.com/en-us/azure/key-vault/general/about-keys-secrets-certificates#object-identifiers)
 * - Generation: a deleted name stays reserved while soft-deleted (409 ObjectIsDeletedButRecoverable),
 *   so reset and re-consent move the generation forward instead of reusing a name.
 */
import { MailerError } from '../errors';
import { DEFAULT_ORG_ID, DEFAULT_SENDER_KEY, ORG_ID_PATTERN, SENDER_KEY_PATTERN } from '../model/sender';

/** What a secret is for. Add new purposes here (and keep none a dash-suffix of another). */
export const SECRET_PURPOSES = ['client-secret', 'refresh-token', 'service-account-key', 'webhook-signing-secret'] as const;
export type SecretPurpose = (typeof SECRET_PURPOSES)[number];

const PREFIX = 'org-';
/** `_default` in names: starts with a dash, which no real org id can. */
const DEFAULT_ORG_SEGMENT = '-default';
const MAX_NAME_LENGTH = 127;
const MAX_GENERATION = 1_000_000_000;

function invalid(field: string, why: string): MailerError {
  return new MailerError('VALIDATION_FAILED', `Cannot build a secret name: ${field} ${why}.`, { fields: { [field]: why } });
}

/** `org-<orgId>-<purpose>-<generation>` (or the named-sender form); throws VALIDATION_FAILED for a bad part. */
export function secretName(orgId: string, purpose: SecretPurpose, generation: number, senderKey: string = DEFAULT_SENDER_KEY): string {
  if (!ORG_ID_PATTERN.test(orgId)) throw invalid('orgId', 'must match ^[a-z0-9][a-z0-9-]{0,62}$ or be _default');
  if (!SENDER_KEY_PATTERN.test(senderKey)) throw invalid('senderKey', 'must match ^[a-z0-9][a-z0-9-]{0,31}$');
  if (!(SECRET_PURPOSES as readonly string[]).includes(purpose)) throw invalid('purpose', `must be one of ${SECRET_PURPOSES.join(', ')}`);
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
    throw invalid('generation', `must be a whole number from 0 to ${MAX_GENERATION}`);
  }
  const name = `${secretNamePrefix(orgId, senderKey)}${purpose}-${generation}`;
  // Cannot happen for `default` (at most 4 + 63 + 1 + 19 + 1 + 10); a named sender with the longest
  // org id AND key could reach it only at a generation of millions.
  if (name.length > MAX_NAME_LENGTH) throw invalid('purpose', 'makes the name longer than 127 characters');
  return name;
}

/**
 * The prefix shared by every secret of one org (for `SecretStore.forget`). Note it can also prefix
 * another org's names (`org-acme-` / `org-acme-eu-...`): fine for dropping cache entries, which
 * only costs a re-read, never for deleting.
 */
export function secretNamePrefix(orgId: string, senderKey: string = DEFAULT_SENDER_KEY): string {
  const org = orgId === DEFAULT_ORG_ID ? DEFAULT_ORG_SEGMENT : orgId;
  return senderKey === DEFAULT_SENDER_KEY ? `${PREFIX}${org}-` : `${NAMED_PREFIX}${org.length}-${org}-${senderKey}-`;
}

const NAMED_PREFIX = 'snd';

/** The parts of a name built by `secretName`, or undefined for any other name. */
export function parseSecretName(
  name: string,
): { orgId: string; senderKey?: string; purpose: SecretPurpose; generation: number } | undefined {
  const named = /^snd(\d{1,2})-(.+)$/.exec(name);
  if (named) return parseNamed(Number(named[1]), named[2]);
  const match = /^org-(.+)-(\d+)$/.exec(name);
  if (!match) return undefined;
  const [, rest, digits] = match;
  const purpose = SECRET_PURPOSES.find((p) => rest.endsWith(`-${p}`));
  if (!purpose) return undefined;
  const segment = rest.slice(0, -(purpose.length + 1));
  const orgId = segment === DEFAULT_ORG_SEGMENT ? DEFAULT_ORG_ID : segment;
  const generation = Number(digits);
  if (!ORG_ID_PATTERN.test(orgId) || String(generation) !== digits) return undefined;
  return { orgId, purpose, generation };
}

function parseNamed(
  length: number,
  rest: string,
): { orgId: string; senderKey: string; purpose: SecretPurpose; generation: number } | undefined {
  const segment = rest.slice(0, length);
  const tail = /^-(.+)-(\d+)$/.exec(rest.slice(length));
  if (!tail) return undefined;
  const purpose = SECRET_PURPOSES.find((p) => tail[1].endsWith(`-${p}`));
  if (!purpose) return undefined;
  const senderKey = tail[1].slice(0, -(purpose.length + 1));
  const orgId = segment === DEFAULT_ORG_SEGMENT ? DEFAULT_ORG_ID : segment;
  const generation = Number(tail[2]);
  if (
    !ORG_ID_PATTERN.test(orgId) ||
    !SENDER_KEY_PATTERN.test(senderKey) ||
    senderKey === DEFAULT_SENDER_KEY ||
    String(generation) !== tail[2]
  )
    return undefined;
  return { orgId, senderKey, purpose, generation };
}

/** Directory connection ids (shared/model/directory.ts): `dc` + 10 base32 characters, so never a dash inside. */
const CONNECTION_ID = /^dc[a-z2-7]{10}$/;

/**
 * A directory connection's secret: `dir-<orgId>-<connectionId>-<purpose>`. Unambiguous because the
 * connection id has a fixed dash-free form and purposes come from the fixed list; no `dir-` name can
 * equal an `org-` or `snd` one. No generation: ids are random and never reused, and a re-consent
 * writes a new VERSION of the same name (a rotated refresh token does the same).
 */
export function directorySecretName(orgId: string, connectionId: string, purpose: SecretPurpose): string {
  if (!ORG_ID_PATTERN.test(orgId)) throw invalid('orgId', 'must match ^[a-z0-9][a-z0-9-]{0,62}$ or be _default');
  if (!CONNECTION_ID.test(connectionId)) throw invalid('connectionId', 'must be a generated connection id');
  if (!(SECRET_PURPOSES as readonly string[]).includes(purpose)) throw invalid('purpose', `must be one of ${SECRET_PURPOSES.join(', ')}`);
  return `dir-${orgId === DEFAULT_ORG_ID ? DEFAULT_ORG_SEGMENT : orgId}-${connectionId}-${purpose}`;
}
