/**
 * The sender-health run over an in-memory store (two pages) and scripted providers: which outcomes
 * mark a sender, which change nothing, that one sender's failure or hang never stops the run, and
 * that at most `concurrency` checks run at once.
 */
import { MailerError } from '@shared/errors';
import type { VerifyCheck } from '@shared/providers/types';
import { checkSenderHealth, SenderHealthDeps } from '@shared/senders/health';
import type { SenderStatus } from '@shared/model/sender';
import type { StoredSender } from '@shared/store/senderStore';
import { senderWithoutApp } from '../support/builders';

const now = new Date().toISOString();
const row = (orgId: string, status: SenderStatus = 'active'): StoredSender => ({
  etag: 'e',
  config: senderWithoutApp({
    orgId,
    senderEmail: `${orgId}@x.example`,
    senderName: orgId,
    status,
    locked: status === 'active',
    version: 7,
    createdAt: now,
    updatedAt: now,
  }),
});
const failed = (code: MailerError['code']): VerifyCheck[] => [
  { name: 'token', ok: false, code, message: `failed: ${code}`, hint: 'do this' },
  { name: 'mailbox', ok: false, message: 'Not checked: no token.' },
];

describe('checkSenderHealth', () => {
  it('marks auth/permission/mailbox failures, leaves transient ones and drafts alone, and never stops', async () => {
    const scripts: Record<string, () => Promise<VerifyCheck[]>> = {
      ok: async () => [{ name: 'token', ok: true }],
      expired: async () => failed('MS_SECRET_EXPIRED'),
      consent: async () => [{ name: 'token', ok: true }, ...failed('MS_CONSENT_MISSING').slice(0, 1)],
      mailbox: async () => failed('MS_MAILBOX_NOT_FOUND'),
      down: async () => failed('PROVIDER_UNAVAILABLE'),
      throttled: async () => failed('PROVIDER_THROTTLED'),
      hangs: () => new Promise(() => undefined),
      throws: async () => {
        throw new MailerError('SECRET_STORE_UNAVAILABLE', 'Key Vault is down.');
      },
      draft: async () => failed('MS_SECRET_EXPIRED'),
    };
    const pages = [
      { items: [row('ok'), row('expired'), row('consent'), row('draft', 'draft'), row('down')], continuationToken: 'next' },
      { items: [row('mailbox'), row('throttled'), row('hangs'), row('throws'), row('attention', 'needs_attention')] },
    ];
    const tokens: Array<string | undefined> = [];
    const marked: Array<[string, string, string, number | undefined]> = [];
    const verified: string[] = [];
    let running = 0;
    let peak = 0;
    const deps: SenderHealthDeps = {
      store: { list: async (options) => (tokens.push(options?.continuationToken), pages[options?.continuationToken ? 1 : 0]) },
      providers: {
        get: (config) => ({
          sender: { address: config.senderEmail },
          send: async () => ({}),
          verify: async () => {
            verified.push(config.orgId);
            peak = Math.max(peak, ++running);
            try {
              return await scripts[config.orgId]();
            } finally {
              running--;
            }
          },
        }),
      },
      resolver: { markNeedsAttention: async (orgId, error, version) => void marked.push([orgId, error.code, error.hint, version]) },
      log: (line) => lines.push(line),
      concurrency: 2,
      timeoutMs: 100,
    };
    const lines: string[] = [];
    const report = await checkSenderHealth(deps);

    expect(tokens).toEqual([undefined, 'next']);
    expect(report.scanned).toBe(10);
    expect(verified.sort()).toEqual(['consent', 'down', 'expired', 'hangs', 'mailbox', 'ok', 'throttled', 'throws']);
    expect(marked.sort()).toEqual([
      ['consent', 'MS_CONSENT_MISSING', 'do this', 7],
      ['expired', 'MS_SECRET_EXPIRED', 'do this', 7],
      ['mailbox', 'MS_MAILBOX_NOT_FOUND', 'do this', 7],
    ]);
    expect(report.results).toMatchObject({
      ok: { outcome: 'healthy' },
      down: { outcome: 'transient', code: 'PROVIDER_UNAVAILABLE' },
      throttled: { outcome: 'transient', code: 'PROVIDER_THROTTLED' },
      hangs: { outcome: 'transient', code: 'TIMEOUT' },
      throws: { outcome: 'transient', code: 'SECRET_STORE_UNAVAILABLE' },
    });
    expect(peak).toBeLessThanOrEqual(2);
    expect(lines).toContain('sender-health: expired needs_attention (MS_SECRET_EXPIRED)');
  });

  it('a failure while marking one sender is reported as transient and the others are still checked', async () => {
    const marked: string[] = [];
    const report = await checkSenderHealth({
      store: { list: async () => ({ items: [row('a'), row('b')] }) },
      providers: { get: () => ({ sender: { address: 'x' }, send: async () => ({}), verify: async () => failed('MS_SECRET_EXPIRED') }) },
      resolver: {
        markNeedsAttention: async (orgId) => {
          if (orgId === 'a') throw new MailerError('STORAGE_UNAVAILABLE', 'Storage is down.');
          marked.push(orgId);
        },
      },
      log: () => undefined,
    });
    expect(report.results).toEqual({
      a: { outcome: 'transient', code: 'STORAGE_UNAVAILABLE' },
      b: { outcome: 'needs_attention', code: 'MS_SECRET_EXPIRED' },
    });
    expect(marked).toEqual(['b']);
  });
});
