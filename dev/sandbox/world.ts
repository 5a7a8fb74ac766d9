/**
 * The sandbox's model of the Microsoft side of the world: tenants, users and mailboxes, app
 * registrations with their secrets, consent grants, and application access policies. Entra ID,
 * Graph and the consent pages all read and change this one model. `seedMicrosoftWorld` is the demo
 * world the issues name; `POST /_sandbox/reset` restores it.
 */

export const CONTOSO_TENANT_ID = '11111111-1111-4111-8111-111111111111';
/** The platform operator's own tenant: home of the platform app and of the Key Vault identity. */
export const PLATFORM_TENANT_ID = '00000000-0000-4000-8000-000000000001';
export const PLATFORM_APP_ID = '00000000-0000-4000-8000-0000000000aa';
export const PLATFORM_APP_SECRET = 'platform-secret';
/** Service principal the local function app uses for Key Vault (AZURE_CLIENT_ID / AZURE_CLIENT_SECRET). */
export const VAULT_CLIENT_ID = '00000000-0000-4000-8000-0000000000bb';
export const VAULT_CLIENT_SECRET = 'local-vault-secret';
export const CONTOSO_APP_ID = '22222222-2222-4222-8222-222222222222';
export const CONTOSO_APP_SECRET = 'contoso-app-secret';
export const CONTOSO_EXPIRED_SECRET = 'contoso-expired-secret';

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
  displayName: string;
  /** Has an Exchange Online mailbox enabled for REST (a licence, or a shared mailbox). */
  mailboxEnabled: boolean;
  shared: boolean;
  globalAdmin: boolean;
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
}

export interface MicrosoftWorld {
  tenants: Tenant[];
  users: MicrosoftUser[];
  apps: AppRegistration[];
  grants: Grant[];
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
} as const;

const YEAR = 365 * 24 * 3600 * 1000;

/** The demo world of the Foundation issue. `now` is the sandbox clock. */
export function seedMicrosoftWorld(now: number): MicrosoftWorld {
  const ids = CONTOSO_USER_IDS;
  return {
    tenants: [
      { id: PLATFORM_TENANT_ID, name: 'org-mailer platform', domain: 'platform.example' },
      { id: CONTOSO_TENANT_ID, name: 'Contoso', domain: 'contoso.example' },
    ],
    users: [
      user(ids.admin, 'admin@contoso.example', 'Contoso Admin', { globalAdmin: true }),
      user(ids.notifications, 'notifications@contoso.example', 'Contoso Notifications'),
      user(ids.privacy, 'privacy@contoso.example', 'Contoso Privacy', { shared: true, canSignIn: false, sendAs: [ids.admin] }),
      user(ids.unlicensed, 'unlicensed@contoso.example', 'Unlicensed User', { mailboxEnabled: false }),
      user(ids.restricted, 'restricted@contoso.example', 'Restricted Mailbox'),
    ],
    apps: [
      {
        clientId: PLATFORM_APP_ID,
        displayName: 'org-mailer',
        homeTenantId: PLATFORM_TENANT_ID,
        multiTenant: true,
        secrets: [{ id: 'a0a0a0a0-0000-4000-8000-000000000001', value: PLATFORM_APP_SECRET, expiresAt: now + 2 * YEAR }],
        redirectUris: [],
        federatedCredentials: [],
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
  };
}

export function findTenant(world: MicrosoftWorld, idOrDomain: string): Tenant | undefined {
  const key = idOrDomain.toLowerCase();
  return world.tenants.find((t) => t.id === key || t.domain === key);
}

export function findUser(world: MicrosoftWorld, tenantId: string, idOrUpn: string): MicrosoftUser | undefined {
  const key = idOrUpn.toLowerCase();
  return world.users.find((u) => u.tenantId === tenantId && (u.id === key || u.userPrincipalName === key));
}

export function findApp(world: MicrosoftWorld, clientId: string): AppRegistration | undefined {
  return world.apps.find((a) => a.clientId === clientId);
}

export function findGrant(world: MicrosoftWorld, tenantId: string, clientId: string): Grant | undefined {
  return world.grants.find((g) => g.tenantId === tenantId && g.clientId === clientId);
}
