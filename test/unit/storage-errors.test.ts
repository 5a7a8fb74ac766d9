/** Storage failures are classified once: unavailable (retryable) vs our own fault, with safe messages. */
import { RestError } from '@azure/storage-queue';
import { MailerError } from '@shared/errors';
import { storageErrorCode, storageFailure, unavailableReason } from '@shared/store/storageErrors';

test.each([
  [new RestError('connect ECONNREFUSED 127.0.0.1:10002', { code: 'ECONNREFUSED' }), 'connection refused'],
  [new RestError('socket hang up', { code: 'REQUEST_SEND_ERROR' }), 'request not sent'],
  [new RestError('Service Unavailable', { statusCode: 503, code: 'ServerBusy' }), 'HTTP 503 ServerBusy'],
  [new RestError('Internal', { statusCode: 500 }), 'HTTP 500'],
  [Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }), 'timed out'],
  [new Error('wrapped', { cause: new RestError('x', { code: 'ENOTFOUND' }) }), 'host not found'],
])('%s means unavailable: %s', (error, reason) => {
  expect(unavailableReason(error)).toBe(reason);
  const classified = storageFailure(error, 'read sender acme');
  expect(classified).toBeInstanceOf(MailerError);
  expect(classified.code).toBe('STORAGE_UNAVAILABLE');
  expect(classified.retryable).toBe(true);
  expect(classified.message).toBe(`Azure Storage is unavailable (read sender acme: ${reason}).`);
});

test('a refusal that retrying cannot fix (a missing role) is INTERNAL, naming status and service code only', () => {
  const error = new RestError(
    'This request is not authorized to perform this operation using this permission. RequestId:abc https://acct.queue.core.windows.net/outbox?sig=SECRET',
    {
      statusCode: 403,
      code: 'AuthorizationPermissionMismatch',
    },
  );
  const classified = storageFailure(error, 'send to queue outbox');
  expect(classified.code).toBe('INTERNAL');
  expect(classified.message).toBe('Azure Storage refused send to queue outbox (HTTP 403 AuthorizationPermissionMismatch).');
  expect(classified.message).not.toContain('SECRET');
});

test("the Tables SDK's service code is read from details.odataError (docs/providers.md)", () => {
  const error = Object.assign(new RestError('Precondition failed', { statusCode: 412 }), {
    details: { odataError: { code: 'UpdateConditionNotSatisfied' } },
  });
  expect(storageErrorCode(error)).toBe('UpdateConditionNotSatisfied');
  expect(unavailableReason(error)).toBeUndefined();
});

test('an error already classified passes through unchanged', () => {
  const original = new MailerError('CONCURRENT_UPDATE', 'changed meanwhile');
  expect(storageFailure(original, 'x')).toBe(original);
});
