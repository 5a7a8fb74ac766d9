/**
 * The sandbox's model of the Google side: the Fabrikam Workspace (users, Gmail on/off, send-as
 * aliases), OAuth clients with their publishing status, service accounts with their keys and the
 * Workspace's domain-wide delegation, and every code and token issued. Google OAuth, Gmail and the
 * control API all read and change this one model; `POST /_sandbox/reset` re-seeds it.
 */
import { generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';

export const FABRIKAM_DOMAIN = 'fabrikam.example';
export const GOOGLE_PLATFORM_CLIENT_ID = 'platform-google-client';
export const GOOGLE_PLATFORM_CLIENT_SECRET = 'platform-google-secret';
export const GOOGLE_PLATFORM_REDIRECT_URI = 'http://localhost:7071/api/oauth/google/callback';
export const FABRIKAM_PROJECT_ID = 'fabrikam-project';
export const SERVICE_ACCOUNT_EMAILS = {
  /** Domain-wide delegation for gmail.send and the three Admin SDK directory readonly scopes. */
  mailer: `mailer@${FABRIKAM_PROJECT_ID}.iam.gserviceaccount.com`,
  /** No delegation at all. */
  nodelegation: `nodelegation@${FABRIKAM_PROJECT_ID}.iam.gserviceaccount.com`,
} as const;

export const SCOPES = {
  gmailSend: 'https://www.googleapis.com/auth/gmail.send',
  gmailCompose: 'https://www.googleapis.com/auth/gmail.compose',
  gmailModify: 'https://www.googleapis.com/auth/gmail.modify',
  gmailReadonly: 'https://www.googleapis.com/auth/gmail.readonly',
  gmailSettingsBasic: 'https://www.googleapis.com/auth/gmail.settings.basic',
  mailGoogleCom: 'https://mail.google.com/',
  email: 'https://www.googleapis.com/auth/userinfo.email',
  openid: 'openid',
} as const;

/** Google's short scope names, expanded the way its token responses spell them. */
export function normalizeScope(scope: string): string {
  if (scope === 'email') return SCOPES.email;
  if (scope === 'profile') return 'https://www.googleapis.com/auth/userinfo.profile';
  return scope;
}

/** Apps in "Testing" status get refresh tokens that expire after 7 days (Google OAuth docs, "Refresh token expiration"). */
export const TESTING_REFRESH_TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;
export const ACCESS_TOKEN_LIFETIME_S = 3599;

export interface SendAsAlias {
  sendAsEmail: string;
  displayName: string;
  verificationStatus: 'accepted' | 'pending';
}

export interface GoogleUser {
  /** Google's numeric account id (the `sub` of ID tokens). */
  id: string;
  email: string;
  name: string;
  gmailEnabled: boolean;
  aliases: SendAsAlias[];
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
  publishingStatus: 'testing' | 'production';
}

export interface ServiceAccount {
  clientEmail: string;
  /** Numeric OAuth client id: what the Admin console's domain-wide delegation lists. */
  clientId: string;
  projectId: string;
  privateKeyId: string;
  privateKeyPem: string;
  publicKey: KeyObject;
}

export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  userEmail: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  offline: boolean;
  expiresAt: number;
  used: boolean;
}

export interface RefreshGrant {
  clientId: string;
  userEmail: string;
  scopes: string[];
  issuedAt: number;
  /** Set for clients in Testing status. */
  expiresAt?: number;
  revoked: boolean;
}

export interface AccessGrant {
  userEmail: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  /** The refresh token it came from: revoking either revokes both, as Google does. */
  refreshToken?: string;
  revoked: boolean;
}

export interface GoogleWorld {
  users: GoogleUser[];
  clients: OAuthClient[];
  serviceAccounts: ServiceAccount[];
  /** Fabrikam's Admin console, Security > API controls > Domain-wide delegation: client id -> scopes. */
  delegation: Record<string, string[]>;
  codes: Map<string, AuthorizationCode>;
  refreshTokens: Map<string, RefreshGrant>;
  accessTokens: Map<string, AccessGrant>;
  /** Scopes each user already granted each client (for `include_granted_scopes`), key `user|client`. */
  grantedScopes: Map<string, Set<string>>;
}

function serviceAccount(name: string, clientId: string): ServiceAccount {
  // RSA keys are generated once per sandbox process (a reset keeps them, so a key a test fetched stays valid).
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clientEmail: `${name}@${FABRIKAM_PROJECT_ID}.iam.gserviceaccount.com`,
    clientId,
    projectId: FABRIKAM_PROJECT_ID,
    privateKeyId: randomBytes(20).toString('hex'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey,
  };
}

let serviceAccounts: ServiceAccount[] | undefined;

function fabrikamServiceAccounts(): ServiceAccount[] {
  serviceAccounts ??= [serviceAccount('mailer', '104118754880926455301'), serviceAccount('nodelegation', '104118754880926455302')];
  return serviceAccounts;
}

const user = (id: string, local: string, name: string, extra: Partial<GoogleUser> = {}): GoogleUser => ({
  id,
  email: `${local}@${FABRIKAM_DOMAIN}`,
  name,
  gmailEnabled: true,
  aliases: [],
  ...extra,
});

export function seedGoogleWorld(): GoogleWorld {
  const accounts = fabrikamServiceAccounts();
  return {
    users: [
      user('110000000000000000001', 'alerts', 'Fabrikam Alerts', {
        aliases: [
          { sendAsEmail: `noreply@${FABRIKAM_DOMAIN}`, displayName: 'Fabrikam', verificationStatus: 'accepted' },
          { sendAsEmail: `unverified@${FABRIKAM_DOMAIN}`, displayName: 'Fabrikam (unverified)', verificationStatus: 'pending' },
        ],
      }),
      user('110000000000000000002', 'nogmail', 'No Gmail', { gmailEnabled: false }),
      user('110000000000000000003', 'admin', 'Fabrikam Admin'),
    ],
    clients: [
      {
        clientId: GOOGLE_PLATFORM_CLIENT_ID,
        clientSecret: GOOGLE_PLATFORM_CLIENT_SECRET,
        name: 'org-mailer',
        redirectUris: [GOOGLE_PLATFORM_REDIRECT_URI],
        publishingStatus: 'production',
      },
    ],
    serviceAccounts: accounts,
    delegation: {
      [accounts[0].clientId]: [
        'https://www.googleapis.com/auth/gmail.send',
        // Directory connections (service_account mode) read users, groups and members.
        'https://www.googleapis.com/auth/admin.directory.user.readonly',
        'https://www.googleapis.com/auth/admin.directory.group.readonly',
        'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
      ],
    },
    codes: new Map(),
    refreshTokens: new Map(),
    accessTokens: new Map(),
    grantedScopes: new Map(),
  };
}

export function findGoogleUser(world: GoogleWorld, email: string): GoogleUser | undefined {
  const key = email.trim().toLowerCase();
  return world.users.find((u) => u.email === key);
}

export function findClient(world: GoogleWorld, clientId: string): OAuthClient | undefined {
  return world.clients.find((c) => c.clientId === clientId);
}

export function findServiceAccount(world: GoogleWorld, email: string): ServiceAccount | undefined {
  const key = email.trim().toLowerCase();
  return world.serviceAccounts.find((s) => s.clientEmail === key);
}

/** The JSON key file Google Cloud console downloads for a service account. */
export function serviceAccountKeyFile(account: ServiceAccount): Record<string, string> {
  return {
    type: 'service_account',
    project_id: account.projectId,
    private_key_id: account.privateKeyId,
    private_key: account.privateKeyPem,
    client_email: account.clientEmail,
    client_id: account.clientId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(account.clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
}

/** Opaque token strings shaped like Google's. */
export const newAuthorizationCode = () => `4/0A${randomBytes(36).toString('base64url')}`;
export const newRefreshToken = () => `1//0g${randomBytes(48).toString('base64url')}`;
export const newAccessToken = () => `ya29.a0${randomBytes(90).toString('base64url')}`;
