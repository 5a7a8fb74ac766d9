/**
 * The consent flows of Microsoft directory connections, built from the sender flows' factories:
 * - `delegated`: the platform app's sign-in with the delegated User.Read.All and Group.Read.All
 *   (+ offline_access); tenant = the verified ID token's `tid`; the refresh token goes to Key Vault.
 * - `application`: the two-step admin consent of the senders (verified admin sign-in, then
 *   `/{tid}/v2.0/adminconsent`) for the SEPARATE directory app, MICROSOFT_DIRECTORY_CLIENT_ID.
 * Both permissions need an administrator (https://learn.microsoft.com/graph/permissions-reference):
 * a user who cannot grant them comes back with consent_required / AADSTS65001 or access_denied
 * with AADSTS90094 ("needs admin approval"), which is DIRECTORY_CONSENT_DENIED, not a plain decline.
 */
import type { ErrorCode } from '../../errors';
import { isMailerError, MailerError } from '../../errors';
import type { ConsentFlow } from '../../consent/types';
import { createAdminConsentFlow } from './adminConsent';
import { createDelegatedFlow } from './consentFlows';
import { confirmGrant } from './consentConfirm';
import { directoryAppCredential } from './directoryAccess';
import { directoryTokenError } from './directoryErrors';
import { DIRECTORY_SIGN_IN_SCOPES } from './tokenEndpoint';

/** AADSTS65001: consent not granted; AADSTS90094: admin approval required (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). */
function needsAdmin(error: string, description: string): ErrorCode | undefined {
  return error === 'consent_required' || /AADSTS(65001|90094)\b/.test(description) ? 'DIRECTORY_CONSENT_DENIED' : undefined;
}

export const directoryDelegatedFlow: ConsentFlow = createDelegatedFlow({
  mode: 'delegated',
  scopes: DIRECTORY_SIGN_IN_SCOPES,
  needs: ['User.Read.All', 'Group.Read.All'],
  refusals: needsAdmin,
  refuse: (missing) =>
    new MailerError(
      'DIRECTORY_CONSENT_DENIED',
      missing
        ? `The sign-in did not grant ${missing}; nothing was saved.`
        : 'The sign-in returned no refresh token (offline_access was not granted); nothing was saved.',
    ),
  outcome: (identity, refreshToken, now) => ({
    fields: {
      tenantId: identity.tenantId,
      accountEmail: identity.username,
      refreshTokenIssuedAt: now,
      consentedAt: now,
      consentedBy: { oid: identity.oid, username: identity.username },
    },
    secrets: { refreshToken },
  }),
});

/** The Graph application permissions the directory app's admin consent grants (https://learn.microsoft.com/graph/permissions-reference). */
const DIRECTORY_APP_ROLES = ['User.Read.All', 'Group.Read.All'];

export const directoryApplicationFlow: ConsentFlow = createAdminConsentFlow({
  mode: 'application',
  clientId: (ctx) => {
    const app = ctx.config.microsoft.directoryApp;
    if (!app)
      throw new MailerError(
        'DIRECTORY_MODE_UNAVAILABLE',
        'The directory app registration (MICROSOFT_DIRECTORY_CLIENT_ID) is not configured.',
      );
    return app.clientId;
  },
  refusals: needsAdmin,
  // The directory app's token in the proven tenant carries both read roles (consentConfirm.ts).
  async confirm(ctx, tenant) {
    try {
      await confirmGrant(ctx, tenant, {
        credential: () => directoryAppCredential(ctx, tenant),
        needs: DIRECTORY_APP_ROLES,
        clientId: ctx.config.microsoft.directoryApp?.clientId,
      });
    } catch (error) {
      throw isMailerError(error) ? directoryTokenError(error) : error;
    }
  },
});
