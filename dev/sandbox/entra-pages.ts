/**
 * The sandbox's Entra sign-in and consent pages on the `entra` origin:
 * - `GET /{tenant}/oauth2/v2.0/authorize`: delegated sign-in + consent, answering `?code=&state=`, or
 *   with `response_mode=form_post` the auto-submitting HTML form Entra returns (200), which POSTs
 *   code and state to the redirect URI (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow);
 * - `GET /{tenant|organizations}/v2.0/adminconsent`: admin consent for the whole tenant, answering
 *   `?admin_consent=True&tenant=&scope=&state=` (docs/providers.md).
 *
 * A person running `npm start` picks a user in a small form and clicks Accept or Cancel. Scripts
 * skip the form with `login_hint=<upn>&sandbox_action=approve|deny` and get the 302 (or the form_post
 * page, whose fields they post themselves) at once.
 * Requests Entra would refuse before redirecting (unknown tenant or app, unregistered redirect URI,
 * unknown or blocked user, a non-admin approving admin consent) get an error page, not a redirect.
 */
import { randomUUID } from 'node:crypto';
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import { AppRegistration, directoryRoles, ensureGrant, findApp, findGrant, Grant, MicrosoftUser, ROLE_IDS } from './world';
import { ADMIN_CONSENT_SCOPES } from './directory-world';
import { GRAPH_RESOURCE } from './tokens';
import {
  CODE_LIFETIME_MS,
  entraState,
  errorDescription,
  isAnswer,
  OIDC_SCOPES,
  opaqueToken,
  parseScope,
  ParsedScope,
  resolveTenantSegment,
  TenantSegment,
  TEXT,
} from './entra-common';

const OWN_PARAMS = new Set(['login_hint', 'sandbox_action']);

export function registerEntraPages(sandbox: Sandbox): void {
  sandbox.route('entra', 'GET', '/:tenant/oauth2/v2.0/authorize', (req) => authorize(sandbox, req));
  sandbox.route('entra', 'GET', '/:tenant/v2.0/adminconsent', (req) => adminConsent(sandbox, req));
}

interface PageContext {
  segment: TenantSegment;
  app: AppRegistration;
  redirectUri: string;
  query: URLSearchParams;
}

/** Checks Entra makes before it will redirect anywhere. */
function pageContext(sandbox: Sandbox, req: SandboxRequest): PageContext | SandboxResponse {
  const query = req.url.searchParams;
  const segment = resolveTenantSegment(sandbox.microsoft, req.params.tenant);
  if (!segment) return errorPage(sandbox, 400, 90002, TEXT.tenantNotFound(req.params.tenant));
  const clientId = query.get('client_id');
  if (!clientId) return errorPage(sandbox, 400, 900144, TEXT.missingParameter('client_id'));
  const app = findApp(sandbox.microsoft, clientId.toLowerCase());
  if (!app) return errorPage(sandbox, 400, 700016, TEXT.appNotFound(clientId, req.params.tenant));
  const redirectUri = query.get('redirect_uri') ?? app.redirectUris[0];
  if (!redirectUri) return errorPage(sandbox, 400, 500113, 'No reply address is registered for the application.');
  if (!app.redirectUris.includes(redirectUri)) return errorPage(sandbox, 400, 50011, TEXT.redirectMismatch(redirectUri, app.clientId));
  return { segment, app, redirectUri, query };
}

/** The user named by login_hint, or the answer Entra gives when that user cannot sign in here. */
function signedInUser(sandbox: Sandbox, ctx: PageContext, extra: Record<string, string>): MicrosoftUser | SandboxResponse {
  const hint = (ctx.query.get('login_hint') ?? '').toLowerCase();
  const user = sandbox.microsoft.users.find((u) => u.userPrincipalName === hint || u.id === hint);
  const tenantLabel = ctx.segment.kind === 'tenant' ? ctx.segment.tenant.name : ctx.segment.alias;
  if (!user) {
    return errorPage(
      sandbox,
      400,
      50034,
      `The user account {EmailHidden} does not exist in the '${tenantLabel}' directory. To sign into this application, the account must be added to the directory.`,
    );
  }
  if (!user.canSignIn) return errorPage(sandbox, 400, 50057, 'The user account is disabled.');
  if (ctx.segment.kind === 'tenant' && ctx.segment.tenant.id !== user.tenantId) {
    return redirectError(
      sandbox,
      ctx,
      'access_denied',
      50020,
      `User account '{EmailHidden}' from identity provider 'https://sts.windows.net/${user.tenantId}/' does not exist in tenant '${tenantLabel}' and cannot access the application '${ctx.app.clientId}'(${ctx.app.displayName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
      extra,
    );
  }
  if (!ctx.app.multiTenant && ctx.app.homeTenantId !== user.tenantId) {
    return errorPage(sandbox, 400, 700016, TEXT.appNotFound(ctx.app.clientId, user.tenantId));
  }
  return user;
}

async function authorize(sandbox: Sandbox, req: SandboxRequest): Promise<SandboxResponse> {
  const ctx = pageContext(sandbox, req);
  if (isAnswer(ctx)) return ctx;
  const { query, app } = ctx;
  if (query.get('response_type') !== 'code') {
    return redirectError(
      sandbox,
      ctx,
      'unsupported_response_type',
      70005,
      `response_type '${query.get('response_type') ?? ''}' is not enabled for the client.`,
    );
  }
  const method = query.get('code_challenge_method') ?? (query.get('code_challenge') ? 'plain' : undefined);
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    return redirectError(sandbox, ctx, 'invalid_request', 50149, 'Invalid Code_Challenge_method parameter.');
  }
  const scope = parseScope(query.get('scope') ?? '');
  if ('error' in scope) {
    return redirectError(
      sandbox,
      ctx,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope ${query.get('scope')} is not valid.`,
    );
  }
  const action = query.get('sandbox_action');
  if (action !== 'approve' && action !== 'deny') {
    return formPage(sandbox, req, ctx, `Sign in to ${app.displayName}`, `${app.displayName} asks to: ${describeScope(app, scope)}`);
  }
  const user = signedInUser(sandbox, ctx, {});
  if (isAnswer(user)) return user;
  if (action === 'deny') return redirectError(sandbox, ctx, 'access_denied', 65004, 'User declined to consent to access the app.');

  const permissions = expandDefault(app, scope);
  if (!mayConsentTo(sandbox, user, app, permissions)) {
    // Entra shows "Need admin approval"; its "Return to the application without granting consent"
    // comes back like this, with AADSTS90094 saying why
    // (https://learn.microsoft.com/entra/identity/enterprise-apps/application-sign-in-unexpected-user-consent-error).
    return redirectError(
      sandbox,
      ctx,
      'access_denied',
      90094,
      `${app.displayName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
    );
  }
  // Consent creates the app's service principal in the user's tenant and records what was agreed.
  servicePrincipalOf(sandbox, user.tenantId, app.clientId);
  const consents = sandbox.microsoft.userConsents;
  const existing = consents.find((c) => c.tenantId === user.tenantId && c.clientId === app.clientId && c.userId === user.id);
  const agreed = [...permissions.permissions, ...permissions.oidc];
  if (existing) existing.scopes = Array.from(new Set([...existing.scopes, ...agreed]));
  else consents.push({ tenantId: user.tenantId, clientId: app.clientId, userId: user.id, scopes: agreed });

  const code = opaqueToken('1.AQ');
  entraState(sandbox).codes.set(code, {
    clientId: app.clientId,
    tenantId: user.tenantId,
    userId: user.id,
    redirectUri: ctx.redirectUri,
    scope: permissions,
    codeChallenge: query.get('code_challenge') ?? undefined,
    codeChallengeMethod: method as 'S256' | 'plain' | undefined,
    nonce: query.get('nonce') ?? undefined,
    expiresAt: sandbox.now() + CODE_LIFETIME_MS,
    redeemed: false,
  });
  return answer(ctx, { code, state: query.get('state'), session_state: randomUUID() });
}

/**
 * The app's service principal in the tenant, created by this consent if it had none: a user's consent
 * creates one as admin consent does (https://learn.microsoft.com/en-us/entra/identity-platform/app-objects-and-service-principals,
 * "a service principal is created in each tenant where the application is used"). A NEW one reaches the
 * token endpoint only after replication (entra-control.ts sets the delay).
 */
function servicePrincipalOf(sandbox: Sandbox, tenantId: string, clientId: string): Grant {
  const created = !findGrant(sandbox.microsoft, tenantId, clientId);
  const grant = ensureGrant(sandbox.microsoft, tenantId, clientId);
  const delayMs = entraState(sandbox).replicationDelayMs;
  if (created && delayMs > 0) grant.visibleAt = sandbox.now() + delayMs;
  return grant;
}

async function adminConsent(sandbox: Sandbox, req: SandboxRequest): Promise<SandboxResponse> {
  const ctx = pageContext(sandbox, req);
  if (isAnswer(ctx)) return ctx;
  const { query, app } = ctx;
  if (!query.get('scope')) return errorPage(sandbox, 400, 900144, TEXT.missingParameter('scope'));
  // admin_consent=True rides along even on errors (docs/providers.md): callers must read `error` first.
  const consentFlag = { admin_consent: 'True' };
  const permissions = [...(app.requiredAppRoles ?? []), ...(app.requiredScopes ?? []).filter((s) => !OIDC_SCOPES.has(s))];
  const action = query.get('sandbox_action');
  if (action !== 'approve' && action !== 'deny') {
    return formPage(
      sandbox,
      req,
      ctx,
      'Permissions requested: accept for your organization',
      `${app.displayName} asks a Global Administrator to grant, for the whole organization: ${Array.from(new Set(permissions)).join(', ') || 'sign-in only'}.`,
      true,
    );
  }
  const user = signedInUser(sandbox, ctx, consentFlag);
  if (isAnswer(user)) return user;
  if (action === 'deny')
    return redirectError(sandbox, ctx, 'access_denied', 65004, 'User declined to consent to access the app.', consentFlag);
  if (!mayGrant(user, app)) return errorPage(sandbox, 403, 90094, 'The grant requires admin permission.');

  const grant = servicePrincipalOf(sandbox, user.tenantId, app.clientId);
  grant.appRoles = Array.from(new Set([...grant.appRoles, ...(app.requiredAppRoles ?? [])]));
  grant.delegatedScopes = Array.from(new Set([...grant.delegatedScopes, ...(app.requiredScopes ?? [])]));
  return answer(ctx, {
    ...consentFlag,
    tenant: user.tenantId,
    scope: Array.from(new Set(permissions))
      .map((p) => `${GRAPH_RESOURCE}/${p}`)
      .join(' '),
    state: query.get('state'),
  });
}

/**
 * Who may grant tenant-wide consent: Global and Privileged Role Administrators always; Cloud
 * Application and Application Administrators too, except for Microsoft Graph application
 * permissions (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
 */
function mayGrant(user: MicrosoftUser, app: AppRegistration): boolean {
  const roles = directoryRoles(user);
  if (roles.includes(ROLE_IDS.globalAdministrator) || roles.includes(ROLE_IDS.privilegedRoleAdministrator)) return true;
  const appAdmin = roles.includes(ROLE_IDS.cloudApplicationAdministrator) || roles.includes(ROLE_IDS.applicationAdministrator);
  return appAdmin && !(app.requiredAppRoles ?? []).length;
}

/**
 * Delegated permissions that need admin consent (User.Read.All, Group.Read.All, ...): granted
 * tenant-wide already, or consented by a user who may grant them (an administrator's own sign-in).
 */
function mayConsentTo(sandbox: Sandbox, user: MicrosoftUser, app: AppRegistration, scope: ParsedScope): boolean {
  const adminOnly = scope.permissions.filter((p) => ADMIN_CONSENT_SCOPES.has(p));
  if (!adminOnly.length) return true;
  const tenantWide = findGrant(sandbox.microsoft, user.tenantId, app.clientId)?.delegatedScopes ?? [];
  if (adminOnly.every((p) => tenantWide.includes(p))) return true;
  const roles = directoryRoles(user);
  return [
    ROLE_IDS.globalAdministrator,
    ROLE_IDS.privilegedRoleAdministrator,
    ROLE_IDS.cloudApplicationAdministrator,
    ROLE_IDS.applicationAdministrator,
  ].some((r) => roles.includes(r));
}

const ROLE_LABELS: Record<string, string> = {
  [ROLE_IDS.globalAdministrator]: 'Global Administrator',
  [ROLE_IDS.privilegedRoleAdministrator]: 'Privileged Role Administrator',
  [ROLE_IDS.cloudApplicationAdministrator]: 'Cloud Application Administrator',
  [ROLE_IDS.applicationAdministrator]: 'Application Administrator',
};

/** `.default` stands for every permission the app registration asks for. */
function expandDefault(app: AppRegistration, scope: ParsedScope): ParsedScope {
  if (!scope.permissions.includes('.default')) return scope;
  const configured = (app.requiredScopes ?? []).filter((s) => !OIDC_SCOPES.has(s));
  return { ...scope, permissions: Array.from(new Set([...scope.permissions.filter((p) => p !== '.default'), ...configured])) };
}

function describeScope(app: AppRegistration, scope: ParsedScope): string {
  const all = [...expandDefault(app, scope).permissions, ...scope.oidc];
  return all.length ? all.join(', ') : 'sign you in';
}

/**
 * The answer to the redirect URI, the way `response_mode` asks: a 302 carrying the parameters in the
 * query (the default for the code flow) or the fragment, or for `form_post` Entra's auto-submitting
 * form, so the code never appears in a URL. Admin consent takes no response_mode: always the query.
 */
function answer(ctx: PageContext, params: Record<string, string | null>): SandboxResponse {
  const fields = Object.entries(params).filter((field): field is [string, string] => field[1] !== null);
  const mode = ctx.query.get('response_mode');
  if (mode === 'form_post') return formPost(ctx.redirectUri, fields);
  const url = new URL(ctx.redirectUri);
  if (mode === 'fragment') url.hash = new URLSearchParams(fields).toString();
  else for (const [key, value] of fields) url.searchParams.set(key, value);
  return { status: 302, headers: { Location: url.toString(), 'Cache-Control': 'no-store, no-cache' } };
}

/**
 * The page login.microsoftonline.com answers form_post with (OAuth 2.0 Form Post Response Mode): a
 * hidden form named hiddenform, a Submit button for browsers without script, and a script that submits it.
 */
function formPost(action: string, fields: Array<[string, string]>): SandboxResponse {
  const inputs = fields.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}" />`).join('');
  return {
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
    body:
      `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${escapeHtml(action)}">${inputs}` +
      '<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form>' +
      '<script language="javascript">document.forms[0].submit();</script></body></html>',
  };
}

/** The error redirect: `error`, `error_description`, `error_uri`, then any extra flags and `state` (order as captured). */
function redirectError(
  sandbox: Sandbox,
  ctx: PageContext,
  error: string,
  code: number,
  text: string,
  extra: Record<string, string> = {},
): SandboxResponse {
  return answer(ctx, {
    error,
    error_description: errorDescription(sandbox, code, text),
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...extra,
    state: ctx.query.get('state'),
  });
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function html(status: number, title: string, body: string): SandboxResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store, no-cache' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}select,button{font-size:1rem;margin:.3rem 0}pre{white-space:pre-wrap;background:#f6f6f6;padding:.6rem}</style></head>
<body><p><small>Sandbox Entra ID (not Microsoft)</small></p><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  };
}

function errorPage(sandbox: Sandbox, status: number, code: number, text: string): SandboxResponse {
  return html(status, "Sorry, but we're having trouble signing you in.", `<pre>${escapeHtml(errorDescription(sandbox, code, text))}</pre>`);
}

/** The form a person uses: pick an account, Accept or Cancel. It re-submits the same query as GET. */
function formPage(
  sandbox: Sandbox,
  req: SandboxRequest,
  ctx: PageContext,
  title: string,
  question: string,
  adminsOnly = false,
): SandboxResponse {
  const hint = ctx.query.get('login_hint')?.toLowerCase();
  const users = sandbox.microsoft.users.filter(
    (u) => u.canSignIn && (ctx.segment.kind === 'alias' || u.tenantId === ctx.segment.tenant.id),
  );
  const options = users
    .map((u) => {
      const roles = directoryRoles(u)
        .map((r) => ROLE_LABELS[r])
        .filter(Boolean);
      const label = `${u.displayName} <${u.userPrincipalName}>${roles.length ? ` (${roles.join(', ')})` : ''}`;
      return `<option value="${escapeHtml(u.userPrincipalName)}"${u.userPrincipalName === hint ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    })
    .join('');
  const hidden = [...ctx.query]
    .filter(([key]) => !OWN_PARAMS.has(key))
    .map(([key, value]) => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`)
    .join('');
  return html(
    200,
    title,
    `<p>${escapeHtml(question)}</p>
<form method="get" action="${escapeHtml(req.path)}">${hidden}
<label>Account <select name="login_hint">${options}</select></label>
${adminsOnly ? '<p><small>Only a Global Administrator of the tenant can accept.</small></p>' : ''}
<p><button name="sandbox_action" value="approve">Accept</button> <button name="sandbox_action" value="deny">Cancel</button></p></form>`,
  );
}
