/**
 * One interface, two providers. The delivery pipeline and the sender API only ever see a
 * `MailProvider`; which cloud sits behind it is decided once, in `shared/providers/index.ts`.
 */
import type { ErrorCode } from '../errors';

export interface MailAddress {
  address: string;
  name?: string;
}

export interface MailAttachment {
  name: string;
  contentType: string;
  content: Buffer;
}

/** A message ready to go out. There is no `from`: the provider sends as its configured sender. */
export interface OutgoingMail {
  /** The delivery id (client-chosen idempotency key); providers derive a stable Message-ID from it. */
  id: string;
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  replyTo: MailAddress[];
  subject: string;
  text?: string;
  html?: string;
  attachments: MailAttachment[];
  /** Custom headers, names starting with X- only (validated before this point). */
  headers: Record<string, string>;
}

export interface SendReceipt {
  /** The provider's id for the accepted message, when it gives one (Gmail does, Graph does not). */
  providerMessageId?: string;
}

/**
 * One line of "Test connection". `ok: true` only for a success that was seen; `ok: false` with a code
 * for a failure that was seen; `skipped: true` (with `ok: false` and the reason in `message`) when the
 * check could not tell without sending mail or could not be made at all. `level: 'warning'` checks
 * (the sender domain's SPF, DKIM, DMARC) never block activation and never mark a sender broken.
 */
export interface VerifyCheck {
  name: string;
  ok: boolean;
  code?: ErrorCode;
  message?: string;
  hint?: string;
  skipped?: boolean;
  level?: 'warning';
}

export interface MailProvider {
  /** The address and display name messages go out as. */
  readonly sender: MailAddress;
  /** Test connection: token and mailbox checks, no mail sent. Never throws for provider failures. */
  verify(): Promise<VerifyCheck[]>;
  /** Sends one message. Throws `MailerError` (classified once, near the provider) on failure. */
  send(mail: OutgoingMail): Promise<SendReceipt>;
  /**
   * Keep-alive: redeems the saved refresh token now, bypassing caches, and saves a rotated one, so an
   * idle sign-in never expires from inactivity. Resolves true when there was a refresh token to
   * refresh, false for credentials without one (client secrets, service-account keys). Throws the
   * classified `MailerError` of a refused refresh.
   */
  keepAlive?(): Promise<boolean>;
}
