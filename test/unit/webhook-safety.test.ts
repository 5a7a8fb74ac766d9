/**
 * Where webhooks may go (SSRF): URL form checks, address classes, resolved names, and the retry
 * back-off. Every check here is pure: the resolver is a table, no socket is ever opened.
 */
import { MailerError } from '@shared/errors';
import { webhookRetryDelayMs } from '@shared/webhooks/dispatcher';
import { MAX_RETRY_DELAY_MS } from '@shared/webhooks/model';
import { checkUrlForm, refusedAddressReason, Resolver, resolveTarget } from '@shared/webhooks/urlSafety';

const strict = { allowPrivateTargets: false, allowHttpLocalhost: false };
const table =
  (answers: Record<string, string[]>): Resolver =>
  async (host) => {
    const list = answers[host];
    if (!list) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

async function refusal(url: string, resolver: Resolver = table({}), policy = strict): Promise<MailerError> {
  try {
    await resolveTarget(checkUrlForm(url, policy), policy, resolver);
  } catch (error) {
    expect(error).toBeInstanceOf(MailerError);
    expect((error as MailerError).code).toBe('WEBHOOK_URL_REFUSED');
    expect((error as MailerError).status).toBe(422);
    return error as MailerError;
  }
  throw new Error(`${url} was accepted`);
}

describe('webhook URL form', () => {
  test('plain http is refused, but for localhost when the local-run setting allows it', async () => {
    expect((await refusal('http://example.com/hook')).message).toMatch(/not https/);
    expect((await refusal('http://localhost:8080/hook')).message).toMatch(/not https/);
    expect(checkUrlForm('http://localhost:8080/hook', { ...strict, allowHttpLocalhost: true }).hostname).toBe('localhost');
    expect(() => checkUrlForm('http://example.com/hook', { ...strict, allowHttpLocalhost: true })).toThrow(MailerError);
  });

  test('credentials, other protocols and relative URLs are refused', async () => {
    expect((await refusal('https://user:pw@example.com/hook')).message).toMatch(/credentials/);
    expect((await refusal('https://token@example.com/hook')).message).toMatch(/credentials/);
    expect((await refusal('ftp://example.com/hook')).message).toMatch(/ftp/);
    expect((await refusal('/relative')).message).toMatch(/absolute/);
  });
});

describe('webhook target addresses', () => {
  test.each([
    ['https://127.0.0.1/', 'loopback'],
    ['https://127.8.9.10:8443/x', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://10.0.0.1/', 'private'],
    ['https://172.16.5.4/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['https://[fd12::1]/', 'private'],
    ['https://100.64.0.1/', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://169.254.10.10/', 'link-local'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://[::ffff:10.0.0.1]/', 'private'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'metadata'],
  ])('%s is refused as %s', async (url, kind) => {
    expect((await refusal(url)).message).toContain(kind);
  });

  test('a name is judged by every address it resolves to', async () => {
    const resolver = table({
      'localhost.example': ['127.0.0.1'],
      'sneaky.example': ['93.184.216.34', '10.1.2.3'],
      'meta.example': ['169.254.169.254'],
    });
    expect((await refusal('https://localhost.example/', resolver)).message).toMatch(/localhost\.example resolves to a loopback address/);
    expect((await refusal('https://sneaky.example/', resolver)).message).toMatch(/private address \(10\.1\.2\.3\)/);
    expect((await refusal('https://meta.example/', resolver)).message).toMatch(/metadata/);
    expect((await refusal('https://nowhere.example/', resolver)).message).toMatch(/does not resolve/);
  });

  test('public addresses pass, and the setting lets private ones through', async () => {
    const resolver = table({ 'hooks.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'], 'inside.example': ['10.0.0.7'] });
    expect(await resolveTarget(new URL('https://hooks.example/'), strict, resolver)).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
    expect(await resolveTarget(new URL('https://inside.example/'), { ...strict, allowPrivateTargets: true }, resolver)).toEqual([
      { address: '10.0.0.7', family: 4 },
    ]);
    expect(refusedAddressReason('8.8.8.8')).toBeUndefined();
    expect(refusedAddressReason('2001:4860:4860::8888')).toBeUndefined();
  });
});

describe('webhook retry back-off', () => {
  test('doubles per try within 0.8-1.2 of the step, capped at 2 hours', () => {
    expect(webhookRetryDelayMs(1, 30_000, () => 0.5)).toBe(30_000);
    expect(webhookRetryDelayMs(2, 30_000, () => 0.5)).toBe(60_000);
    expect(webhookRetryDelayMs(4, 30_000, () => 0)).toBe(0.8 * 240_000);
    expect(webhookRetryDelayMs(4, 30_000, () => 1)).toBe(1.2 * 240_000);
    expect(webhookRetryDelayMs(40, 30_000, () => 0.5)).toBe(MAX_RETRY_DELAY_MS);
  });
});
