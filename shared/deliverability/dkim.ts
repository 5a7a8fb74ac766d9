/**
 * DKIM key records of the sender domain for its provider (RFC 6376 section 3.6.2.2: the key lives at
 * `<selector>._domainkey.<domain>`):
 * - Microsoft 365 publishes the keys itself; the domain delegates `selector1._domainkey` and
 *   `selector2._domainkey` to them with CNAMEs whose exact targets the Defender portal (or
 *   `Get-DkimSigningConfig`) shows (https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure).
 * - Google Workspace generates a key in the Admin console that the domain publishes as a TXT record at
 *   `google._domainkey` (or the prefix the admin chose) (https://support.google.com/a/answer/174124).
 */
import { MailerError } from '../errors';
import type { VerifyCheck } from '../providers/types';
import type { DnsLookup } from './dnsLookup';
import type { ProviderDnsProfile } from './profiles';
import { warningCheck } from './result';

export interface DkimResult {
  check: VerifyCheck;
  present: boolean;
}

/** A usable key record: `p=` with a value (an empty p= means the key was revoked, RFC 6376 3.6.1). */
function isKeyRecord(record: string): boolean {
  return /(?:^|;)\s*p=\s*[A-Za-z0-9+/=]+/.test(record) && (!/^\s*v=/.test(record) || /^\s*v=DKIM1\s*(?:;|$)/.test(record));
}

export async function checkDkim(domain: string, profile: ProviderDnsProfile, lookup: DnsLookup, selector?: string): Promise<DkimResult> {
  if (profile.dkim.kind === 'cname') {
    const names = profile.dkim.selectors.map((s) => `${s}._domainkey.${domain}`);
    const targets = await Promise.all(names.map((name) => lookup.cname(name)));
    const missing = names.filter((_, i) => !targets[i]);
    if (!missing.length) {
      return {
        present: true,
        check: { name: 'dkim', ok: true, level: 'warning', message: `${names.join(' and ')} point at the ${profile.label} DKIM keys.` },
      };
    }
    const label = domain.replace(/\./g, '-');
    const records = profile.dkim.selectors.map(
      (s) => `CNAME ${s}._domainkey.${domain} -> ${s}-${label}._domainkey.<your tenant>.onmicrosoft.com`,
    );
    return {
      present: false,
      check: warningCheck(
        'dkim',
        new MailerError(
          'DOMAIN_DKIM_MISSING',
          `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing, so ${profile.label} cannot sign with ${domain}.`,
          {
            hint:
              `Add the two CNAME records ${records.join(' and ')}; copy the exact targets from the Microsoft Defender portal ` +
              `(Email authentication settings > DKIM > ${domain}) or from Get-DkimSigningConfig -Identity ${domain} | Format-List Selector1CNAME, Selector2CNAME, then enable DKIM signing for ${domain}.`,
          },
        ),
      ),
    };
  }
  const chosen = (selector || profile.dkim.defaultSelector).toLowerCase();
  const name = `${chosen}._domainkey.${domain}`;
  if ((await lookup.txt(name)).some(isKeyRecord)) {
    return { present: true, check: { name: 'dkim', ok: true, level: 'warning', message: `${name} publishes a DKIM key.` } };
  }
  return {
    present: false,
    check: warningCheck(
      'dkim',
      new MailerError('DOMAIN_DKIM_MISSING', `${name} publishes no DKIM key, so ${profile.label} does not sign with ${domain}.`, {
        hint:
          `In the Google Admin console, Apps > Google Workspace > Gmail > Authenticate email, generate a key for ${domain}, add it as the TXT record ` +
          `${name} = "v=DKIM1; k=rsa; p=<the key shown there>", then click Start authentication.`,
      }),
    ),
  };
}
