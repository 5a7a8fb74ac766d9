/**
 * DNS lookups for the sender-domain checks, through Node's own `dns.promises.Resolver` (c-ares: UDP,
 * TCP when an answer is truncated) with the servers of DNS_SERVERS, or the system's when unset.
 * https://nodejs.org/api/dns.html#class-dnspromisesresolver
 *
 * Three outcomes per lookup, kept apart on purpose: records; "none" (NXDOMAIN or no records of that
 * type: the domain owner has not published one, which a check may report as missing); and
 * `DnsUnavailableError` (timeout, SERVFAIL, refused, cancelled at the deadline: the answer is
 * unknown, so a check must say "could not check", never ok and never missing).
 */
import { promises as dns } from 'node:dns';

/** Each lookup waits this long per try (c-ares backs off between tries), within the check's deadline. */
const PER_LOOKUP_TIMEOUT_MS = 2000;
const TRIES = 2;

/** Codes meaning "the name or the record type does not exist" (https://nodejs.org/api/dns.html#error-codes). */
const ABSENT = new Set(['ENODATA', 'ENOTFOUND']);

export class DnsUnavailableError extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`the DNS lookup of ${host} failed (${reason})`);
    this.name = 'DnsUnavailableError';
  }
}

export interface DnsLookup {
  /** TXT records of `name` (each record's strings joined, RFC 7208 section 3.3), or [] when none. */
  txt(name: string): Promise<string[]>;
  /** The CNAME target of `name`, or undefined when it has none. */
  cname(name: string): Promise<string | undefined>;
}

export interface DnsSession extends DnsLookup {
  /** Cancels every lookup still running: they fail with DnsUnavailableError (the deadline passed). */
  cancel(): void;
}

function reasonOf(code: string | undefined): string {
  switch (code) {
    case 'ETIMEOUT':
      return 'no answer in time';
    case 'ECANCELLED':
      return 'no answer before the deadline';
    case 'ESERVFAIL':
      return 'the DNS server failed (SERVFAIL)';
    case 'EREFUSED':
      return 'the DNS server refused the query';
    case 'ECONNREFUSED':
      return 'the DNS server could not be reached';
    default:
      return `lookup error ${code ?? 'unknown'}`;
  }
}

/** A resolver session for one check. `servers`: `ip`/`ip:port` (empty: the system's resolvers). */
export function createDnsSession(servers: readonly string[], deadlineMs: number): DnsSession {
  const resolver = new dns.Resolver({ timeout: Math.min(PER_LOOKUP_TIMEOUT_MS, deadlineMs), tries: TRIES });
  if (servers.length) resolver.setServers([...servers]);
  let cancelled = false;

  async function run<T>(name: string, lookup: () => Promise<T>, absent: T): Promise<T> {
    // After the deadline nothing new starts: the check is over.
    if (cancelled) throw new DnsUnavailableError(name, reasonOf('ECANCELLED'));
    try {
      return await lookup();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code && ABSENT.has(code)) return absent;
      throw new DnsUnavailableError(name, reasonOf(code));
    }
  }

  return {
    txt: (name) => run(name, async () => (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')), [] as string[]),
    cname: (name) => run(name, async () => (await resolver.resolveCname(name))[0], undefined as string | undefined),
    cancel: () => {
      cancelled = true;
      resolver.cancel();
    },
  };
}
