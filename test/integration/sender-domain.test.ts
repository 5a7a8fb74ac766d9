/**
 * The sender-domain checks (SPF, DKIM, DMARC) through Node's real resolver against the sandbox DNS
 * server (UDP and TCP, DNS_SERVERS set by the test runner): contoso.example passes all three for
 * Microsoft 365; fabrikam.example, as Google, gets the SPF and DMARC warnings with the exact records
 * to add; a domain whose lookups are never answered reads "could not check" within the deadline.
 */
import { Resolver } from 'node:dns/promises';
import { loadConfig } from '@shared/config';
import { checkSenderDomain } from '@shared/deliverability';
import { fakeOnly } from '../support/fake-clock';

const config = loadConfig();
const options = { servers: config.dns.servers, timeoutMs: 3000 };

describe('sender domain checks over the sandbox DNS', () => {
  it('the test runner points DNS_SERVERS at the sandbox DNS server', () => {
    expect(config.dns.servers).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
  });

  it('contoso.example passes SPF, DKIM and DMARC for Microsoft 365', async () => {
    const checks = await checkSenderDomain({ provider: 'microsoft', senderEmail: 'notifications@contoso.example' }, options);
    expect(checks.map((c) => [c.name, c.ok, c.level])).toEqual([
      ['spf', true, 'warning'],
      ['dkim', true, 'warning'],
      ['dmarc', true, 'warning'],
    ]);
    expect(checks[0].message).toContain('include:spf.protection.outlook.com; 1 of 10 lookups');
    expect(checks[2].message).toContain('p=quarantine');
  });

  it('fabrikam.example as Google: SPF lacks _spf.google.com, no DMARC; each hint names the record', async () => {
    const [spf, dkim, dmarc] = await checkSenderDomain({ provider: 'google', senderEmail: 'alerts@fabrikam.example' }, options);
    expect(spf).toMatchObject({ name: 'spf', ok: false, level: 'warning', code: 'DOMAIN_SPF_PROVIDER_MISSING' });
    expect(spf.hint).toContain('"v=spf1 include:_spf.google.com include:spf.protection.outlook.com ~all"');
    expect(dkim).toMatchObject({ name: 'dkim', ok: true });
    expect(dmarc).toMatchObject({ name: 'dmarc', ok: false, level: 'warning', code: 'DOMAIN_DMARC_MISSING' });
    expect(dmarc.hint).toContain('_dmarc.fabrikam.example, value "v=DMARC1; p=none; rua=mailto:dmarc-reports@fabrikam.example"');
  });

  it('Google with a selector named in the sender options reads that selector', async () => {
    const [, dkim] = await checkSenderDomain(
      { provider: 'google', senderEmail: 'alerts@fabrikam.example', dkimSelector: 'mail2026' },
      options,
    );
    expect(dkim).toMatchObject({
      ok: false,
      code: 'DOMAIN_DKIM_MISSING',
      hint: expect.stringContaining('mail2026._domainkey.fabrikam.example = "v=DKIM1; k=rsa; p='),
    });
  });

  it('a domain the DNS never answers reads "could not check" (never ok) within the deadline', async () => {
    // The check's deadline runs on Jest's clock (only setTimeout/clearTimeout are faked; the queries
    // still go to the sandbox DNS), so the test moves time to the deadline instead of waiting it out.
    fakeOnly(['setTimeout', 'clearTimeout']);
    try {
      const pending = checkSenderDomain({ provider: 'microsoft', senderEmail: 'a@silent.example' }, options);
      await jest.advanceTimersByTimeAsync(options.timeoutMs);
      const checks = await pending;
      for (const check of checks) {
        expect(check).toMatchObject({ ok: false, skipped: true, level: 'warning', code: 'DOMAIN_CHECK_UNAVAILABLE' });
        expect(check.message).toMatch(/^Could not check .* silent\.example/);
        // Ended by the check's deadline, not by the resolver giving up on its own.
        expect(check.message).toContain('no answer before the deadline');
      }
    } finally {
      jest.useRealTimers();
    }
  });

  it('SERVFAIL reads "could not check" too, not "missing"', async () => {
    const checks = await checkSenderDomain({ provider: 'google', senderEmail: 'a@servfail.example' }, options);
    expect(checks.map((c) => c.code)).toEqual(['DOMAIN_CHECK_UNAVAILABLE', 'DOMAIN_CHECK_UNAVAILABLE', 'DOMAIN_CHECK_UNAVAILABLE']);
  });

  it('the sandbox DNS answers over TCP as well as UDP', async () => {
    // Node's resolver falls back to TCP only on truncation; ask over TCP directly with a raw query.
    const { connect } = await import('node:net');
    const dnsPacket = await import('dns-packet');
    const [host, port] = config.dns.servers[0].split(':');
    const answer = await new Promise<import('dns-packet').Packet>((resolve, reject) => {
      const socket = connect(Number(port), host, () =>
        socket.write(
          dnsPacket.streamEncode({
            type: 'query',
            id: 7,
            flags: dnsPacket.RECURSION_DESIRED,
            questions: [{ type: 'TXT', name: '_dmarc.contoso.example' }],
          }),
        ),
      );
      let data = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        data = Buffer.concat([data, chunk]);
        if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
          socket.end();
          resolve(dnsPacket.streamDecode(data));
        }
      });
      socket.on('error', reject);
    });
    expect(answer.answers?.map((a) => (a.type === 'TXT' ? Buffer.concat(a.data as Buffer[]).toString() : ''))).toEqual([
      'v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@contoso.example',
    ]);
    // And an unknown name in a served zone is NXDOMAIN over UDP.
    const resolver = new Resolver();
    resolver.setServers([...config.dns.servers]);
    await expect(resolver.resolveTxt('nothing.contoso.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
