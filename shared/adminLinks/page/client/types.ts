/**
 * The shapes the page reads from `/api/manage/*` (the sender config view, checks, session): only the
 * fields it shows. Declared here, not imported from the server's modules, so the browser bundle and
 * its type check stay free of Node code.
 */
export type SenderStatus = 'draft' | 'active' | 'needs_attention';

export interface Problem {
  code: string;
  message: string;
  hint?: string;
  at?: string;
  expiresOn?: string;
}

export interface SenderView {
  senderKey?: string;
  provider: string;
  mode: string;
  status: SenderStatus;
  locked?: boolean;
  notice?: string;
  senderEmail?: string;
  senderName?: string;
  replyTo?: string;
  tenantId?: string;
  /** The admin whose verified sign-in proved the tenant (admin consent). */
  consentedBy?: { oid: string; username?: string };
  clientId?: string;
  mailboxObjectId?: string;
  clientSecretExpiresOn?: string;
  fallbackToDefault?: boolean;
  accountEmail?: string;
  consentedAt?: string;
  secrets?: Record<string, string>;
  lastTest?: { ok: boolean; to?: string; at?: string; code?: string };
  lastError?: Problem;
  warnings?: Problem[];
}

/** The PUT body: exactly the API's flat JSON. */
export interface SenderForm {
  provider: string;
  mode: string;
  senderEmail: string;
  senderName: string;
  fallbackToDefault: boolean;
  replyTo?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretExpiresOn?: string;
  mailboxObjectId?: string;
  serviceAccountKey?: string;
}

export interface Check {
  name: string;
  ok: boolean;
  code?: string;
  message?: string;
  hint?: string;
  /** The check could not tell without sending (or its lookup failed): neither a pass nor a failure. */
  skipped?: boolean;
  /** A warning never blocks activation (the sender-domain checks). */
  level?: 'warning';
}

export interface VerifyResult {
  ok: boolean;
  checks?: Check[];
}

export interface Session {
  orgId: string;
  orgName?: string;
  expiresAt: string;
  returnUrl?: string;
}

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  fields?: Record<string, string>;
}

/** One sender of the org in `GET manage/senders` (the page shows its key, badge and address). */
export interface ListedSender {
  senderKey: string;
  senderEmail: string;
  provider: string;
  status: SenderStatus;
}

/** A routing rule as the table edits it: categories as typed (comma-separated), workspace, sender key. */
export interface RuleRow {
  category: string;
  workspace: string;
  sender: string;
}

/** A routing rule as `PUT manage/routing` takes it. */
export interface RoutingRule {
  match: { category?: string | string[]; workspace?: string };
  sender: string;
}

export interface Hop {
  sender: string;
  status: SenderStatus | 'missing';
  reason: string;
}

/** `POST manage/routing/explain`. */
export interface RouteExplanation {
  sender: string;
  via: 'org' | 'default';
  reason: string;
  hops: Hop[];
  provider: string;
  senderEmail: string;
}
