/**
 * The consent callback redirects back here with ?consent=connected|declined|failed&code=...
 * The hint of a code comes from the page's static error texts (no token needed: a consent
 * finished in a new tab may have none).
 */
import { $, text } from './dom';
import { PROVIDER_LABELS } from './labels';

export interface ConsentOutcome {
  ok: boolean;
  title: string;
  message: string;
  hint?: string;
}

export async function describeConsent(query: URLSearchParams): Promise<ConsentOutcome | null> {
  const outcome = query.get('consent');
  if (!outcome) return null;
  const provider = PROVIDER_LABELS[query.get('provider') || ''] || 'the provider';
  if (outcome === 'connected') {
    return {
      ok: true,
      title: 'Connected',
      message: 'Connected to ' + provider + '.',
      hint: 'Check the sender email and alias, then use "Test connection" or "Save and test".',
    };
  }
  if (outcome === 'cancelled') return { ok: false, title: 'Cancelled', message: 'The connection was cancelled, so nothing was changed.' };
  const code = query.get('code');
  let hint = '';
  if (code) {
    try {
      const answer = await fetch(new URL('settings/errors/' + encodeURIComponent(code), location.href));
      if (answer.ok) hint = ((await answer.json()) as { hint: string }).hint;
    } catch {
      /* the outcome is still worth showing without its hint */
    }
  }
  return outcome === 'declined'
    ? { ok: false, title: 'Consent was declined', message: 'Consent was declined, so nothing was changed.', hint }
    : {
        ok: false,
        title: 'Not connected',
        message: 'The connection to ' + provider + ' did not complete' + (code ? ' (' + code + ')' : '') + '.',
        hint,
      };
}

/** A consent finished in a tab of its own (no token there): say how it went and to close the tab. */
export function showFinished(result: ConsentOutcome): void {
  text('finished-title', result.title);
  text('finished-message', result.message);
  text('finished-hint', result.ok ? '' : result.hint);
  $('finished').hidden = false;
  $('app').setAttribute('aria-busy', 'false');
}
