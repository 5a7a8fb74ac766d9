/**
 * Microsoft's delegated sign-in (authorization code + PKCE S256), plugged into the provider-neutral
 * consent machinery (`shared/consent/`), which signs and consumes the state, keeps the PKCE verifier
 * and stores what `complete()` returns. One factory serves the sender (Mail.Send) and the directory
 * connection (User.Read.All, Group.Read.All); admin consent is in `adminConsent.ts`.
 */
import { MailerError } from '../../errors';
import type { CallbackRequest, ConsentFlow, ConsentMode, ConsentOutcome } from '../../consent/types';
import { authorizeUrl, required, throwIfDeclined } from './consentCommon';
import { verifyIdToken, type VerifiedIdentity } from './idToken';
import { redeemAuthorizationCode, SIGN_IN_SCOPES } from './tokenEndpoint';

export interface DelegatedFlowSpec {
  mode: ConsentMode;
  scopes: readonly string[];
  /** The error for a granted scope list that lacks what the flow needs (`missing`), or no refresh token. */
  refuse(missing: string | undefined): MailerError;
  /** See `throwIfDeclined`. */
  refusals?: Parameters<typeof throwIfDeclined>[1];
  /** The scope names (Graph prefix dropped) that must all come back granted. */
  needs: readonly string[];
  outcome(identity: VerifiedIdentity & { username: string }, refreshToken: string, at: string): ConsentOutcome;
}

export function createDelegatedFlow(spec: DelegatedFlowSpec): ConsentFlow {
  return {
    provider: 'microsoft',
    mode: spec.mode,
    usesPkce: true,
    authorizationUrl: (request, context) => authorizeUrl(required(context), request, spec.scopes),
    async complete(request: CallbackRequest, context): Promise<ConsentOutcome> {
      const ctx = required(context);
      throwIfDeclined(request.query, spec.refusals);
      const code = request.query.get('code');
      if (!code || !request.codeVerifier)
        throw new MailerError('BAD_REQUEST', 'The sign-in answer carries no authorization code; nothing was saved.');
      const tokens = await redeemAuthorizationCode(ctx, {
        code,
        codeVerifier: request.codeVerifier,
        redirectUri: request.redirectUri,
        scopes: spec.scopes,
      });
      const granted = (tokens.scope ?? '').split(' ').map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, ''));
      const missing = spec.needs.find((scope) => !granted.includes(scope));
      if (missing) throw spec.refuse(missing);
      if (!tokens.refresh_token) throw spec.refuse(undefined);
      // Who signed in, and so the tenant, comes only from the VERIFIED ID token (signature, issuer of
      // its own tenant, audience, expiry, this link's nonce): see idToken.ts.
      const identity = await verifyIdToken(ctx, tokens.id_token, { nonce: request.nonce });
      if (!identity.username)
        throw new MailerError('CONSENT_ID_TOKEN_INVALID', 'The ID token of this sign-in names no account; nothing was saved.');
      return spec.outcome({ ...identity, username: identity.username }, tokens.refresh_token, new Date().toISOString());
    },
  };
}

/** Delegated sender: a user who may send as the sender mailbox. */
export const delegatedFlow: ConsentFlow = createDelegatedFlow({
  mode: 'delegated',
  scopes: SIGN_IN_SCOPES,
  needs: ['Mail.Send'],
  refuse: (missing) =>
    missing
      ? new MailerError('MS_CONSENT_MISSING', 'The sign-in did not grant Mail.Send; nothing was saved.', {
          hint: 'Sign in again and accept the "Send mail as you" permission, or ask an administrator to grant it for the organization.',
        })
      : new MailerError(
          'MS_CONSENT_MISSING',
          'The sign-in returned no refresh token (offline_access was not granted); nothing was saved.',
          {
            hint: 'Sign in again and accept "Maintain access to data you have given it access to".',
          },
        ),
  // The mailbox's own address is its primary SMTP address (the ID token's `email`), not the sign-in
  // name: where the UPN differs, a `from` of the UPN does not match the mailbox and Graph refuses it.
  outcome: (identity, refreshToken, now) => ({
    fields: {
      tenantId: identity.tenantId,
      accountEmail: identity.email ?? identity.username,
      refreshTokenIssuedAt: now,
      consentedAt: now,
      consentedBy: { oid: identity.oid, username: identity.username },
      senderEmail: identity.email ?? identity.username,
    },
    secrets: { refreshToken },
  }),
});
