/**
 * Shared steps of the Google integration tests: consent through the sandbox's Google pages with the
 * real OAuth2Client, senders whose secrets live in the sandbox Key Vault (real SecretStore), and
 * reading what the sandbox's Gmail accepted.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { loadConfig } from '@shared/config';
import type { MailerError } from '@shared/errors';
import { createPkcePair } from '@shared/consent/pkce';
import type { ConsentOutcome } from '@shared/consent/types';
import { createGoogleOAuthFlow } from '@shared/providers/google/oauthFlow';
import type { OutgoingMail } from '@shared/providers/types';
import type { SenderConfig } from '@shared/model/sender';
import { createSecretStore } from '@shared/store/secretStore';
import { googleSenderConfig } from '../support/builders';
import { defaultBrowser } from '../support/consentBrowser';
import { sandboxControl, sandboxUrls } from '../support/env';

export const config = loadConfig();
export const secrets = createSecretStore(config);
export const flow = createGoogleOAuthFlow(() => config);
export const redirectUri = `${config.publicBaseUrl}/api/oauth/google/callback`;
export const SETTINGS_SCOPE = 'https://www.googleapis.com/auth/gmail.settings.basic';

/** A fresh org id: provider credentials are cached per (org, config version) across tests. */
export const newOrgId = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

/** Follows an authorization URL as a scripted user; returns the callback query Google redirected to. */
export async function authorize(url: string, extra: Record<string, string>): Promise<URLSearchParams> {
  const target = new URL(await defaultBrowser.open(url));
  for (const [key, value] of Object.entries(extra)) target.searchParams.set(key, value);
  const response = await fetch(target, { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  const location = new URL(response.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(redirectUri);
  return location.searchParams;
}

/** The OAuth consent of `email` through the flow, approving (optionally unticking scopes). */
export async function consent(email: string, options: { deselect?: string; action?: 'approve' | 'deny' } = {}) {
  const pkce = createPkcePair();
  const url = flow.authorizationUrl({ state: 'signed-state', codeChallenge: pkce.challenge, redirectUri, loginHint: email });
  const query = await authorize(url, {
    sandbox_action: options.action ?? 'approve',
    ...(options.deselect ? { sandbox_deselect: options.deselect } : {}),
  });
  return {
    query,
    codeVerifier: pkce.verifier,
    complete: () => flow.complete({ query, codeVerifier: pkce.verifier, redirectUri, orgId: 'fabrikam' }),
  };
}

/** What an admin did earlier with the same platform client: granted `scope` (incremental authorization brings it back). */
export async function grantEarlier(email: string, scope: string): Promise<void> {
  const url = new URL(config.google.authUrl);
  url.search = new URLSearchParams({
    client_id: config.google.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state: 'x',
  }).toString();
  await authorize(url.toString(), { login_hint: email, sandbox_action: 'approve' });
}

export function baseSender(orgId: string, fields: Partial<SenderConfig>): SenderConfig {
  const now = new Date().toISOString();
  return googleSenderConfig({ orgId, status: 'draft', locked: false, createdAt: now, updatedAt: now, ...fields });
}

/** An `oauth` sender from a completed consent, its refresh token stored in the sandbox Key Vault. */
export async function oauthSender(outcome: ConsentOutcome, fields: Partial<SenderConfig> = {}): Promise<SenderConfig> {
  const orgId = newOrgId('g');
  const name = `org-${orgId}-refresh-token-1`;
  await secrets.set(name, outcome.secrets.refreshToken);
  return baseSender(orgId, { ...outcome.fields, secretRefs: { refreshToken: name }, ...fields });
}

/** A `service_account` sender with the sandbox's key of `account`, acting as `senderEmail`. */
export async function serviceAccountSender(account: string, senderEmail: string): Promise<SenderConfig> {
  const key = await sandboxControl<Record<string, string>>('GET', `google/service-accounts/${encodeURIComponent(account)}/key`);
  const orgId = newOrgId('sa');
  const name = `org-${orgId}-service-account-key-1`;
  await secrets.set(name, JSON.stringify(key));
  return baseSender(orgId, {
    mode: 'service_account',
    senderEmail,
    accountEmail: key.client_email,
    secretRefs: { serviceAccountKey: name },
  });
}

export function mail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    id: `msg-${randomBytes(6).toString('hex')}`,
    to: [{ address: 'customer@example.com', name: 'Customer' }],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: 'Test',
    text: 'Hello',
    attachments: [],
    headers: {},
    ...overrides,
  };
}

export interface AcceptedGoogleMessage {
  mailbox: string;
  from: { address: string; name?: string };
  to: string[];
  bcc: string[];
  raw: string;
}

export async function acceptedMessages(): Promise<Array<AcceptedGoogleMessage & { parsed: ParsedMail }>> {
  const rows = await sandboxControl<AcceptedGoogleMessage[]>('GET', 'messages?provider=google');
  return Promise.all(rows.map(async (row) => ({ ...row, parsed: await simpleParser(row.raw) })));
}

/** Requests the sandbox's Google token endpoint received (grant types not recorded: bodies are not logged). */
export async function tokenRequestCount(): Promise<number> {
  const rows = await sandboxControl<unknown[]>('GET', 'requests?service=googleOAuth&path=^/token$');
  return rows.length;
}

export async function gmailRequests(): Promise<Array<{ path: string; status: number }>> {
  return sandboxControl('GET', 'requests?service=gmail');
}

/** The MailerError a promise rejects with (fails the test when it resolves). */
export const failure = (promise: Promise<unknown>): Promise<MailerError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: MailerError) => error,
  );

export { sandboxControl, sandboxUrls };
