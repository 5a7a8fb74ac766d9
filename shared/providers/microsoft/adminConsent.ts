/**
 * Admin consent, in two steps of one consent link, so that the tenant an org gets is PROVEN:
 *
 * 1. OpenID Connect sign-in (authorization code + PKCE, `openid profile`, `nonce` = the state's
 *    nonce, answered by form_post). We redeem the code ourselves and verify the ID token
 *    (`idToken.ts`); the user must hold a directory role that can grant tenant-wide consent (`wids`).
 *    The result is a continuation: the verified `tid` and the admin are kept server-side with a NEW
 *    single-use state.
 * 2. The tenant-specific `/{tid}/v2.0/adminconsent` with that new state. Its answer's `tenant` must
 *    equal the tid recorded in step 1; then a client-credentials token for that tenant must carry the
 *    app roles the consent grants (the grant really happened: `consentConfirm.ts`).
 *
 * Why: the answer of `/adminconsent` is a plain redirect anyone can type (`admin_consent=True&tenant=`
 * any tenant id, which is public), and a client-credentials token only proves that SOMEONE consented
 * in that tenant once. https://learn.microsoft.com/entra/identity-platform/v2-admin-consent
 */
import { MailerError } from '../../errors';
import type { CallbackRequest, ConsentContinuation, ConsentFlow, ConsentMode, ConsentOutcome } from '../../consent/types';
import type { ProviderContext } from '../module';
import { authorizeUrl, required, throwIfDeclined, withQuery } from './consentCommon';
import { confirmGrant } from './consentConfirm';
import { GRAPH_DEFAULT_SCOPE, platformAppCredential } from './credentials';
import { verifyIdToken } from './idToken';
import { ADMIN_SIGN_IN_SCOPES, redeemAuthorizationCode } from './tokenEndpoint';

/**
 * Directory role template ids, as `wids` carries them, of the built-in roles that may grant tenant-wide
 * consent to Microsoft Graph APPLICATION permissions (app roles), which is what both admin-consent flows
 * grant (Mail.Send; User.Read.All and Group.Read.All). Application Administrator and Cloud Application
 * Administrator may consent to anything EXCEPT Microsoft Graph app roles, so they are not enough here:
 * https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent#prerequisites
 * (ids: https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
 * A custom role with microsoft.directory/servicePrincipals/managePermissionGrantsForAll.* could also
 * grant; `wids` lists only built-in roles, so such an admin is refused (fail-safe) and told whom to ask.
 */
export const CONSENT_ADMIN_ROLES: Readonly<Record<string, string>> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Step 1's answer: a verified admin of some tenant, or CONSENT_ID_TOKEN_INVALID / CONSENT_NOT_ADMIN. */
async function proveAdmin(ctx: ProviderContext, request: CallbackRequest): Promise<ConsentContinuation> {
  const code = request.query.get('code');
  if (!code || !request.codeVerifier) {
    // Includes the forged `admin_consent=True&tenant=...` aimed at a first-step state: no sign-in happened.
    throw new MailerError(
      'CONSENT_ID_TOKEN_INVALID',
      'This consent answer did not come from a Microsoft sign-in, so it does not prove which tenant you administer. Nothing was saved.',
    );
  }
  const tokens = await redeemAuthorizationCode(ctx, {
    code,
    codeVerifier: request.codeVerifier,
    redirectUri: request.redirectUri,
    scopes: ADMIN_SIGN_IN_SCOPES,
  });
  const identity = await verifyIdToken(ctx, tokens.id_token, { nonce: request.nonce });
  if (!identity.roles.some((role) => Object.hasOwn(CONSENT_ADMIN_ROLES, role))) {
    const who = identity.username || 'The account that signed in';
    throw new MailerError(
      'CONSENT_NOT_ADMIN',
      identity.roles.length
        ? `${who} is not an active Global Administrator or Privileged Role Administrator of its tenant, the roles that can grant Microsoft Graph application permissions for the organization. Nothing was saved.`
        : // No `wids` at all: either a plain user, or the platform app does not ask Entra for the claim.
          `${who} holds no administrator role in its tenant (the sign-in carries no directory roles), so it cannot grant consent for the organization. Nothing was saved.`,
    );
  }
  return { continueWith: { tenantId: identity.tenantId, oid: identity.oid, username: identity.username } };
}

export interface AdminConsentSpec {
  mode: ConsentMode;
  /** The app whose permissions the admin grants in step 2 (the sign-in of step 1 is always the platform app's). */
  clientId(ctx: ProviderContext): string;
  /**
   * Proves the grant: a client-credentials token of that app in the proven tenant carrying the app roles
   * the consent grants, through Entra's replication delay (consentConfirm.ts); throws the classified error.
   */
  confirm(ctx: ProviderContext, tenantId: string): Promise<void>;
  /** See `throwIfDeclined`. */
  refusals?: Parameters<typeof throwIfDeclined>[1];
}

export function createAdminConsentFlow(spec: AdminConsentSpec): ConsentFlow {
  return {
    provider: 'microsoft',
    mode: spec.mode,
    usesPkce: true,
    authorizationUrl(request, context) {
      const ctx = required(context);
      // https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#send-the-sign-in-request
      if (!request.binding) return authorizeUrl(ctx, request, ADMIN_SIGN_IN_SCOPES);
      // Tenant-specific, not `organizations`: the admin can only grant in the tenant proven in step 1.
      return withQuery(`${ctx.config.microsoft.authorityHost}/${encodeURIComponent(request.binding.tenantId)}/v2.0/adminconsent`, {
        client_id: spec.clientId(ctx),
        scope: GRAPH_DEFAULT_SCOPE,
        redirect_uri: request.redirectUri,
        state: request.state,
      });
    },
    async complete(request, context): Promise<ConsentOutcome | ConsentContinuation> {
      const ctx = required(context);
      throwIfDeclined(request.query, spec.refusals);
      const binding = request.binding;
      if (!binding) return proveAdmin(ctx, request);
      const tenant = (request.query.get('tenant') ?? '').toLowerCase();
      if (request.query.get('admin_consent')?.toLowerCase() !== 'true' || !GUID.test(tenant)) {
        throw new MailerError('BAD_REQUEST', 'The admin consent answer names no tenant; nothing was saved.');
      }
      if (tenant !== binding.tenantId) {
        throw new MailerError(
          'CONSENT_TENANT_MISMATCH',
          `The consent answer names tenant ${tenant}, but the administrator signed in to tenant ${binding.tenantId}. Nothing was saved.`,
        );
      }
      await spec.confirm(ctx, tenant);
      return {
        fields: { tenantId: tenant, consentedAt: new Date().toISOString(), consentedBy: { oid: binding.oid, username: binding.username } },
        secrets: {},
      };
    },
  };
}

/** The sender mode: the platform app's Mail.Send application permission. */
export const adminConsentFlow: ConsentFlow = createAdminConsentFlow({
  mode: 'admin_consent',
  clientId: (ctx) => ctx.config.microsoft.clientId,
  // The grant itself: the platform app's token in that tenant carries Mail.Send (consentConfirm.ts).
  confirm: (ctx, tenant) =>
    confirmGrant(ctx, tenant, {
      credential: () => platformAppCredential(ctx, tenant),
      needs: ['Mail.Send'],
      clientId: ctx.config.microsoft.clientId,
    }),
});
