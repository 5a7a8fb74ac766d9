/**
 * Deadlines and the classification of section 6: every call cut at its deadline is a retryable
 * PROVIDER_TIMEOUT that frees the mailbox permit; the lease and host.json's functionTimeout are
 * coherent with the largest allowed deadline; unknown 403s do not break a working sender.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphErrorHandler } from '@microsoft/microsoft-graph-client/lib/src/GraphErrorHandler';
import { ERROR_CODES, MailerError } from '@shared/errors';
import { loadConfig } from '@shared/config';
import { MailboxLimiter } from '@shared/delivery/mailboxLimiter';
import { CALLS_PER_SEND, MAX_CALL_TIMEOUT_MS, parseFunctionTimeout, sendTiming } from '@shared/delivery/timing';
import { LEASE_MS } from '@shared/delivery';
import { withDeadline } from '@shared/providers/deadline';
import { classifyGoogleError, GoogleHttpFailure } from '@shared/providers/google/errors';
import { classifyGraphError } from '@shared/providers/microsoft/errors';
import { processTokenResponse, sendTokenRequest } from '@shared/providers/microsoft/tokenEndpoint';
import { classifyVaultError } from '@shared/store/secretStore';

const never = () => new Promise<never>(() => undefined);

describe('withDeadline', () => {
  it('a call that never answers becomes a retryable, transient PROVIDER_TIMEOUT, and its signal is aborted', async () => {
    let seen: AbortSignal | undefined;
    const error = await withDeadline(50, 'Microsoft Graph', (signal) => ((seen = signal), never())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailerError);
    expect(error).toMatchObject({ code: 'PROVIDER_TIMEOUT', retryable: true, category: 'transient', status: 503 });
    expect((error as MailerError).message).toBe('Microsoft Graph did not answer within 0 s.');
    expect(seen?.aborted).toBe(true);
  });

  it('a call that honours the signal and rejects with its own abort error is still PROVIDER_TIMEOUT (not the classifier)', async () => {
    const classify = jest.fn((e: unknown) => e);
    const call = (signal: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      );
    await expect(withDeadline(30, 'Gmail', call, classify)).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(classify).not.toHaveBeenCalled();
  });

  it('answers in time pass through; other failures go through the classifier', async () => {
    expect(await withDeadline(1000, 'x', async () => 42)).toBe(42);
    const classified = new MailerError('PROVIDER_UNAVAILABLE', 'down');
    await expect(
      withDeadline(
        1000,
        'x',
        async () => Promise.reject(new Error('boom')),
        () => classified,
      ),
    ).rejects.toBe(classified);
  });
});

describe('mailbox permits under a hung call', () => {
  it('a timed-out send releases its permit: the next send of the mailbox runs, nothing stays active', async () => {
    const limiter = new MailboxLimiter(1);
    const hung = limiter.run('microsoft:a@contoso.example', () => withDeadline(50, 'Microsoft Graph', () => never()));
    expect(limiter.active('microsoft:a@contoso.example')).toBe(1);
    const next = limiter.run('microsoft:a@contoso.example', async () => 'sent');
    await expect(hung).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(await next).toBe('sent');
    expect(limiter.active('microsoft:a@contoso.example')).toBe(0);
  });
});

describe('timing: deadline < send budget < lease < functionTimeout', () => {
  const hostJson = JSON.parse(readFileSync(join(__dirname, '../../host.json'), 'utf8')) as { functionTimeout: string };
  const functionTimeoutMs = parseFunctionTimeout(hostJson.functionTimeout);

  it.each([1_000, 30_000, MAX_CALL_TIMEOUT_MS])('for a %d ms deadline the chain holds against host.json', (deadline) => {
    const t = sendTiming(deadline);
    expect(t.sendBudgetMs).toBe(CALLS_PER_SEND * deadline);
    expect(t.sendBudgetMs).toBeGreaterThan(deadline);
    expect(t.leaseMs).toBeGreaterThan(t.sendBudgetMs);
    expect(functionTimeoutMs).toBeGreaterThanOrEqual(t.minFunctionTimeoutMs);
  });

  it('the config refuses a deadline above the largest the chain was checked for', () => {
    const base = {
      KEY_VAULT_URL: 'https://kv.vault.azure.net',
      PUBLIC_BASE_URL: 'https://app.example',
      MICROSOFT_CLIENT_ID: '00000000-0000-4000-8000-000000000001',
      MICROSOFT_CLIENT_SECRET: 's',
      GOOGLE_CLIENT_ID: 'g',
      GOOGLE_CLIENT_SECRET: 'g',
      STATE_SIGNING_KEY: 'k'.repeat(32),
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    };
    expect(loadConfig(base).providerCallTimeoutMs).toBe(30_000);
    expect(loadConfig({ ...base, PROVIDER_CALL_TIMEOUT_SECONDS: String(MAX_CALL_TIMEOUT_MS / 1000) }).providerCallTimeoutMs).toBe(
      MAX_CALL_TIMEOUT_MS,
    );
    expect(() => loadConfig({ ...base, PROVIDER_CALL_TIMEOUT_SECONDS: String(MAX_CALL_TIMEOUT_MS / 1000 + 1) })).toThrow(
      /PROVIDER_CALL_TIMEOUT_SECONDS/,
    );
    expect(() => loadConfig({ ...base, PROVIDER_CALL_TIMEOUT_SECONDS: '0' })).toThrow(/PROVIDER_CALL_TIMEOUT_SECONDS/);
  });

  it('parses hh:mm:ss and d.hh:mm:ss; the default lease is the derived one', () => {
    expect(parseFunctionTimeout('00:05:00')).toBe(300_000);
    expect(parseFunctionTimeout('1.00:00:01')).toBe(86_401_000);
    expect(() => parseFunctionTimeout('5m')).toThrow();
    expect(LEASE_MS).toBe(sendTiming(30_000).leaseMs);
  });
});

describe('Entra token endpoint, in three testable parts', () => {
  it('the sender cut by its signal leaves the naming to withDeadline; the processor classifies answers', async () => {
    const aborted = AbortSignal.abort();
    await expect(sendTokenRequest({ url: 'https://127.0.0.1:9/token', body: new URLSearchParams() }, aborted)).rejects.not.toBeInstanceOf(
      MailerError,
    );
    const ok = await processTokenResponse(
      new Response(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: 'a' }), { status: 200 }),
      { federated: false },
    );
    expect(ok.access_token).toBe('a');
    await expect(processTokenResponse(new Response('{}', { status: 200 }), { federated: false })).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
    await expect(processTokenResponse(new Response('busy', { status: 503 }), { federated: false })).rejects.toMatchObject({
      retryable: true,
    });
  });
});

describe('classification: Key Vault 401/403 and unknown provider 403s', () => {
  const BROKEN = new Set(['auth', 'permission', 'mailbox']);

  it.each([401, 403])(
    'Key Vault %d is KEY_VAULT_ACCESS_DENIED: a deployment fault with the role in the hint, not transient',
    (statusCode) => {
      const error = classifyVaultError(
        { name: 'RestError', statusCode, code: 'Forbidden', message: 'Caller is not authorized' },
        'reading',
        'org-acme-client-secret-1',
      );
      expect(error).toMatchObject({ code: 'KEY_VAULT_ACCESS_DENIED', retryable: true, category: 'state' });
      expect(error.message).toContain(`HTTP ${statusCode}`);
      expect(error.hint).toMatch(/Key Vault Secrets Officer/);
    },
  );

  async function graphError(status: number, code: string, message: string) {
    const body = { error: { code, message } };
    return GraphErrorHandler.getError(body, status, undefined, new Response(JSON.stringify(body), { status }));
  }

  it("Graph: recognised 403s keep their codes; an unknown one is PROVIDER_FORBIDDEN_UNKNOWN carrying Graph's code", async () => {
    expect(classifyGraphError(await graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.')).code).toBe(
      'MS_CONSENT_MISSING',
    );
    expect(classifyGraphError(await graphError(403, 'ErrorAccessDenied', 'Access to OData is disabled.')).code).toBe(
      'MS_MAILBOX_ACCESS_DENIED',
    );
    expect(classifyGraphError(await graphError(403, 'ErrorSendAsDenied', 'no')).code).toBe('MS_SEND_AS_DENIED');
    const unknown = classifyGraphError(await graphError(403, 'ErrorSomethingNew', 'A new reason.'), { mailbox: 'a@contoso.example' });
    expect(unknown.code).toBe('PROVIDER_FORBIDDEN_UNKNOWN');
    expect(unknown.message).toContain('ErrorSomethingNew');
    expect(unknown.providerCode).toBe('ErrorSomethingNew');
    expect(BROKEN.has(unknown.category)).toBe(false);
  });

  it('Google: insufficientPermissions and sending limits keep their codes; an unknown 403 reason is PROVIDER_FORBIDDEN_UNKNOWN', () => {
    const gmail = (reason: string) => new GoogleHttpFailure(403, { error: { code: 403, message: `m ${reason}`, errors: [{ reason }] } });
    const context = { mode: 'oauth' as const, senderEmail: 'alerts@fabrikam.example' };
    expect(classifyGoogleError(gmail('insufficientPermissions'), context).code).toBe('GOOGLE_SCOPE_MISSING');
    expect(classifyGoogleError(gmail('dailyLimitExceeded'), context).code).toBe('GOOGLE_SENDING_LIMIT');
    const unknown = classifyGoogleError(gmail('domainPolicy'), context);
    expect(unknown).toMatchObject({ code: 'PROVIDER_FORBIDDEN_UNKNOWN', providerCode: 'domainPolicy' });
    expect(unknown.message).toContain('domainPolicy');
    expect(BROKEN.has(ERROR_CODES.PROVIDER_FORBIDDEN_UNKNOWN.category)).toBe(false);
  });
});
