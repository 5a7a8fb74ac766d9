/** SPF, DKIM and DMARC evaluation with a fake DNS: limits and edge cases the sandbox zones do not show. */
import { checkSenderDomain } from '@shared/deliverability';
import { DnsLookup, DnsUnavailableError } from '@shared/deliverability/dnsLookup';

function fakeDns(txt: Record<string, string[]>, cname: Record<string, string> = {}, down: string[] = []): DnsLookup & { asked: string[] } {
  const asked: string[] = [];
  const fail = (name: string) => {
    if (down.includes(name)) throw new DnsUnavailableError(name, 'no answer in time');
  };
  return {
    asked,
    txt: async (name) => (asked.push(name), fail(name), txt[name] ?? []),
    cname: async (name) => (asked.push(name), fail(name), cname[name]),
  };
}

const MS_DKIM = { 'selector1._domainkey.acme.example': 'a.onmicrosoft.com', 'selector2._domainkey.acme.example': 'b.onmicrosoft.com' };
const check = (dns: DnsLookup, provider: 'microsoft' | 'google' = 'microsoft', dkimSelector?: string) =>
  checkSenderDomain({ provider, senderEmail: 'n@acme.example', dkimSelector }, { servers: [], timeoutMs: 1000, lookup: dns });

describe('SPF', () => {
  it('finds the provider include through nested includes and counts every lookup', async () => {
    const dns = fakeDns(
      {
        'acme.example': ['v=spf1 mx include:_spf.acme.example -all'],
        '_spf.acme.example': ['v=spf1 include:spf.protection.outlook.com ~all'],
        'spf.protection.outlook.com': ['v=spf1 ip4:40.92.0.0/15 -all'],
      },
      MS_DKIM,
    );
    const [spf] = await check(dns);
    expect(spf).toMatchObject({ ok: true, message: expect.stringContaining('3 of 10 lookups') });
  });

  it('more than 10 lookups is a broken record (RFC 7208 4.6.4), even with the include present', async () => {
    const includes = Array.from({ length: 10 }, (_, i) => `include:s${i}.example`).join(' ');
    const txt: Record<string, string[]> = {
      'acme.example': [`v=spf1 include:spf.protection.outlook.com ${includes} -all`],
      'spf.protection.outlook.com': ['v=spf1 -all'],
    };
    for (let i = 0; i < 10; i++) txt[`s${i}.example`] = ['v=spf1 -all'];
    const [spf] = await check(fakeDns(txt, MS_DKIM));
    expect(spf).toMatchObject({ ok: false, code: 'DOMAIN_SPF_INVALID', message: expect.stringContaining('more than 10 DNS lookups') });
  });

  it('two v=spf1 records are an error; none is "missing" with the record to add', async () => {
    const [two] = await check(fakeDns({ 'acme.example': ['v=spf1 -all', 'v=spf1 include:spf.protection.outlook.com -all'] }));
    expect(two.code).toBe('DOMAIN_SPF_INVALID');
    const [none] = await check(fakeDns({ 'acme.example': ['v=spf10 nope', 'other'] }), 'google');
    expect(none).toMatchObject({ code: 'DOMAIN_SPF_MISSING', hint: expect.stringContaining('"v=spf1 include:_spf.google.com ~all"') });
  });

  it('an include loop terminates', async () => {
    const [spf] = await check(
      fakeDns({ 'acme.example': ['v=spf1 include:x.example -all'], 'x.example': ['v=spf1 include:acme.example -all'] }),
    );
    expect(spf.code).toBe('DOMAIN_SPF_PROVIDER_MISSING');
  });
});

describe('DKIM', () => {
  it('Microsoft needs both selector CNAMEs; the hint names both records', async () => {
    const [, dkim] = await check(fakeDns({}, { 'selector1._domainkey.acme.example': 'x' }));
    expect(dkim).toMatchObject({
      ok: false,
      code: 'DOMAIN_DKIM_MISSING',
      message: expect.stringContaining('selector2._domainkey.acme.example is missing'),
    });
    expect(dkim.hint).toContain('CNAME selector1._domainkey.acme.example -> selector1-acme-example._domainkey.');
  });

  it('Google reads the named selector; a revoked key (empty p=) does not count', async () => {
    const dns = fakeDns({
      'mail2026._domainkey.acme.example': ['v=DKIM1; k=rsa; p=MIIBIj'],
      'google._domainkey.acme.example': ['v=DKIM1; k=rsa; p='],
    });
    expect((await check(dns, 'google', 'mail2026'))[1]).toMatchObject({ ok: true });
    expect((await check(dns, 'google'))[1]).toMatchObject({ ok: false, code: 'DOMAIN_DKIM_MISSING' });
  });
});

describe('DMARC', () => {
  it('falls back to the organizational domain and reports the policy', async () => {
    const dns = fakeDns({
      'mail.acme.example': ['v=spf1 include:spf.protection.outlook.com -all'],
      'spf.protection.outlook.com': ['v=spf1 -all'],
      '_dmarc.acme.example': ['v=DMARC1; p=reject'],
    });
    const checks = await checkSenderDomain(
      { provider: 'microsoft', senderEmail: 'n@mail.acme.example' },
      { servers: [], timeoutMs: 1000, lookup: dns },
    );
    expect(checks[2]).toMatchObject({ ok: true, message: expect.stringContaining('_dmarc.acme.example sets p=reject') });
  });

  it('no aligned SPF or DKIM -> not aligned; no p= -> invalid', async () => {
    const notAligned = await check(fakeDns({ '_dmarc.acme.example': ['v=DMARC1; p=quarantine'] }));
    expect(notAligned[2].code).toBe('DOMAIN_DMARC_NOT_ALIGNED');
    const invalid = await check(fakeDns({ '_dmarc.acme.example': ['v=DMARC1; rua=mailto:x@acme.example'] }));
    expect(invalid[2].code).toBe('DOMAIN_DMARC_INVALID');
  });

  it('a DNS failure on one record reads "could not check" for that check only', async () => {
    const dns = fakeDns(
      { 'acme.example': ['v=spf1 include:spf.protection.outlook.com -all'], 'spf.protection.outlook.com': ['v=spf1 -all'] },
      MS_DKIM,
      ['_dmarc.acme.example'],
    );
    const [spf, dkim, dmarc] = await check(dns);
    expect([spf.ok, dkim.ok]).toEqual([true, true]);
    expect(dmarc).toMatchObject({ ok: false, skipped: true, code: 'DOMAIN_CHECK_UNAVAILABLE' });
  });
});
