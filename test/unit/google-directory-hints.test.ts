/**
 * DIRECTORY_API_DISABLED names the party who can fix it: the platform operator when an `oauth`
 * connection goes through the platform's own Google project, the customer when a `service_account`
 * connection goes through theirs; with the project unknown, the registry's hint names both.
 */
import { ERROR_CODES } from '@shared/errors';
import { GoogleHttpFailure } from '@shared/providers/google/errors';
import {
  classifyAdminDirectoryError,
  classifyDirectoryError,
  directoryApiDisabledHint,
  projectOfMode,
} from '@shared/providers/google/directoryErrors';

/** The Admin SDK's answer when the API is disabled in the caller's project (https://cloud.google.com/service-usage/docs/troubleshooting). */
const disabled = () =>
  new GoogleHttpFailure(403, {
    error: {
      code: 403,
      message:
        'Admin SDK API has not been used in project 123456 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/admin.googleapis.com/overview?project=123456 then retry.',
      status: 'PERMISSION_DENIED',
      errors: [{ reason: 'accessNotConfigured', domain: 'usageLimits' }],
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED' }],
    },
  });

describe('DIRECTORY_API_DISABLED: the hint names who can enable the Admin SDK API', () => {
  it("an oauth connection (the platform's Google project): the platform operator, nothing in the customer's Workspace", () => {
    const error = classifyDirectoryError(disabled(), { mode: 'oauth', account: 'admin@example.com' });
    expect(error.code).toBe('DIRECTORY_API_DISABLED');
    expect(error.hint).toMatch(/platform's own Google Cloud project/);
    expect(error.hint).toMatch(/Tell the platform operator/);
    expect(error.hint).not.toMatch(/your service account/);
  });

  it("a service_account connection (the customer's own project): the customer enables it there", () => {
    const error = classifyDirectoryError(disabled(), { mode: 'service_account', account: 'admin@example.com' });
    expect(error.code).toBe('DIRECTORY_API_DISABLED');
    expect(error.hint).toMatch(/project of your service account/);
    expect(error.hint).not.toMatch(/platform operator/);
  });

  it("during a sync, the access's project decides the same way; unknown, the registry hint names both parties", () => {
    expect(classifyAdminDirectoryError(disabled(), 'platform').hint).toBe(directoryApiDisabledHint('platform'));
    expect(classifyAdminDirectoryError(disabled(), 'customer').hint).toBe(directoryApiDisabledHint('customer'));
    const unknown = classifyAdminDirectoryError(disabled());
    expect(unknown.code).toBe('DIRECTORY_API_DISABLED');
    expect(unknown.hint).toBe(ERROR_CODES.DIRECTORY_API_DISABLED.hint);
    expect(unknown.hint).toMatch(
      /service_account connection[\s\S]*your own service account's project[\s\S]*oauth connection[\s\S]*platform operator/,
    );
  });

  it("oauth goes through the platform's project, service_account through the customer's", () => {
    expect([projectOfMode('oauth'), projectOfMode('service_account')]).toEqual(['platform', 'customer']);
  });

  it('other refusals keep their own hints', () => {
    const notAdmin = new GoogleHttpFailure(403, {
      error: { code: 403, message: 'Not Authorized to access this resource/api', errors: [{ reason: 'forbidden' }] },
    });
    expect(classifyAdminDirectoryError(notAdmin, 'platform').hint).toBe(ERROR_CODES.DIRECTORY_NOT_ADMIN.hint);
  });
});
