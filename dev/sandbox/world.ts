/**
 * The sandbox's model of the Microsoft side of the world: tenants, users and mailboxes, app
 * registrations with their secrets, consent grants, and application access policies. Entra ID,
 * Graph and the consent pages all read and change this one model. `seedMicrosoftWorld` is the demo
 * world the issues name; `POST /_sandbox/reset` restores it.
 */
import { createHash } from 'node:crypto';

export const CONTOSO_TENANT_ID = '11111111-1111-4111-8111-111111111111';
/** A second customer tenant, with its own Global Administrator and a user without any admin role. */
export const NORTHWIND_TENANT_ID = '55555555-5555-4555-8555-555555555555';
/** The platform operator's own tenant: home of the platform app and of the Key Vault identity. */
export const PLATFORM_TENANT_ID = '00000000-0000-4000-8000-000000000001';
export const PLATFORM_APP_ID = '00000000-0000-4000-8000-0000000000aa';
export const PLATFORM_APP_SECRET = 'platform-secret';
/** Service principal the local function app uses for Key Vault (AZURE_CLIENT_ID / AZURE_CLIENT_SECRET). */
export const VAULT_CLIENT_ID = '00000000-0000-4000-8000-0000000000bb';
export const VAULT_CLIENT_SECRET = 'local-vault-secret';
/**
 * The platform's separate app registration for directory reads (application mode): Entra admin
 * consent grants every application permission a registration declares, so directory roles live
 * apart from the mail app's Mail.Send (MICROSOFT_DIRECTORY_CLIENT_ID / _SECRET).
 */
export const DIRECTORY_APP_ID = '00000000-0000-4000-8000-0000000000dd';
export const DIRECTORY_APP_SECRET = 'directory-secret';
export const CONTOSO_APP_ID = '22222222-2222-4222-8222-222222222222';
export const CONTOSO_APP_SECRET = 'contoso-app-secret';
export const CONTOSO_EXPIRED_SECRET = 'contoso-expired-secret';
/** The platform app's registered redirect URI for `npm start` (docs/reference/settings.md: PUBLIC_BASE_URL + path). */
export const PLATFORM_REDIRECT_URI = 'http://localhost:7071/api/oauth/microsoft/callback';
/**
 * The user-assigned managed identity of the function app in Azure, as a federated identity
 * credential of the platform app (`MICROSOFT_CREDENTIAL=managed-identity`): its tokens for
 * `api://AzureADTokenExchange` are accepted as the platform app's client assertion.
 */
export const PLATFORM_MI_CLIENT_ID = '00000000-0000-4000-8000-0000000000cc';
export const PLATFORM_MI_PRINCIPAL_ID = '00000000-0000-4000-8000-0000000000cd';
/** The issuer of managed-identity tokens: Entra's own v2 issuer for the identity's tenant. */
export const MANAGED_IDENTITY_ISSUER = `https://login.microsoftonline.com/${PLATFORM_TENANT_ID}/v2.0`;

export interface Tenant {
  id: string;
  name: string;
  domain: string;
}

export interface MicrosoftUser {
  /** Object id (GUID). */
  id: string;
  tenantId: string;
  userPrincipalName: string;
  /**
   * The `mail` attribute: for a mailbox, its primary SMTP address, which Exchange keeps in sync. Absent:
   * the same as the UPN (the common case). Graph's `from` must be one of the mailbox's addresses.
   */
  mail?: string;
  displayName: string;
  /** Has an Exchange Online mailbox enabled for REST (a licence, or a shared mailbox). */
  mailboxEnabled: boolean;
  shared: boolean;
  globalAdmin: boolean;
  /**
   * Other directory roles (template ids, as `wids` carries them). Global Administrator is
   * `globalAdmin`; every member also holds the "User" role b79fbf4d-3ef9-4689-8143-76b194e85509.
   */
  roles?: string[];
  /** Object ids of users with Send As on this mailbox (besides the owner). */
  sendAs: string[];
  /** The user can sign in (shared mailboxes cannot). */
  canSignIn: boolean;
}

export interface AppSecret {
  /** The secret ID the portal shows (admins often paste this instead of the value). */
  id: string;
  value: string;
  expiresAt: number;
}

export interface AppRegistration {
  clientId: string;
  displayName: string;
  homeTenantId: string;
  multiTenant: boolean;
  secrets: AppSecret[];
  redirectUris: string[];
  /** Federated identity credentials: tokens this app accepts as client assertions. */
  federatedCredentials: Array<{ issuer: string; subject: string; audience: string }>;
  /** Graph application permissions the app asks for (granted by admin consent). */
  requiredAppRoles?: string[];
  /** Graph delegated permissions (and OIDC scopes) the app asks for. */
  requiredScopes?: string[];
  /**
   * The manifest's groupMembershipClaims: `DirectoryRole` or `All` makes Entra put the user's
   * directory roles in `wids` (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
   */
  groupMembershipClaims?: 'None' | 'SecurityGroup' | 'DirectoryRole' | 'ApplicationGroup' | 'All';
}

/** What one user consented to for one app (delegated sign-in). */
export interface UserConsent {
  tenantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
}

/** A service principal of an app in a tenant, with what an admin granted it there. */
export interface Grant {
  tenantId: string;
  clientId: string;
  /** Application permissions on Graph (roles), e.g. Mail.Send. */
  appRoles: string[];
  /** Delegated scopes consented tenant-wide or by users. */
  delegatedScopes: string[];
  /** Application access policy: when set, app-only Graph calls reach only these user ids. */
  accessPolicyUserIds?: string[];
  /**
   * Exchange RBAC for Applications: mailboxes (user ids) where an "Application Mail.Send" role
   * assignment's scope lets the app send, whatever `appRoles` says. Exchange checks it per mailbox;
   * it never appears in the token's `roles` (https://learn.microsoft.com/exchange/permissions-exo/application-rbac).
   */
  exchangeMailSendUserIds?: string[];
  /** Sandbox clock ms before which the service principal is not yet replicated (Entra answers AADSTS700016). */
  visibleAt?: number;
}

export interface MicrosoftWorld {
  tenants: Tenant[];
  users: MicrosoftUser[];
  apps: AppRegistration[];
  grants: Grant[];
  userConsents: UserConsent[];
}

const user = (id: string, upn: string, displayName: string, extra: Partial<MicrosoftUser> = {}): MicrosoftUser => ({
  id,
  tenantId: CONTOSO_TENANT_ID,
  userPrincipalName: upn,
  displayName,
  mailboxEnabled: true,
  shared: false,
  globalAdmin: false,
  sendAs: [],
  canSignIn: true,
  ...extra,
});

export const CONTOSO_USER_IDS = {
  admin: 'c0000000-0000-4000-8000-000000000001',
  notifications: 'c0000000-0000-4000-8000-000000000002',
  privacy: 'c0000000-0000-4000-8000-000000000003',
  unlicensed: 'c0000000-0000-4000-8000-000000000004',
  restricted: 'c0000000-0000-4000-8000-000000000005',
  /** Application Administrator: may consent to anything except Microsoft Graph application permissions. */
  appAdmin: 'c0000000-0000-4000-8000-000000000006',
  /** A user whose sign-in name (UPN) is not its email address (primary SMTP). */
  renamed: 'c0000000-0000-4000-8000-000000000007',
} as const;

export const NORTHWIND_USER_IDS = {
  admin: 'd0000000-0000-4000-8000-000000000001',
  staff: 'd0000000-0000-4000-8000-000000000002',
} as const;

/** Directory role template ids (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference). */
export const ROLE_IDS = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  user: 'b79fbf4d-3ef9-4689-8143-76b194e85509',
} as const;

/** Every directory role a user holds, as Entra lists them in `wids`. */
export function directoryRoles(user: MicrosoftUser): string[] {
  return Array.from(new Set([...(user.globalAdmin ? [ROLE_IDS.globalAdministrator] : []), ...(user.roles ?? []), ROLE_IDS.user]));
}

const YEAR = 365 * 24 * 3600 * 1000;

/** The demo world of the Foundation issue. `now` is the sandbox clock. */
export function seedMicrosoftWorld(now: number): MicrosoftWorld {
  const ids = CONTOSO_USER_IDS;
  return {
    tenants: [
      { id: PLATFORM_TENANT_ID, name: 'org-mailer platform', domain: 'platform.example' },
      { id: CONTOSO_TENANT_ID, name: 'Contoso', domain: 'contoso.example' },
      { id: NORTHWIND_TENANT_ID, name: 'Northwind', domain: 'northwind.example' },
    ],
    users: [
      user(ids.admin, 'admin@contoso.example', 'Contoso Admin', { globalAdmin: true }),
      user(ids.notifications, 'notifications@contoso.example', 'Contoso Notifications'),
      user(ids.privacy, 'privacy@contoso.example', 'Contoso Privacy', { shared: true, canSignIn: false, sendAs: [ids.admin] }),
      user(ids.unlicensed, 'unlicensed@contoso.example', 'Unlicensed User', { mailboxEnabled: false }),
      user(ids.restricted, 'restricted@contoso.example', 'Restricted Mailbox'),
      user(ids.appAdmin, 'appadmin@contoso.example', 'Contoso App Admin', { roles: [ROLE_IDS.applicationAdministrator] }),
      user(ids.renamed, 'j.doe@contoso.onmicrosoft.example', 'Jane Doe', { mail: 'jane.doe@contoso.example' }),
      user(NORTHWIND_USER_IDS.admin, 'admin@northwind.example', 'Northwind Admin', { tenantId: NORTHWIND_TENANT_ID, globalAdmin: true }),
      user(NORTHWIND_USER_IDS.staff, 'staff@northwind.example', 'Northwind Staff', { tenantId: NORTHWIND_TENANT_ID }),
    ],
    apps: [
      {
        clientId: PLATFORM_APP_ID,
        displayName: 'org-mailer',
        homeTenantId: PLATFORM_TENANT_ID,
        multiTenant: true,
        secrets: [{ id: 'a0a0a0a0-0000-4000-8000-000000000001', value: PLATFORM_APP_SECRET, expiresAt: now + 2 * YEAR }],
        redirectUris: [PLATFORM_REDIRECT_URI],
        federatedCredentials: [
          { issuer: MANAGED_IDENTITY_ISSUER, subject: PLATFORM_MI_PRINCIPAL_ID, audience: 'api://AzureADTokenExchange' },
        ],
        requiredAppRoles: ['Mail.Send'],
        requiredScopes: ['Mail.Send', 'Mail.Send.Shared', 'User.Read', 'offline_access', 'openid', 'profile', 'email'],
        // So that ID tokens carry `wids`: admin consent checks the signed-in user's directory roles.
        groupMembershipClaims: 'DirectoryRole',
      },
      {
        clientId: DIRECTORY_APP_ID,
        displayName: 'org-mailer directory',
        homeTenantId: PLATFORM_TENANT_ID,
        multiTenant: true,
        secrets: [{ id: 'd0d0d0d0-0000-4000-8000-000000000001', value: DIRECTORY_APP_SECRET, expiresAt: now + 2 * YEAR }],
        redirectUris: [PLATFORM_REDIRECT_URI],
        federatedCredentials: [],
        requiredAppRoles: ['User.Read.All', 'Group.Read.All'],
        requiredScopes: ['openid', 'profile'],
      },
      {
        clientId: VAULT_CLIENT_ID,
        displayName: 'org-mailer local function app',
        homeTenantId: PLATFORM_TENANT_ID,
        multiTenant: false,
        secrets: [{ id: 'b0b0b0b0-0000-4000-8000-000000000001', value: VAULT_CLIENT_SECRET, expiresAt: now + 2 * YEAR }],
        redirectUris: [],
        federatedCredentials: [],
      },
      {
        clientId: CONTOSO_APP_ID,
        displayName: 'Contoso notifications app',
        homeTenantId: CONTOSO_TENANT_ID,
        multiTenant: false,
        secrets: [
          { id: 'c2c2c2c2-0000-4000-8000-000000000001', value: CONTOSO_APP_SECRET, expiresAt: now + YEAR },
          { id: 'c2c2c2c2-0000-4000-8000-000000000002', value: CONTOSO_EXPIRED_SECRET, expiresAt: now - 30 * 24 * 3600 * 1000 },
        ],
        redirectUris: [],
        federatedCredentials: [],
        requiredAppRoles: ['Mail.Send'],
      },
    ],
    grants: [
      // The Key Vault identity lives in the platform tenant.
      { tenantId: PLATFORM_TENANT_ID, clientId: VAULT_CLIENT_ID, appRoles: [], delegatedScopes: [] },
      // Contoso's own app: Mail.Send granted, limited by an application access policy that leaves out restricted@.
      {
        tenantId: CONTOSO_TENANT_ID,
        clientId: CONTOSO_APP_ID,
        appRoles: ['Mail.Send'],
        delegatedScopes: [],
        accessPolicyUserIds: [ids.admin, ids.notifications, ids.privacy, ids.unlicensed],
      },
      // The platform app is NOT consented in Contoso until an admin follows the consent link.
    ],
    userConsents: [],
  };
}

export function findTenant(world: MicrosoftWorld, idOrDomain: string): Tenant | undefined {
  const key = idOrDomain.toLowerCase();
  return world.tenants.find((t) => t.id === key || t.domain === key);
}

/** The user by object id or UPN, as Graph's `/users/{id | userPrincipalName}` finds it. */
export function findUser(world: MicrosoftWorld, tenantId: string, idOrUpn: string): MicrosoftUser | undefined {
  const key = idOrUpn.toLowerCase();
  return world.users.find((u) => u.tenantId === tenantId && (u.id === key || u.userPrincipalName === key));
}

/** The mailbox's primary SMTP address (the `mail` attribute). */
export const primarySmtp = (user: MicrosoftUser): string => user.mail ?? user.userPrincipalName;

/** The user owning an email address (a `from`): its primary SMTP address, or its UPN, which Exchange also keeps as an address. */
export function findByAddress(world: MicrosoftWorld, tenantId: string, address: string): MicrosoftUser | undefined {
  const key = address.toLowerCase();
  return world.users.find((u) => u.tenantId === tenantId && (primarySmtp(u) === key || u.userPrincipalName === key));
}

export function findApp(world: MicrosoftWorld, clientId: string): AppRegistration | undefined {
  return world.apps.find((a) => a.clientId === clientId);
}

export function findGrant(world: MicrosoftWorld, tenantId: string, clientId: string): Grant | undefined {
  return world.grants.find((g) => g.tenantId === tenantId && g.clientId === clientId);
}

/**
 * Does the app have a service principal in the tenant, visible at `now`? Its home tenant always has
 * one; elsewhere only after consent (a grant), and a new one only once replicated. Without one Entra
 * answers AADSTS700016.
 */
export function hasServicePrincipal(world: MicrosoftWorld, tenantId: string, app: AppRegistration, now: number): boolean {
  if (app.homeTenantId === tenantId) return true;
  const grant = findGrant(world, tenantId, app.clientId);
  return grant !== undefined && (grant.visibleAt === undefined || grant.visibleAt <= now);
}

/** A stable object id for an app's service principal in a tenant (the `oid` of its app-only tokens). */
export function servicePrincipalId(tenantId: string, clientId: string): string {
  const hex = createHash('sha1').update(`${tenantId}|${clientId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The grant of an app in a tenant, created empty (a new service principal) when missing. */
export function ensureGrant(world: MicrosoftWorld, tenantId: string, clientId: string): Grant {
  let grant = findGrant(world, tenantId, clientId);
  if (!grant) {
    grant = { tenantId, clientId, appRoles: [], delegatedScopes: [] };
    world.grants.push(grant);
  }
  return grant;
}
