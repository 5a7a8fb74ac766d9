/** Google senders (docs/senders.md): `oauth` (consent, refresh token) and `service_account` (domain-wide delegation). */
import type { ProviderModule } from '../module';
import { createGmailProvider } from './gmailProvider';
import { googleOAuthFlow, revokeConsentGrant } from './oauthFlow';
import { directoryOAuthFlow } from './directoryConsent';
import { googleDirectoryAccess } from './directoryAccess';
import { adminDirectory } from './directoryAdmin';
import { verifyGoogleDirectory } from './directoryCheck';

export const googleProvider: ProviderModule = {
  provider: 'google',
  consentFlows: [googleOAuthFlow],
  directoryConsentFlows: [directoryOAuthFlow],
  directoryAccess: googleDirectoryAccess,
  verifyDirectory: verifyGoogleDirectory,
  revokeGrant: revokeConsentGrant,
  adminDirectory,
  create: (sender, context) => createGmailProvider(sender, context),
};

export { parseServiceAccountKey } from './serviceAccountKey';
