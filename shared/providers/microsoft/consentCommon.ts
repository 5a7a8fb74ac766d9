/**
 * What Microsoft's consent flows (delegated sign-in in `consentFlows.ts`, admin consent in
 * `adminConsent.ts`) share: URL building, the provider context, and reading a declined answer.
 */
import { MailerError } from '../../errors';
import type { ProviderContext } from '../module';

export function withQuery(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

export function required(context: ProviderContext | undefined): ProviderContext {
  if (!context) throw new Error('internal: Microsoft consent flows need the provider context');
  return context;
}

/**
 * Both endpoints may answer with `error` (and admin consent even with admin_consent=True next to it),
 * so `error` is read before anything else
 * (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent#unsuccessful-response).
 */
export function throwIfDeclined(query: URLSearchParams): void {
  const error = query.get('error');
  if (!error) return;
  const description = (query.get('error_description') ?? '').split(/\r?\n/)[0].slice(0, 300);
  const declined = error === 'access_denied' || error === 'consent_required';
  throw new MailerError(
    'CONSENT_DECLINED',
    declined
      ? `Consent was declined in Microsoft Entra ID, so nothing was saved.${description ? ` (${description})` : ''}`
      : `Microsoft Entra ID did not complete the consent (${error})${description ? `: ${description}` : ''}. Nothing was saved.`,
    { providerCode: error },
  );
}
