/**
 * Where a webhook may be sent (SSRF protection), checked at registration AND at every dispatch,
 * because DNS answers change (DNS rebinding):
 * - `https` only; plain `http` only to `localhost` when WEBHOOK_ALLOW_HTTP_LOCALHOST allows it;
 * - no credentials in the URL (they would be sent as Basic auth and shown back in answers);
 * - every address the host resolves to must be public: not loopback, private (RFC 1918, ULA),
 *   link-local (which holds the cloud metadata service 169.254.169.254), CGNAT, unspecified,
 *   multicast or reserved, unless WEBHOOK_ALLOW_PRIVATE_TARGETS allows it.
 * The connection then goes to the address that was checked (poster.ts pins it through `lookup`),
 * so a second DNS answer cannot swap it. OWASP's guidance:
 * https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { MailerError } from '../errors';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Injectable DNS: tests resolve names to fixed addresses without any query leaving the machine. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface TargetPolicy {
  allowPrivateTargets: boolean;
  allowHttpLocalhost: boolean;
}

/** Ranges and why they are refused (IANA special-purpose registries). */
const RANGES: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['169.254.169.254', 32, 'ipv4', 'a cloud metadata address'],
  ['fd00:ec2::254', 128, 'ipv6', 'a cloud metadata address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['fc00::', 7, 'ipv6', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a private address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved address'],
  ['198.18.0.0', 15, 'ipv4', 'a reserved address'],
];
const LISTS = RANGES.map(([network, prefix, type, reason]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, type, reason };
});

/** Why `address` may not be a webhook target, or undefined when it is public. IPv4-mapped IPv6 is judged as its IPv4. */
export function refusedAddressReason(address: string): string | undefined {
  const ip = mappedIpv4(address) ?? address;
  const type = isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : undefined;
  if (!type) return 'not an IP address';
  return LISTS.find((l) => l.type === type && l.list.check(ip, type))?.reason;
}

const MAPPED = new BlockList();
MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');
// NAT64 (RFC 6052) reaches the IPv4 in its last 32 bits, so it is judged as that IPv4 too.
MAPPED.addSubnet('64:ff9b::', 96, 'ipv6');

/** The IPv4 inside an IPv4-mapped (or NAT64) IPv6 address, in either spelling (`::ffff:10.0.0.1`, `::ffff:a00:1`, as URL parsing writes it). */
function mappedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6 || !MAPPED.check(address, 'ipv6')) return undefined;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (dotted) return dotted;
  const [high, low] = address
    .split(':')
    .slice(-2)
    .map((h) => parseInt(h, 16));
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

const refuse = (url: string, why: string) =>
  new MailerError('WEBHOOK_URL_REFUSED', `The webhook URL is refused: ${why}.`, { fields: { url: why } });

const isLocalhost = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost');

/** The URL's own checks (no DNS): protocol, credentials, form. Returns the parsed URL. */
export function checkUrlForm(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(raw, 'it is not an absolute URL');
  }
  if (url.username || url.password) throw refuse(raw, 'it contains credentials (user:password@); use the signature to authenticate us');
  if (url.protocol === 'http:') {
    if (!(policy.allowHttpLocalhost && isLocalhost(url.hostname)))
      throw refuse(raw, 'it is not https (plain http is allowed only for localhost in local runs)');
  } else if (url.protocol !== 'https:') {
    throw refuse(raw, `protocol ${url.protocol} is not https`);
  }
  if (url.hash) throw refuse(raw, 'it has a #fragment');
  return url;
}

/** Host name as DNS and `isIP` want it: IPv6 literals lose their brackets. */
export const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Resolves the URL's host and checks every address. Returns the addresses to connect to (the
 * first is used). Throws WEBHOOK_URL_REFUSED naming the first refused address's class.
 */
export async function resolveTarget(url: URL, policy: TargetPolicy, resolver: Resolver): Promise<ResolvedAddress[]> {
  const host = bareHost(url);
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolver(host);
    } catch {
      throw refuse(url.href, `its host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw refuse(url.href, `its host ${host} does not resolve`);
  if (policy.allowPrivateTargets) return addresses;
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address);
    if (reason)
      throw refuse(url.href, literal ? `its host is ${reason} (${address})` : `its host ${host} resolves to ${reason} (${address})`);
  }
  return addresses;
}
