/**
 * Access tokens from a refresh token in Key Vault (delegated senders, delegated directory
 * connections). Entra rotates refresh tokens: each refresh usually returns a new one, which is
 * written as a NEW VERSION of the same secret (docs/providers.md "Azure Key Vault"), so the newest
 * refresh token is always the one stored.
 */
import type { AccessToken } from '@azure/identity';
import { MailerError } from '../../errors';
import type { SenderConfig } from '../../model/sender';
import type { ProviderContext } from '../module';
import { DELEGATED_SCOPES, redeemRefreshToken } from './tokenEndpoint';

export interface RefreshGrant {
  /** Key Vault secret NAME of the refresh token. */
  ref?: string;
  tenantId?: string;
  scopes: readonly string[];
  /** What to throw when no sign-in is saved. */
  missing: () => MailerError;
}

/** One refresh-token grant per call; a rotated refresh token replaces the stored one. */
export function refreshTokenSource(grant: RefreshGrant, context: ProviderContext): () => Promise<AccessToken> {
  return async () => {
    const { ref, tenantId } = grant;
    if (!ref || !tenantId) throw grant.missing();
    const refreshToken = await context.secrets.get(ref);
    const response = await redeemRefreshToken(context, tenantId, refreshToken, grant.scopes);
    if (response.refresh_token && response.refresh_token !== refreshToken) {
      try {
        await context.secrets.set(ref, response.refresh_token);
      } catch {
        // Not fatal: Entra does not revoke the previous refresh token when it issues a new one, so the
        // stored one keeps working until its own expiry, and the next refresh rotates again.
      }
    }
    return { token: response.access_token, expiresOnTimestamp: Date.now() + response.expires_in * 1000 };
  };
}

export function delegatedTokenSource(sender: SenderConfig, context: ProviderContext): () => Promise<AccessToken> {
  return refreshTokenSource(
    {
      ref: sender.secretRefs.refreshToken,
      tenantId: sender.tenantId,
      scopes: DELEGATED_SCOPES,
      missing: () =>
        new MailerError('MS_REAUTH_REQUIRED', 'No Microsoft sign-in is saved for this sender.', {
          hint: 'Open the consent link and sign in with the account that sends (or has Send As on the sender mailbox).',
        }),
    },
    context,
  );
}
