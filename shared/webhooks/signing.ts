/**
 * Standard Webhooks signing with the `standardwebhooks` package (no hand-written crypto):
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, several signatures separated
 * by spaces, which is how a rotation's overlap sends both the new and the old secret's signature
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme).
 * Secrets are `whsec_` + Base64 of 32 random bytes, the format the package reads.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The three Standard Webhooks headers for `body`, signed with each secret (newest first). */
export function signedHeaders(secrets: readonly string[], id: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' '),
  };
}
