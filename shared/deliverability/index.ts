/**
 * The sender-domain check: SPF, DKIM and DMARC of the sender email's domain for its provider, as
 * three Test connection checks at WARNING level. They never block activation and never mark a sender
 * broken (the health run skips warning-level checks); each failing one names the exact record to add.
 * A DNS timeout or SERVFAIL reads "could not check" (skipped), never ok.
 *
 * One DNS session per check with a hard deadline (DNS_CHECK_TIMEOUT_SECONDS): when it passes, every
 * lookup still running is cancelled and reported as "could not check".
 */
import type { Config } from '../config';
import type { VerifyCheck } from '../providers/types';
import type { SenderConfig } from '../model/sender';
import { checkDkim } from './dkim';
import { checkDmarc } from './dmarc';
import { createDnsSession, DnsLookup, DnsUnavailableError } from './dnsLookup';
import { DNS_PROFILES } from './profiles';
import { couldNotCheck } from './result';
import { checkSpf } from './spf';

export type DomainCheckSender = Pick<SenderConfig, 'provider' | 'senderEmail'> & { dkimSelector?: string };

export interface DomainCheckOptions {
  servers: readonly string[];
  timeoutMs: number;
  /** Test seam: lookups without a real resolver. */
  lookup?: DnsLookup;
}

async function guarded<T>(
  name: string,
  what: string,
  work: () => Promise<T>,
  toCheck: (value: T) => VerifyCheck,
): Promise<{ check: VerifyCheck; value?: T }> {
  try {
    const value = await work();
    return { check: toCheck(value), value };
  } catch (error) {
    if (error instanceof DnsUnavailableError) return { check: couldNotCheck(name, what, error) };
    throw error;
  }
}

export async function checkSenderDomain(sender: DomainCheckSender, options: DomainCheckOptions): Promise<VerifyCheck[]> {
  const domain = sender.senderEmail.split('@')[1]?.toLowerCase().replace(/\.$/, '');
  if (!domain) return [];
  const profile = DNS_PROFILES[sender.provider];
  const session = options.lookup ? undefined : createDnsSession(options.servers, options.timeoutMs);
  const lookup = options.lookup ?? session!;
  const timer = setTimeout(() => session?.cancel(), options.timeoutMs);
  timer.unref();
  try {
    const [spf, dkim] = await Promise.all([
      guarded(
        'spf',
        `the SPF record of ${domain}`,
        () => checkSpf(domain, profile, lookup),
        (r) => r.check,
      ),
      guarded(
        'dkim',
        `the DKIM record of ${domain}`,
        () => checkDkim(domain, profile, lookup, sender.dkimSelector),
        (r) => r.check,
      ),
    ]);
    const dmarc = await guarded(
      'dmarc',
      `the DMARC record of ${domain}`,
      () => checkDmarc(domain, lookup, { spf: spf.value?.authorised, dkim: dkim.value?.present }),
      (c) => c,
    );
    return [spf.check, dkim.check, dmarc.check];
  } finally {
    clearTimeout(timer);
  }
}

/** The checker the app uses, bound to its settings. */
export function createDomainChecker(config: Readonly<Config>): (sender: DomainCheckSender) => Promise<VerifyCheck[]> {
  return (sender) => checkSenderDomain(sender, { servers: config.dns.servers, timeoutMs: config.dns.checkTimeoutMs });
}

export type DomainChecker = ReturnType<typeof createDomainChecker>;
