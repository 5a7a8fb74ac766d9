/**
 * What each mail provider needs in the sender domain's DNS, from the providers' own pages:
 * - Microsoft 365: SPF `include:spf.protection.outlook.com`, recommended with `-all`
 *   (https://learn.microsoft.com/defender-office-365/email-authentication-spf-configure); DKIM through two
 *   CNAMEs, selector1._domainkey and selector2._domainkey, pointing at keys Microsoft hosts and rotates
 *   (https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure).
 * - Google Workspace: SPF `include:_spf.google.com`, recommended with `~all`
 *   (https://support.google.com/a/answer/10685031); DKIM as a TXT record at `google._domainkey` unless
 *   the admin chose another selector prefix (https://support.google.com/a/answer/174124).
 * Both send with the sender's own address as the envelope sender (Return-Path) and, once DKIM is set
 * up, sign with d= the sender's domain, so either one passing is DMARC-aligned for the From domain.
 */
import type { ProviderName } from '../model/sender';

export interface ProviderDnsProfile {
  label: string;
  spfInclude: string;
  spfAll: '-all' | '~all';
  dkim: { kind: 'cname'; selectors: string[] } | { kind: 'txt'; defaultSelector: string };
}

export const DNS_PROFILES: Readonly<Record<ProviderName, ProviderDnsProfile>> = {
  microsoft: {
    label: 'Microsoft 365',
    spfInclude: 'spf.protection.outlook.com',
    spfAll: '-all',
    dkim: { kind: 'cname', selectors: ['selector1', 'selector2'] },
  },
  google: { label: 'Google Workspace', spfInclude: '_spf.google.com', spfAll: '~all', dkim: { kind: 'txt', defaultSelector: 'google' } },
};
