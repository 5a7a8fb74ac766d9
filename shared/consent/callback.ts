/**
 * The OAuth callback's dispatch and the confirmation that follows it. The callback verifies and
 * consumes the state for the browser that claimed it and lets the flow finish (every provider call
 * happens here, including a grant's confirmation); what the consent proved is then parked and the
 * admin is asked to confirm. Only Confirm stores: what the consent was for (the state's purpose: a
 * sender, or a directory connection) picks the applier from a table. Neither this file nor the flows
 * branch on provider or purpose. `error` is looked at first: a declined answer is a "declined" result
 * even when its state is unusable. Any failure stores nothing.
 */
import { isMailerError, MailerError } from '../errors';
import type { ConsentService, FinishedConsent } from './service';
import type { ConsentState } from './state';
import { purposeKind, type ConsentMode, type ConsentOutcome, type ConsentPurposeKind } from './types';

/** What an applier stored, for the result page (never a secret). */
export interface AppliedConsent {
  senderEmail?: string;
  accountEmail?: string;
  tenantId?: string;
}

export type ConsentApplier = (state: ConsentState, outcome: ConsentOutcome) => Promise<AppliedConsent>;

/** What the confirmation page shows and posts back: only what the provider proved, and our own state. */
export interface PendingConfirmation {
  orgId: string;
  orgName?: string;
  nonce: string;
  /** The one-time token the Confirm/Cancel POST must carry (with the same browser's cookie). */
  token: string;
  /** The signed-in account or consenting admin, from the verified ID token or grant. */
  identity?: string;
  tenantId?: string;
}

/** What the OAuth callback learned, for the result page or the redirect. */
export interface ConsentResult {
  orgId?: string;
  provider: string;
  mode?: ConsentMode;
  /** What the consent was for (from a verified state), so the page can say what comes next. */
  purpose?: ConsentPurposeKind;
  /** Only when it was signed into the state AND is still allowed. */
  returnUrl?: string;
  applied?: AppliedConsent;
  error?: MailerError;
  /** A consent step proved something and continues at this provider URL (a redirect, nothing stored yet). */
  next?: string;
  /** Signed in; nothing stored until the admin confirms. */
  confirmation?: PendingConfirmation;
  /** The admin cancelled at the confirmation: nothing stored. */
  cancelled?: boolean;
}

/** The Confirm/Cancel form, as posted. */
export interface ConfirmationAnswer {
  orgId: string;
  nonce: string;
  token: string;
  decision: 'confirm' | 'cancel';
}

export interface ConsentCallback {
  complete(provider: string, query: URLSearchParams, browserSecret: string | undefined): Promise<ConsentResult>;
  confirm(answer: ConfirmationAnswer, browserSecret: string | undefined): Promise<ConsentResult>;
}

const baseOf = (state: ConsentState, service: ConsentService): ConsentResult => ({
  provider: state.provider,
  orgId: state.orgId,
  mode: state.mode,
  purpose: purposeKind(state.purpose),
  ...(state.returnUrl && service.returnUrlAllowed(state.returnUrl) ? { returnUrl: state.returnUrl } : {}),
});

function confirmationOf(finished: FinishedConsent, token: string): PendingConfirmation {
  const { fields } = finished.outcome;
  const identity = fields.accountEmail || fields.consentedBy?.username;
  return {
    orgId: finished.state.orgId,
    nonce: finished.state.nonce,
    token,
    ...(finished.orgName ? { orgName: finished.orgName } : {}),
    ...(identity ? { identity } : {}),
    ...(fields.tenantId ? { tenantId: fields.tenantId } : {}),
  };
}

/**
 * A failure as the page shows it; anything unclassified is rethrown (a logged 500). `declined` is
 * the provider's `error` answer: with an unusable state it is still a declined consent.
 */
function failureOf(error: unknown, declined?: string | null): MailerError {
  let failure = isMailerError(error) ? error : new MailerError('INTERNAL', 'The consent could not be completed.', { cause: error });
  if (declined && failure.code === 'STATE_INVALID')
    failure = new MailerError('CONSENT_DECLINED', 'Consent was declined, so nothing was saved.', { providerCode: declined });
  if (failure.code === 'INTERNAL') throw error;
  return failure;
}

export function createConsentCallback(
  consent: ConsentService,
  appliers: Readonly<Record<ConsentPurposeKind, ConsentApplier>>,
): ConsentCallback {
  return {
    async complete(provider, query, browserSecret) {
      const peeked = await consent.peek(query);
      const base: ConsentResult = peeked ? { ...baseOf(peeked, consent), provider } : { provider };
      try {
        const result = await consent.complete(provider, query, browserSecret);
        if ('next' in result) return { ...base, next: result.next };
        // complete() refuses a missing cookie, so a finished consent always has one.
        const token = await consent.park(result, browserSecret!);
        return { ...base, confirmation: confirmationOf(result, token) };
      } catch (error) {
        return { ...base, error: failureOf(error, query.get('error')) };
      }
    },

    async confirm(answer, browserSecret) {
      try {
        const parked = await consent.takeParked(answer.orgId, answer.nonce, answer.token, browserSecret);
        const base = baseOf(parked.state, consent);
        if (answer.decision === 'cancel') return { ...base, cancelled: true };
        try {
          return { ...base, applied: await appliers[purposeKind(parked.state.purpose)](parked.state, parked.outcome) };
        } catch (error) {
          return { ...base, error: failureOf(error) };
        }
      } catch (error) {
        return { provider: '', orgId: answer.orgId, error: failureOf(error) };
      }
    },
  };
}
