/**
 * The OAuth callback's dispatch: the consent machinery verifies and consumes the state and lets the
 * flow finish; what the consent was for (the state's purpose: a sender, or a directory connection)
 * picks the applier from a table, which stores the outcome. Neither this file nor the flows branch
 * on provider or purpose. `error` is looked at first: a declined answer is a "declined" result even
 * when its state is unusable. Any failure stores nothing.
 */
import { isMailerError, MailerError } from '../errors';
import type { ConsentService } from './service';
import type { ConsentState } from './state';
import { purposeKind, type ConsentMode, type ConsentOutcome, type ConsentPurposeKind } from './types';

/** What an applier stored, for the result page (never a secret). */
export interface AppliedConsent {
  senderEmail?: string;
  accountEmail?: string;
  tenantId?: string;
}

export type ConsentApplier = (state: ConsentState, outcome: ConsentOutcome) => Promise<AppliedConsent>;

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
}

export interface ConsentCallback {
  complete(provider: string, query: URLSearchParams): Promise<ConsentResult>;
}

export function createConsentCallback(consent: ConsentService, appliers: Readonly<Record<ConsentPurposeKind, ConsentApplier>>): ConsentCallback {
  return {
    async complete(provider, query) {
      const peeked = await consent.peek(query);
      const returnUrl = peeked?.returnUrl && consent.returnUrlAllowed(peeked.returnUrl) ? peeked.returnUrl : undefined;
      const base: ConsentResult = { provider, orgId: peeked?.orgId, mode: peeked?.mode, returnUrl, ...(peeked ? { purpose: purposeKind(peeked.purpose) } : {}) };
      try {
        const result = await consent.complete(provider, query);
        if ('next' in result) return { ...base, next: result.next };
        const applied = await appliers[purposeKind(result.state.purpose)](result.state, result.outcome);
        return { ...base, applied };
      } catch (error) {
        let failure = isMailerError(error) ? error : new MailerError('INTERNAL', 'The consent could not be completed.', { cause: error });
        if (query.get('error') && failure.code === 'STATE_INVALID') {
          failure = new MailerError('CONSENT_DECLINED', 'Consent was declined, so nothing was saved.', { providerCode: query.get('error') ?? undefined });
        }
        if (failure.code === 'INTERNAL') throw error;
        return { ...base, error: failure };
      }
    },
  };
}
