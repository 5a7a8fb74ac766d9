/**
 * DMARC (RFC 7489, https://www.rfc-editor.org/rfc/rfc7489): one TXT record at `_dmarc.<domain>`
 * starting with `v=DMARC1` (section 6.4) with a `p=` policy of none, quarantine or reject (6.3).
 * Without one at the From domain, receivers look at the organizational domain (section 6.6.3); it is
 * approximated here by the last two labels (no Public Suffix List). Several records mean no DMARC
 * (6.6.3). DMARC passes when SPF or DKIM passes AND is aligned with the From domain (section 3.1):
 * both providers send with the sender's own address as envelope sender and sign with d= the sender's
 * domain once DKIM is set up, so alignment holds as soon as SPF or DKIM is in place, even with
 * aspf=s / adkim=s.
 */
import { MailerError } from '../errors';
import type { VerifyCheck } from '../providers/types';
import type { DnsLookup } from './dnsLookup';
import { warningCheck } from './result';

const POLICIES = new Set(['none', 'quarantine', 'reject']);

function tags(record: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of record.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) map.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return map;
}

const dmarcRecords = (txt: string[]) => txt.filter((r) => /^v=DMARC1\s*(?:;|$)/.test(r.trim()));

/** `spf`/`dkim`: whether each passes for this provider (undefined when it could not be checked). */
export async function checkDmarc(domain: string, lookup: DnsLookup, aligned: { spf?: boolean; dkim?: boolean }): Promise<VerifyCheck> {
  let where = `_dmarc.${domain}`;
  let records = dmarcRecords(await lookup.txt(where));
  const labels = domain.split('.');
  if (!records.length && labels.length > 2) {
    where = `_dmarc.${labels.slice(-2).join('.')}`;
    records = dmarcRecords(await lookup.txt(where));
  }
  if (!records.length) {
    return warningCheck(
      'dmarc',
      new MailerError('DOMAIN_DMARC_MISSING', `${domain} publishes no DMARC record (_dmarc.${domain}).`, {
        hint: `Add this TXT record at the DNS host of ${domain}: name _dmarc.${domain}, value "v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}" (start with p=none and read the reports, then move to p=quarantine).`,
      }),
    );
  }
  const policy = records.length === 1 ? tags(records[0]).get('p')?.toLowerCase() : undefined;
  if (!policy || !POLICIES.has(policy)) {
    const why = records.length > 1 ? `${where} has ${records.length} DMARC records` : `the record at ${where} has no valid p= policy`;
    return warningCheck(
      'dmarc',
      new MailerError('DOMAIN_DMARC_INVALID', `The DMARC record of ${domain} is ignored by receivers: ${why}.`, {
        hint: `Keep one TXT record at ${where}, e.g. "v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}".`,
      }),
    );
  }
  if (aligned.spf === false && aligned.dkim === false) {
    return warningCheck(
      'dmarc',
      new MailerError(
        'DOMAIN_DMARC_NOT_ALIGNED',
        `${where} sets p=${policy}, but neither SPF nor DKIM passes for this mail provider, so DMARC fails for mail from ${domain}${policy === 'none' ? '' : ` and receivers ${policy} it`}.`,
      ),
    );
  }
  if (aligned.spf === undefined && aligned.dkim === undefined) {
    return {
      name: 'dmarc',
      ok: false,
      skipped: true,
      level: 'warning',
      message: `${where} sets p=${policy}; whether SPF or DKIM aligns could not be checked.`,
    };
  }
  const through = [aligned.spf ? 'SPF' : '', aligned.dkim ? 'DKIM' : ''].filter(Boolean).join(' and ');
  const note = policy === 'none' ? ' (p=none only monitors: receivers still deliver mail that fails)' : '';
  return {
    name: 'dmarc',
    ok: true,
    level: 'warning',
    message: `${where} sets p=${policy}${note}; DMARC can pass through ${through || 'SPF or DKIM'} aligned with ${domain}.`,
  };
}
