/** The sender form: provider and mode choices, the fields, and the PUT body built from them. */
import { PROVIDER_MODES } from '../../../providers/modes';
import { $, input, radios, radioValue, setRadio, text, value, when } from './dom';
import { CONSENT_BUTTONS, CONSENT_HELP } from './labels';
import { state } from './state';
import type { SenderForm, SenderView } from './types';

const MODES = PROVIDER_MODES as Readonly<Record<string, readonly string[]>>;

export function showModes(): void {
  const provider = radioValue('provider');
  document.querySelectorAll<HTMLElement>('#mode-choices .choice').forEach((choice) => {
    choice.hidden = choice.getAttribute('data-provider') !== provider;
  });
  if (MODES[provider] && MODES[provider].indexOf(radioValue('mode')) < 0) setRadio('mode', MODES[provider][0]);
  showModePanel();
}

export function showModePanel(): void {
  const mode = radioValue('mode');
  document.querySelectorAll<HTMLElement>('.mode-panel').forEach((panel) => {
    panel.hidden = (panel.getAttribute('data-modes') || '').split(' ').indexOf(mode) < 0;
  });
  if (CONSENT_BUTTONS[mode]) {
    text('consent-button', CONSENT_BUTTONS[mode]);
    text('consent-help', CONSENT_HELP[mode]);
    text('consent-state', consentState(mode));
  }
}

export function consentState(mode: string): string {
  const v = state.sender;
  if (!v || v.mode !== mode) return 'Not connected yet.';
  const parts: string[] = [];
  if (v.tenantId && mode === 'admin_consent') parts.push('tenant ' + v.tenantId);
  if (v.consentedBy && mode === 'admin_consent' && v.consentedBy.username) parts.push('by ' + v.consentedBy.username);
  if (v.accountEmail) parts.push('signed in as ' + v.accountEmail);
  if (v.consentedAt) parts.push('on ' + when(v.consentedAt));
  if (!parts.length && !Object.keys(v.secrets || {}).length) return 'Not connected yet.';
  return 'Connected' + (parts.length ? ': ' + parts.join(', ') : '') + '.';
}

/** The PUT body, exactly the API's flat JSON. Empty secrets are left out: the saved ones stay. */
export function formBody(): SenderForm {
  const body: SenderForm = {
    provider: radioValue('provider'),
    mode: radioValue('mode'),
    senderEmail: value('senderEmail'),
    senderName: value('senderName'),
    fallbackToDefault: input('fallbackToDefault').checked,
  };
  if (value('replyTo')) body.replyTo = value('replyTo');
  if (body.mode === 'app_registration') {
    body.tenantId = value('tenantId');
    body.clientId = value('clientId');
    if (input('clientSecret').value) body.clientSecret = input('clientSecret').value;
    if (value('clientSecretExpiresOn')) body.clientSecretExpiresOn = value('clientSecretExpiresOn');
    if (value('mailboxObjectId')) body.mailboxObjectId = value('mailboxObjectId');
  }
  if (body.mode === 'service_account' && state.keyText) body.serviceAccountKey = state.keyText;
  return body;
}

export function isDirty(): boolean {
  return !state.sender || JSON.stringify(formBody()) !== state.savedForm;
}

export function fillForm(v: SenderView | null): void {
  setRadio('provider', v ? v.provider : 'microsoft');
  setRadio('mode', v ? v.mode : 'admin_consent');
  showModes();
  (['senderEmail', 'senderName', 'replyTo', 'tenantId', 'clientId', 'mailboxObjectId'] as const).forEach((id) => {
    input(id).value = (v && v[id]) || '';
  });
  input('clientSecretExpiresOn').value = v && v.clientSecretExpiresOn ? v.clientSecretExpiresOn.slice(0, 10) : '';
  input('fallbackToDefault').checked = v ? v.fallbackToDefault !== false : true;
  input('clientSecret').value = '';
  input('serviceAccountKey').value = '';
  state.keyText = null;
  const secrets = (v && v.secrets) || {};
  savedHint('clientSecret', secrets.clientSecret, 'A secret is on file (' + secrets.clientSecret + '). Leave this empty to keep it.');
  savedHint(
    'serviceAccountKey',
    secrets.serviceAccountKey,
    'A key is on file (' + secrets.serviceAccountKey + '). Choose a file only to replace it.',
  );
  state.savedForm = v ? JSON.stringify(formBody()) : null;
  state.aliasCheckTouched = false;
  suggestAliasCheck();
}

/**
 * Google sign-in: tick "check send-as aliases" by itself when the sender email differs from the
 * Google account already signed in (Gmail sends as an alias only once it is seen verified), until
 * the admin sets the box themselves.
 */
export function suggestAliasCheck(): void {
  if (state.aliasCheckTouched) return;
  const v = state.sender;
  const account = v && v.provider === 'google' && v.mode === 'oauth' && v.accountEmail ? v.accountEmail.toLowerCase() : '';
  const sender = value('senderEmail').toLowerCase();
  input('aliasCheck').checked = !!(account && sender && sender !== account);
}

function savedHint(id: string, hint: string | undefined, message: string): void {
  $(id + '-saved').hidden = !hint;
  $(id + '-saved').textContent = hint ? message : '';
}

export function onChoiceChange(): void {
  radios('provider').forEach((r) => r.addEventListener('change', showModes));
  radios('mode').forEach((r) => r.addEventListener('change', showModePanel));
}
