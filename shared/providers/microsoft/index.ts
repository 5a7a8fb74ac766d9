/**
 * The Microsoft 365 provider module: admin_consent, app_registration and delegated senders through
 * Microsoft Graph sendMail (docs/senders.md).
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { ERROR_CODES, MailerError } from '../../errors';
import type { SenderConfig } from '../../model/sender';
import type { ProviderContext, ProviderModule } from '../module';
import { adminConsentFlow } from './adminConsent';
import { delegatedFlow } from './consentFlows';
import { directoryApplicationFlow, directoryDelegatedFlow } from './directoryConsent';
import { microsoftDirectoryAccess } from './directoryAccess';
import { customerAppCredential, GRAPH_DEFAULT_SCOPE, platformAppCredential } from './credentials';
import { delegatedTokenSource } from './delegatedToken';
import { classifyCredentialError, MicrosoftErrorContext } from './errors';
import { withDeadline } from '../deadline';
import { createGraphClient } from './graphClient';
import { messageIdRefusals } from './messageIdFallback';
import { MicrosoftMailProvider } from './provider';
import { CachedToken } from './tokenCache';

const PERMISSION_HINTS = {
  admin_consent:
    'The org-mailer app has no Mail.Send permission in this tenant yet: follow the consent link as a Global Administrator or ' +
    'Privileged Role Administrator and accept. Right after consent it can take a few minutes before tokens carry the permission.',
  app_registration: ERROR_CODES.MS_CONSENT_MISSING.hint,
  delegated:
    'The saved sign-in does not include the needed permissions. Reset the sender and sign in again, accepting "Send mail as you" ' +
    '(and "Send mail on behalf of others" for a shared mailbox).',
} as const;

/**
 * Client credentials through one lazily built @azure/identity credential (it caches its token per
 * instance). `fresh` builds a new instance, re-reading the secret: MSAL would otherwise answer from
 * its cache and never show that the secret was deleted or expired since.
 */
function appOnlyTokenSource(
  build: (fresh: boolean) => Promise<TokenCredential>,
  timeoutMs: number,
): (fresh: boolean) => Promise<AccessToken | null> {
  let credential: Promise<TokenCredential> | undefined;
  return async (fresh) => {
    if (fresh) credential = undefined;
    credential ??= build(fresh).catch((error) => {
      credential = undefined; // a Key Vault hiccup must not stick
      throw error;
    });
    const built = await credential;
    // The deadline starts after the Key Vault read (which has its own): it bounds the token request alone.
    // https://learn.microsoft.com/javascript/api/@azure/core-auth/gettokenoptions#@azure-core-auth-gettokenoptions-abortsignal
    return withDeadline(timeoutMs, 'The Entra ID token endpoint', (abortSignal) => built.getToken(GRAPH_DEFAULT_SCOPE, { abortSignal }));
  };
}

function missing(code: 'MS_APP_NOT_IN_TENANT' | 'MS_SECRET_INVALID', message: string, hint: string): () => Promise<never> {
  return () => Promise.reject(new MailerError(code, message, { hint }));
}

function tokenSource(sender: SenderConfig, context: ProviderContext): (fresh: boolean) => Promise<AccessToken | null> {
  switch (sender.mode) {
    case 'admin_consent':
      if (!sender.tenantId) {
        return missing(
          'MS_APP_NOT_IN_TENANT',
          'Admin consent has not been completed for this sender.',
          'Open the consent link as a Global Administrator of the tenant and accept.',
        );
      }
      return appOnlyTokenSource(async () => platformAppCredential(context, sender.tenantId!), context.config.providerCallTimeoutMs);
    case 'app_registration': {
      const ref = sender.secretRefs.clientSecret;
      if (!sender.tenantId || !sender.clientId || !ref) {
        return missing(
          'MS_SECRET_INVALID',
          'No client secret is saved for this sender.',
          'Save the tenant ID, client ID and client secret of the app registration.',
        );
      }
      return appOnlyTokenSource(async (fresh) => {
        if (fresh) context.secrets.forget(ref);
        return customerAppCredential(context.config, sender.tenantId!, sender.clientId!, await context.secrets.get(ref));
      }, context.config.providerCallTimeoutMs);
    }
    case 'delegated':
      return delegatedTokenSource(sender, context);
    default:
      throw new Error(`internal: mode ${sender.mode} is not a Microsoft mode`);
  }
}

function create(sender: SenderConfig, context: ProviderContext): MicrosoftMailProvider {
  const delegated = sender.mode === 'delegated';
  // Seed 001: the mailbox object id is stable across renames, so it is preferred for the send path.
  const objectId = sender.mode === 'app_registration' ? sender.mailboxObjectId : undefined;
  const errorContext: MicrosoftErrorContext = {
    mailbox: objectId ? `${sender.senderEmail} (object ID ${objectId})` : sender.senderEmail,
    account: delegated ? sender.accountEmail : undefined,
    clientId: sender.mode === 'app_registration' ? sender.clientId : context.config.microsoft.clientId,
    federated: sender.mode !== 'app_registration' && context.config.microsoft.credential === 'managed-identity',
  };
  const tokens = new CachedToken(tokenSource(sender, context), (error) => classifyCredentialError(error, errorContext));
  return new MicrosoftMailProvider({
    sender: { address: sender.senderEmail, name: sender.senderName },
    defaultReplyTo: sender.replyTo,
    saveToSentItems: sender.saveToSentItems,
    kind: delegated ? 'delegated' : 'app',
    // Delegated: /me/sendMail with `from` = the (shared) mailbox the user has Send As on.
    mailboxPath: delegated ? '/me' : `/users/${encodeURIComponent(objectId ?? sender.senderEmail)}`,
    tokens,
    graph: createGraphClient(context.config.microsoft.graphUrl, () => tokens.get()),
    errorContext,
    callTimeoutMs: context.config.providerCallTimeoutMs,
    permissionHint: PERMISSION_HINTS[sender.mode as keyof typeof PERMISSION_HINTS],
    tenantId: sender.tenantId,
    messageIds: messageIdRefusals,
  });
}

export const microsoftProvider: ProviderModule = {
  provider: 'microsoft',
  consentFlows: [adminConsentFlow, delegatedFlow],
  directoryConsentFlows: [directoryDelegatedFlow, directoryApplicationFlow],
  directoryAccess: microsoftDirectoryAccess,
  create,
};
