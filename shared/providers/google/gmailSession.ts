/**
 * Gmail sessions: one OAuth client + Gmail API client per sender credential (org, sender key, mode,
 * version, secret names), opened per mode (a refresh token for `oauth`, a signed JWT assertion for
 * `service_account`), cached with a bound. A new config version (save, consent, reset) gets a new
 * session, so 1,000 sends make one token request.
 */
import type { gmail_v1 } from '@googleapis/gmail';
import type { Config } from '../../config';
import { MailerError } from '../../errors';
import { boundedCache } from '../../cache/bounded';
import { credentialKey, type SenderConfig } from '../../model/sender';
import type { SecretStore } from '../../store/types';
import { GMAIL_SEND_SCOPE, type GoogleErrorContext } from './errors';
import { gmailClient, handlerOAuthClient, platformOAuthClient, type OAuth2Client } from './oauthClient';
import { parseServiceAccountKey } from './serviceAccountKey';
import { ServiceAccountTokenSource } from './serviceAccountToken';

/** Sessions kept: bounded by count and by an hour without use (the access token is stale by then). */
const SESSION_BOUNDS = { max: 500, ttlMs: 60 * 60_000, age: 'idle' as const };

export interface GoogleProviderContext {
  config: Readonly<Config>;
  secrets: SecretStore;
}

export type AliasStatus = { state: 'verified' } | { state: 'unverified'; detail: string } | { state: 'unknown' };

export interface Session {
  client: OAuth2Client;
  api: gmail_v1.Gmail;
  rootUrl: string;
  errors: GoogleErrorContext;
  /** Forgets the current access token (Gmail answered 401 with it). */
  invalidate(): void;
  alias?: { status: Promise<AliasStatus>; at: number };
}

/** Sessions by credential: org, sender, mode, version and secret names (model/sender.ts `credentialKey`). */
const sessions = boundedCache<string, Promise<Session>>(SESSION_BOUNDS);

function sessionKey(sender: SenderConfig, config: Readonly<Config>): string {
  return JSON.stringify([config.google.tokenUrl, config.google.clientId, credentialKey(sender)]);
}

export function secretRef(sender: SenderConfig, purpose: string): string {
  const name = sender.secretRefs[purpose];
  if (!name) {
    throw new MailerError('GOOGLE_REAUTH_REQUIRED', `The Google sender of ${sender.orgId} has no ${purpose} saved.`, {
      hint: sender.mode === 'oauth' ? 'Sign in with Google from the settings page first.' : 'Upload the service-account JSON key first.',
    });
  }
  return name;
}

async function openSession(sender: SenderConfig, context: GoogleProviderContext): Promise<Session> {
  const google = context.config.google;
  if (sender.mode === 'service_account') {
    const key = parseServiceAccountKey(await context.secrets.get(secretRef(sender, 'serviceAccountKey')));
    const timeoutMs = context.config.providerCallTimeoutMs;
    const source = new ServiceAccountTokenSource(key, sender.senderEmail, [GMAIL_SEND_SCOPE], google.tokenUrl, timeoutMs);
    const client = handlerOAuthClient(() => source.get(), timeoutMs);
    return {
      client,
      ...gmailClient(google, client),
      errors: { mode: sender.mode, senderEmail: sender.senderEmail, serviceAccountClientId: key.clientId },
      invalidate: () => {
        source.invalidate();
        client.setCredentials({});
      },
    };
  }
  if (sender.mode !== 'oauth') throw new MailerError('INTERNAL', `Google has no sender mode ${sender.mode}.`);
  const refreshToken = await context.secrets.get(secretRef(sender, 'refreshToken'));
  const client = platformOAuthClient(google, undefined, context.config.providerCallTimeoutMs);
  client.setCredentials({ refresh_token: refreshToken });
  return {
    client,
    ...gmailClient(google, client),
    errors: { mode: sender.mode, senderEmail: sender.senderEmail, refreshTokenIssuedAt: sender.refreshTokenIssuedAt },
    invalidate: () => client.setCredentials({ refresh_token: refreshToken }),
  };
}

export function session(sender: SenderConfig, context: GoogleProviderContext): Promise<Session> {
  const key = sessionKey(sender, context.config);
  let entry = sessions.get(key);
  if (!entry) {
    entry = openSession(sender, context);
    // A failed open (vault down, bad key) is not cached: the next call tries again.
    const opened = entry;
    opened.catch(() => {
      if (sessions.peek(key) === opened) sessions.delete(key);
    });
    sessions.set(key, entry);
  }
  return entry;
}
