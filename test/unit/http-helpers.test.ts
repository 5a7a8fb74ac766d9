/** functions/http.ts: the one place HTTP answers and errors are shaped, for every trigger. */
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { handle, MAX_JSON_DEPTH, orgIdFrom, readJson, redact } from '../../functions/http';
import { MailerError } from '@shared/errors';

function context(lines: string[]): InvocationContext {
  return new InvocationContext({
    invocationId: 'inv-1',
    functionName: 'demo',
    logHandler: (_level, ...args) => lines.push(args.join(' ')),
  });
}

const request = (body?: string, params: Record<string, string> = {}) =>
  new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/demo',
    body: body === undefined ? undefined : { string: body },
    params,
    headers: { 'content-type': 'application/json' },
  });

describe('functions/http', () => {
  it('a MailerError becomes its status and { error: { code, message, hint, fields } }, with Retry-After when known', async () => {
    const answer = (await handle(async () => {
      throw new MailerError('PROVIDER_THROTTLED', 'Slow down.', { retryAfterSeconds: 2.128 });
    })(request(), context([]))) as HttpResponseInit;
    expect(answer.status).toBe(429);
    expect(answer.headers).toMatchObject({ 'Retry-After': '3' });
    expect(answer.jsonBody).toEqual({ error: { code: 'PROVIDER_THROTTLED', message: 'Slow down.', hint: expect.any(String) } });
    const invalid = await handle(async () => {
      throw new MailerError('VALIDATION_FAILED', 'Bad.', { fields: { to: 'must be an email address' } });
    })(request(), context([]));
    expect(invalid).toMatchObject({
      status: 422,
      jsonBody: { error: { code: 'VALIDATION_FAILED', fields: { to: 'must be an email address' } } },
    });
  });

  it('anything unexpected is a generic 500 that reveals nothing, logged with secrets masked', async () => {
    const lines: string[] = [];
    const answer = (await handle(async () => {
      throw new Error('request failed: Authorization: Bearer abc.def.ghi client_secret=hunter2 token eyJhbGciOi.eyJzdWIiOi.c2ln');
    })(request(), context(lines))) as HttpResponseInit;
    expect(answer.status).toBe(500);
    expect(answer.jsonBody).toEqual({
      error: { code: 'INTERNAL', message: 'An unexpected error occurred (invocation inv-1).', hint: expect.any(String) },
    });
    const logged = lines.join('\n');
    expect(logged).toContain('request failed');
    for (const leaked of ['abc.def.ghi', 'hunter2', 'eyJhbGciOi.eyJzdWIiOi.c2ln']) expect(logged).not.toContain(leaked);
  });

  it('readJson: empty -> undefined, bad JSON -> 400, too big -> 413', async () => {
    await expect(readJson(request(''))).resolves.toBeUndefined();
    await expect(readJson(request('{"a":1}'))).resolves.toEqual({ a: 1 });
    await expect(readJson(request('{"a":'))).rejects.toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    await expect(readJson(request(JSON.stringify({ a: 'x'.repeat(100) }), {}), 50)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      status: 413,
    });
  });

  it('readJson refuses JSON nested deeper than MAX_JSON_DEPTH with 400, counting brackets in strings as text', async () => {
    const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    await expect(readJson(request(nested(MAX_JSON_DEPTH)))).resolves.toBeDefined();
    await expect(readJson(request(nested(MAX_JSON_DEPTH + 1)))).rejects.toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    await expect(readJson(request(nested(10_000)))).rejects.toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    await expect(readJson(request(JSON.stringify({ text: '{['.repeat(500) + '\\"[' })))).resolves.toEqual({
      text: '{['.repeat(500) + '\\"[',
    });
  });

  it('orgIdFrom accepts org ids and _default, and refuses anything else with 400', () => {
    expect(orgIdFrom(request(undefined, { orgId: 'acme-eu' }))).toBe('acme-eu');
    expect(orgIdFrom(request(undefined, { orgId: '_default' }))).toBe('_default');
    for (const bad of ['Acme', '-acme', 'a'.repeat(64), '../x', '']) {
      expect(() => orgIdFrom(request(undefined, { orgId: bad }))).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
  });

  it('redact masks JWTs, bearer tokens and key=value secrets', () => {
    expect(redact('Bearer x.y.z')).toBe('Bearer [redacted]');
    expect(redact('refresh_token=1.AQabc&x=1')).toBe('refresh_token=[redacted]&x=1');
    expect(redact('"clientSecret":"s3cr3t"')).toBe('"clientSecret":"[redacted]"');
  });

  it('redact masks private keys, Google tokens, basic credentials, PKCE verifiers and SAS signatures', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
    const text = [
      `{"type":"service_account","private_key":${JSON.stringify(pem)},"client_email":"a@p.iam.gserviceaccount.com"}`,
      `key file: ${pem}`,
      'access ya29.a0AfB_byC-xyz refresh 1//0gLq-secretish',
      'Authorization: Basic dXNlcjpwYXNz',
      'code=abc&code_verifier=verif123&state=s',
      'https://acct.blob.core.windows.net/c/b?sv=2024&sig=c2lnbmF0dXJl%3D&se=2030',
      'AccountKey=Eby8vdM02xNOcqFl==;',
    ].join('\n');
    const masked = redact(text);
    for (const leaked of [
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      'BKcwggSjAgEAAoIBAQC7',
      'a0AfB_byC-xyz',
      '0gLq-secretish',
      'dXNlcjpwYXNz',
      'verif123',
      'c2lnbmF0dXJl',
      'Eby8vdM02xNOcqFl',
    ]) {
      expect(masked).not.toContain(leaked);
    }
    expect(masked).toContain('a@p.iam.gserviceaccount.com');
  });
});
