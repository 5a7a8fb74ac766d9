/**
 * For receivers of org-mailer's webhooks: verifies a delivery per Standard Webhooks with the
 * `standardwebhooks` package and returns the event. Pass the RAW body (re-serialized JSON does not
 * verify). Replay protection: a `webhook-timestamp` further than `toleranceSeconds` (default and
 * maximum 300, the scheme's recommendation) from now is refused; de-duplicate on `webhook-id`.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#verifying-webhook-authenticity
 *
 *   import { verifyWebhook } from 'org-mailer/client';
 *   const event = verifyWebhook(process.env.WEBHOOK_SECRET, req.headers, rawBody); // throws WEBHOOK_SIGNATURE_INVALID
 */
import { Webhook } from 'standardwebhooks';
import { MailerError } from '../errors';
import type { PlatformEvent } from '../events/types';

export interface VerifyWebhookOptions {
  /** Seconds a timestamp may be away from now; at most 300 (the package's own bound). */
  toleranceSeconds?: number;
  /** Milliseconds since the epoch (tests). */
  now?: number;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

const invalid = (why: string) => new MailerError('WEBHOOK_SIGNATURE_INVALID', `The webhook did not verify: ${why}.`);

export function verifyWebhook(
  secret: string,
  headers: HeaderBag,
  body: string | Buffer,
  options: VerifyWebhookOptions = {},
): PlatformEvent {
  const tolerance = Math.min(300, options.toleranceSeconds ?? 300);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signature) throw invalid('a webhook-id, webhook-timestamp or webhook-signature header is missing');
  const seconds = Number(timestamp);
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (!Number.isInteger(seconds) || Math.abs(nowSeconds - seconds) > tolerance)
    throw invalid(`the timestamp is more than ${tolerance} s away from now`);
  try {
    const event = new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature });
    return event as PlatformEvent;
  } catch {
    throw invalid('no signature matches this secret and body');
  }
}
