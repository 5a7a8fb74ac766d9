/**
 * The Google directory connection's consent (`oauth` mode): the sender's Google consent flow with
 * the three readonly Admin SDK Directory scopes (+ openid email), offline, prompt=consent. The
 * account is the verified ID token's email (oauthFlow.ts), never a query parameter.
 */
import { MailerError } from '../../errors';
import type { SingleStepConsentFlow } from '../../consent/types';
import { DIRECTORY_SCOPES } from './directoryErrors';
import { createGoogleOAuthFlow, type GoogleOAuthSpec } from './oauthFlow';
import { getConfig } from '../../config';

const DIRECTORY_OAUTH: GoogleOAuthSpec = {
  mode: 'oauth',
  scopes: () => [...DIRECTORY_SCOPES, 'openid', 'email'],
  granted: (scopes) => DIRECTORY_SCOPES.every((scope) => scopes.includes(scope)),
  scopeMissing: () =>
    new MailerError(
      'GOOGLE_SCOPE_MISSING',
      'The Google sign-in did not grant read access to the users and groups of the domain; nothing was saved.',
      {
        hint: 'Sign in again as a Workspace administrator and allow org-mailer to see users, groups and group members.',
      },
    ),
  noRefreshToken: () =>
    new MailerError('DIRECTORY_REAUTH_REQUIRED', 'Google returned no refresh token for this sign-in; nothing was saved.', {
      hint: 'Remove org-mailer under myaccount.google.com > Security > Third-party connections, then reconnect.',
    }),
  outcome: (accountEmail, refreshToken, issuedAt, now) => ({
    fields: { accountEmail, refreshTokenIssuedAt: issuedAt, consentedAt: now },
    secrets: { refreshToken },
  }),
};

export const directoryOAuthFlow: SingleStepConsentFlow = createGoogleOAuthFlow(getConfig, DIRECTORY_OAUTH);
