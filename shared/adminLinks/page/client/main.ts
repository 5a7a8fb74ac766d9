/**
 * The settings page's script (`GET /api/settings/app.js`), bundled for the browser by dev/build.mjs
 * (esbuild, one IIFE) and type-checked with ./tsconfig.json (DOM types, no Node). It takes the admin
 * token from the URL fragment and acts through `/api/manage/*`. It renders only what the API returns,
 * always through textContent (never innerHTML), and never receives a secret: secret fields are
 * write-only and show saved hints.
 */
import { api, ApiError, takeToken } from './api';
import { askTestRecipient, refreshAfterConsent, reset, sendTest, startConsent, verify } from './actions';
import { describeConsent, showFinished } from './consent';
import { $, dialog, input, text, value } from './dom';
import { onChoiceChange, suggestAliasCheck } from './form';
import { say, showFatal } from './messages';
import { loadSender } from './status';
import { loadConnections, wireLinked } from './linked';
import { wireRouting } from './routing';
import { loadSenders, rememberedSender, wireSenders } from './senders';
import { state } from './state';
import type { Session } from './types';

async function loadSession(): Promise<void> {
  const session = await api<Session>('GET', 'session');
  text('org-id', session.orgId);
  // The SaaS's name for the org, as text: the admin sees at once whose settings these are.
  if (session.orgName) {
    text('org-name', session.orgName);
    $('org-name').hidden = false;
  }
  const expires = new Date(session.expiresAt);
  text('link-expiry', 'This link works until ' + expires.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  if (session.returnUrl) {
    $<HTMLAnchorElement>('back-link').href = session.returnUrl;
    $('back-link').hidden = false;
  }
  const left = expires.getTime() - Date.now();
  if (left > 0 && left < 2147483647) {
    setTimeout(
      () =>
        showFatal({
          message: 'This settings link has expired.',
          hint: 'Open the email settings again from the application to get a new link.',
        }),
      left,
    );
  }
}

function wire(): void {
  onChoiceChange();
  wireSenders();
  wireRouting();
  wireLinked();
  // Each action reports its own failure on the page (run() in actions.ts), so its promise is not awaited.
  $('verify-button').addEventListener('click', () => void verify());
  $('test-button').addEventListener('click', askTestRecipient);
  $('reset-button').addEventListener('click', () => {
    dialog('reset-dialog').returnValue = '';
    dialog('reset-dialog').showModal();
  });
  $('consent-button').addEventListener('click', () => void startConsent());
  $('senderEmail').addEventListener('input', suggestAliasCheck);
  $('aliasCheck').addEventListener('change', () => {
    state.aliasCheckTouched = true;
  });
  $('sender-form').addEventListener('submit', (event) => event.preventDefault());
  input('serviceAccountKey').addEventListener('change', function (this: HTMLInputElement) {
    const file = this.files && this.files[0];
    // A file the browser cannot read counts as none chosen: saving then asks for the key again.
    void (file ? file.text() : Promise.resolve(null)).then(
      (keyText) => {
        state.keyText = keyText;
      },
      () => {
        state.keyText = null;
      },
    );
  });
  dialog('test-dialog').addEventListener('close', () => {
    if (dialog('test-dialog').returnValue === 'send') void sendTest(value('to'));
  });
  $('test-form').addEventListener('submit', (event) => {
    const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
    if (submitter && submitter.value === 'send' && !input('to').checkValidity()) {
      event.preventDefault();
      text('to-error', 'Enter the email address the test message should go to.');
      $('to-error').hidden = false;
      input('to').setAttribute('aria-invalid', 'true');
    }
  });
  dialog('reset-dialog').addEventListener('close', () => {
    if (dialog('reset-dialog').returnValue === 'reset') void reset();
  });
  document.addEventListener('visibilitychange', refreshAfterConsent);
  window.addEventListener('focus', refreshAfterConsent);
}

async function start(): Promise<void> {
  const query = new URLSearchParams(location.search);
  state.token = takeToken();
  wire();
  const consent = await describeConsent(query);
  if (!state.token && consent) {
    showFinished(consent); // a consent finished in a tab of its own
    return;
  }
  if (!state.token) {
    showFatal({
      message: 'This page opens from a settings link, and this address carries none.',
      hint: 'Open the email settings from the application: it gives you a link that works for 60 minutes.',
    });
    return;
  }
  try {
    await loadSession();
    state.senderKey = rememberedSender();
    await loadSenders();
    await loadSender();
    // Linked accounts are a section of their own: the sender settings work without them.
    await loadConnections().catch((error: { message?: string }) => {
      text('linked-message', 'The linked accounts could not be loaded: ' + (error.message || String(error)));
    });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'ADMIN_LINK_INVALID') {
      showFatal({ message: 'The settings could not be loaded.', hint: (error as { message?: string } | null)?.message || String(error) });
    }
    return;
  }
  $('workspace').hidden = false;
  $('app').setAttribute('aria-busy', 'false');
  if (consent) say(consent.ok ? 'ok' : 'error', consent.message, consent.hint);
}

void start();
