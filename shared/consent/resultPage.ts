/**
 * What the browser gets at the end of a consent: a redirect to the settings page's return URL (only
 * one that was signed into the state and is still on the allowlist), or a plain HTML page. Neither
 * ever carries a secret, code or token: only the outcome, the org and an error code with its hint.
 */
import type { MailerError } from '../errors';
import { escapeHtml, renderPage } from './pageShell';
import type { ConsentPurposeKind } from './types';

/** What a connected page says comes next, per kind of consent. */
const NEXT_STEP: Readonly<Record<ConsentPurposeKind, string>> = {
  sender:
    'Next: enter the sender email and alias if needed, then use "Save and test". Until a test send succeeds, messages go out from the default sender.',
  directory: 'The directory connection is active: its users and groups are read at the next sync (or now, with "Sync now").',
};

export interface ConsentAnswerInput {
  provider: string;
  orgId?: string;
  mode?: string;
  /** What the consent was for (absent: a sender). */
  purpose?: ConsentPurposeKind;
  returnUrl?: string;
  /** The sender address after a successful consent, if known. */
  senderEmail?: string;
  accountEmail?: string;
  tenantId?: string;
  error?: MailerError;
  /** The provider URL of the consent's next step (after a verified sign-in): sent there at once. */
  next?: string;
  /** The admin chose Cancel at the confirmation. */
  cancelled?: boolean;
}

export type ConsentAnswer =
  { kind: 'redirect'; location: string } | { kind: 'page'; status: number; html: string; headers: Record<string, string> };

function outcome(input: ConsentAnswerInput): 'connected' | 'cancelled' | 'declined' | 'failed' {
  if (input.cancelled) return 'cancelled';
  if (!input.error) return 'connected';
  return input.error.code === 'CONSENT_DECLINED' ? 'declined' : 'failed';
}

export function consentAnswer(input: ConsentAnswerInput): ConsentAnswer {
  // Built by the flow from settings (the authority host) and our own signed state, never from the answer.
  if (input.next && !input.error) return { kind: 'redirect', location: input.next };
  const result = outcome(input);
  if (input.returnUrl) {
    const url = new URL(input.returnUrl);
    url.searchParams.set('consent', result);
    url.searchParams.set('provider', input.provider);
    if (input.orgId) url.searchParams.set('orgId', input.orgId);
    if (input.mode) url.searchParams.set('mode', input.mode);
    if (input.purpose === 'directory') url.searchParams.set('purpose', 'directory');
    if (input.error) url.searchParams.set('code', input.error.code);
    return { kind: 'redirect', location: url.toString() };
  }
  const title = {
    connected: 'Connected',
    cancelled: 'Cancelled',
    declined: 'Consent was declined',
    failed: 'The connection did not complete',
  }[result];
  const details: string[] = [];
  if (result === 'connected') {
    details.push(`The ${input.provider} connection of organization <b>${escapeHtml(input.orgId ?? '')}</b> is saved.`);
    if (input.tenantId) details.push(`Tenant: ${escapeHtml(input.tenantId)}.`);
    if (input.accountEmail) details.push(`Signed in as ${escapeHtml(input.accountEmail)}.`);
    details.push(NEXT_STEP[input.purpose ?? 'sender']);
  } else if (result === 'cancelled') {
    details.push('Nothing was saved.');
  } else {
    details.push(escapeHtml(input.error!.message));
    details.push(`<i>${escapeHtml(input.error!.hint)}</i>`);
    details.push(`Code: <code>${escapeHtml(input.error!.code)}</code>`);
  }
  const page = renderPage(
    `org-mailer: ${title}`,
    `<h1>${escapeHtml(title)}</h1>${details.map((d) => `<p>${d}</p>`).join('\n')}<p>You can close this window.</p>`,
  );
  return { kind: 'page', status: input.error ? input.error.status : 200, html: page.html, headers: page.headers };
}
