/**
 * SPF (RFC 7208, https://www.rfc-editor.org/rfc/rfc7208): the sender domain must publish exactly one
 * `v=spf1` TXT record (section 4.5: several are a permanent error), and it must authorise the mail
 * provider through its include, directly or through nested includes/redirects. Evaluating a record may
 * cause at most 10 DNS-querying terms (include, a, mx, ptr, exists, redirect; section 4.6.4); more is
 * a permanent error at every receiver, so they are counted over the whole tree, the provider's own
 * include chain included.
 */
import { MailerError } from '../errors';
import type { VerifyCheck } from '../providers/types';
import type { DnsLookup } from './dnsLookup';
import type { ProviderDnsProfile } from './profiles';
import { warningCheck } from './result';

export const SPF_LOOKUP_LIMIT = 10;
const COUNTED = /^[+\-~?]?(include|a|mx|ptr|exists)(?:[:/]|$)/i;

/** The `v=spf1` records among TXT records (section 4.5: the version term, then space or end). */
export function spfRecords(txt: string[]): string[] {
  return txt.filter((record) => /^v=spf1(?:\s|$)/i.test(record.trim()));
}

interface Walk {
  lookups: number;
  found: boolean;
  visited: Set<string>;
  broken?: string;
}

async function walk(record: string, lookup: DnsLookup, target: string, state: Walk): Promise<void> {
  for (const term of record.trim().split(/\s+/).slice(1)) {
    const redirect = /^redirect=(.+)$/i.exec(term);
    if (!COUNTED.test(term) && !redirect) continue;
    state.lookups += 1;
    if (state.lookups > SPF_LOOKUP_LIMIT) return;
    const include = /^[+\-~?]?include:(.+)$/i.exec(term);
    const next = (include?.[1] ?? redirect?.[1])?.toLowerCase().replace(/\.$/, '');
    if (!next) continue;
    if (next === target) state.found = true;
    if (state.visited.has(next)) continue;
    state.visited.add(next);
    const records = spfRecords(await lookup.txt(next));
    // An include without exactly one SPF record is a permanent error (section 5.2).
    if (records.length !== 1) {
      state.broken ??= `${next} (included) has ${records.length ? 'several SPF records' : 'no SPF record'}`;
      continue;
    }
    await walk(records[0], lookup, target, state);
    if (state.lookups > SPF_LOOKUP_LIMIT) return;
  }
}

/** The record with the provider's include added right after `v=spf1` (the one record to publish instead). */
function withInclude(record: string, include: string): string {
  const [version, ...rest] = record.trim().split(/\s+/);
  return [version, `include:${include}`, ...rest].join(' ');
}

export interface SpfResult {
  check: VerifyCheck;
  /** Whether SPF passes for the provider (undefined when unknown). */
  authorised?: boolean;
}

export async function checkSpf(domain: string, profile: ProviderDnsProfile, lookup: DnsLookup): Promise<SpfResult> {
  const records = spfRecords(await lookup.txt(domain));
  const include = profile.spfInclude;
  if (records.length === 0) {
    const add = `v=spf1 include:${include} ${profile.spfAll}`;
    return {
      authorised: false,
      check: warningCheck(
        'spf',
        new MailerError('DOMAIN_SPF_MISSING', `${domain} has no SPF record, so ${profile.label} is not authorised to send for it.`, {
          hint: `Add this TXT record at the DNS host of ${domain} (name "@" or ${domain}): "${add}".`,
        }),
      ),
    };
  }
  if (records.length > 1) {
    return {
      authorised: false,
      check: warningCheck(
        'spf',
        new MailerError(
          'DOMAIN_SPF_INVALID',
          `${domain} has ${records.length} SPF records; receivers treat that as an error and SPF fails.`,
          {
            hint: `Merge them into one TXT record for ${domain} that starts with "v=spf1 include:${include}" and keeps the other senders' terms, then delete the others.`,
          },
        ),
      ),
    };
  }
  const state: Walk = { lookups: 0, found: false, visited: new Set([domain.toLowerCase()]) };
  await walk(records[0], lookup, include, state);
  if (state.lookups > SPF_LOOKUP_LIMIT || state.broken) {
    const why = state.broken ?? `evaluating it needs more than ${SPF_LOOKUP_LIMIT} DNS lookups (RFC 7208 limit)`;
    return {
      authorised: false,
      check: warningCheck(
        'spf',
        new MailerError('DOMAIN_SPF_INVALID', `The SPF record of ${domain} is broken: ${why}.`, {
          hint: `Edit the TXT record "${records[0]}" of ${domain}: remove includes of services you no longer use (or replace them with their ip4:/ip6: ranges) so that at most ${SPF_LOOKUP_LIMIT} lookups remain, keeping include:${include}.`,
        }),
      ),
    };
  }
  if (!state.found) {
    return {
      authorised: false,
      check: warningCheck(
        'spf',
        new MailerError(
          'DOMAIN_SPF_PROVIDER_MISSING',
          `The SPF record of ${domain} does not authorise ${profile.label} (no include:${include}).`,
          {
            hint: `Replace the TXT record "${records[0]}" of ${domain} with "${withInclude(records[0], include)}" (one record only).`,
          },
        ),
      ),
    };
  }
  return {
    authorised: true,
    check: {
      name: 'spf',
      ok: true,
      level: 'warning',
      message: `The SPF record of ${domain} authorises ${profile.label} (include:${include}; ${state.lookups} of ${SPF_LOOKUP_LIMIT} lookups).`,
    },
  };
}
