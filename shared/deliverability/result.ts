/** How a sender-domain finding becomes a Test connection check (always at warning level). */
import { MailerError } from '../errors';
import type { VerifyCheck } from '../providers/types';
import { DnsUnavailableError } from './dnsLookup';

export function warningCheck(name: string, error: MailerError): VerifyCheck {
  return { name, ok: false, level: 'warning', code: error.code, message: error.message, hint: error.hint };
}

/** A lookup that got no usable answer: "could not check", never ok and never "missing". */
export function couldNotCheck(name: string, what: string, error: DnsUnavailableError): VerifyCheck {
  const failure = new MailerError('DOMAIN_CHECK_UNAVAILABLE', `Could not check ${what}: ${error.message}.`);
  return { ...warningCheck(name, failure), skipped: true };
}
