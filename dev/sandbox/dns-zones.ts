/**
 * The sandbox's DNS data: what the sender-domain checks (shared/deliverability) see for the demo
 * domains, with the record values Microsoft and Google publish for real:
 * - contoso.example (Microsoft 365): complete and correct: SPF with `include:spf.protection.outlook.com`
 *   (https://learn.microsoft.com/defender-office-365/email-authentication-spf-configure), both DKIM
 *   selector CNAMEs (https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure)
 *   and a DMARC record with p=quarantine (RFC 7489).
 * - fabrikam.example (Google Workspace): DKIM at google._domainkey (https://support.google.com/a/answer/174124),
 *   but SPF without Google's `include:_spf.google.com` (https://support.google.com/a/answer/10685031)
 *   and no DMARC record.
 * - silent.example: never answered (the lookups time out); servfail.example: SERVFAIL.
 * The providers' own SPF records are served too, so nested includes are followed and counted.
 */

export interface ZoneRecords {
  /** Each TXT record as its strings (one record may be split in 255-byte strings). */
  TXT?: string[][];
  CNAME?: string;
}

/** Names (lower case, no trailing dot) -> records. Anything else in a served zone is NXDOMAIN. */
export const DNS_RECORDS: Readonly<Record<string, ZoneRecords>> = {
  'contoso.example': {
    TXT: [['v=spf1 include:spf.protection.outlook.com -all'], ['MS=ms12345678']],
  },
  'selector1._domainkey.contoso.example': { CNAME: 'selector1-contoso-example._domainkey.contoso.onmicrosoft.com' },
  'selector2._domainkey.contoso.example': { CNAME: 'selector2-contoso-example._domainkey.contoso.onmicrosoft.com' },
  '_dmarc.contoso.example': { TXT: [['v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@contoso.example']] },
  'selector1-contoso-example._domainkey.contoso.onmicrosoft.com': {
    TXT: [['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsandbox1']],
  },
  'selector2-contoso-example._domainkey.contoso.onmicrosoft.com': {
    TXT: [['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsandbox2']],
  },

  'fabrikam.example': { TXT: [['v=spf1 include:spf.protection.outlook.com ~all'], ['google-site-verification=sandbox']] },
  'google._domainkey.fabrikam.example': { TXT: [['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsandboxg']] },

  // The providers' published SPF records (abridged address lists, real include structure).
  'spf.protection.outlook.com': {
    TXT: [['v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 -all']],
  },
  '_spf.google.com': { TXT: [['v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all']] },
  '_netblocks.google.com': { TXT: [['v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ~all']] },
  '_netblocks2.google.com': { TXT: [['v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all']] },
  '_netblocks3.google.com': { TXT: [['v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ~all']] },
};

/** Zones this server is authoritative for: unknown names below them are NXDOMAIN. */
export const SERVED_ZONES = ['contoso.example', 'fabrikam.example', 'onmicrosoft.com', 'outlook.com', 'google.com'];
/** Queries for these names (and below) are dropped: the resolver times out. */
export const SILENT_ZONES = ['silent.example'];
/** Queries for these names (and below) answer SERVFAIL. */
export const SERVFAIL_ZONES = ['servfail.example'];

export const within = (name: string, zones: string[]): boolean => zones.some((zone) => name === zone || name.endsWith(`.${zone}`));
