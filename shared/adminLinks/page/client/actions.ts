/** What the buttons do: one action at a time, each shown in plain words when it fails. */
import { api, ApiError, senderPath } from './api';
import { $, dialog, input } from './dom';
import { formBody, isDirty } from './form';
import { clearFieldErrors, quiet, say, sayError } from './messages';
import { loadSenders } from './senders';
import { applySender, loadSender, renderChecks, renderStatus } from './status';
import { state } from './state';
import type { SenderView, VerifyResult } from './types';

const ACTION_BUTTONS = '.actions button, #consent-button';

/** Runs one action at a time: buttons off, old messages cleared, any failure shown in plain words. */
export async function run(action: () => Promise<void>): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  $('app').setAttribute('aria-busy', 'true');
  document.querySelectorAll<HTMLButtonElement>(ACTION_BUTTONS).forEach((b) => {
    b.dataset.wasDisabled = b.disabled ? '1' : '';
    b.disabled = true;
  });
  quiet();
  clearFieldErrors();
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.code !== 'ADMIN_LINK_INVALID') sayError(error);
    } else say('error', 'Something went wrong in this page.', String((error as { message?: string } | null)?.message || error));
  } finally {
    document.querySelectorAll<HTMLButtonElement>(ACTION_BUTTONS).forEach((b) => {
      b.disabled = b.dataset.wasDisabled === '1';
    });
    renderStatus();
    state.busy = false;
    $('app').setAttribute('aria-busy', 'false');
  }
}

/** Test connection and test sends act on the SAVED configuration: save first when the form changed. */
async function saveIfChanged(): Promise<void> {
  if (state.sender && (state.sender.locked || !isDirty())) return;
  if (state.creating) {
    applySender(await api<SenderView>('POST', 'senders', { key: state.senderKey, ...formBody() }));
    state.creating = false;
    await loadSenders();
    return;
  }
  applySender(await api<SenderView>('PUT', senderPath(), formBody()));
}

export function verify(): Promise<void> {
  return run(async () => {
    await saveIfChanged();
    const result = await api<VerifyResult>('POST', senderPath('/verify'));
    renderChecks(result);
    if (result.ok) say('ok', 'The connection works. Use "' + $('test-button').textContent + '" to send a real test message.');
    else say('error', 'The connection test found a problem.', 'See the connection checks below.');
    $('checks-panel').scrollIntoView({ block: 'nearest' });
  });
}

export function askTestRecipient(): void {
  const lastTo = state.sender && state.sender.lastTest && state.sender.lastTest.to;
  if (!input('to').value) input('to').value = lastTo || '';
  $('to-error').hidden = true;
  dialog('test-dialog').returnValue = ''; // Escape keeps the previous returnValue: never re-send on it
  dialog('test-dialog').showModal();
}

export function sendTest(to: string): Promise<void> {
  return run(async () => {
    await saveIfChanged();
    try {
      const result = await api<{ sender: SenderView; sentTo: string }>('POST', senderPath('/test'), { to });
      applySender(result.sender);
      $('checks-panel').hidden = true;
      say(
        'ok',
        'A test message was sent to ' + result.sentTo + '. The sender is active.',
        'Check that it arrived, and look in the sent items or logs of the mailbox if needed.',
      );
    } catch (error) {
      const code = (error as Partial<ApiError>).code;
      if (code === 'VALIDATION_FAILED' || code === 'ADMIN_LINK_INVALID') throw error;
      // A failed test is recorded on the sender: show it once, under "Last problem", not twice.
      await loadSender().catch(() => undefined);
      const recorded = state.sender && state.sender.lastError;
      if (!recorded || recorded.code !== code) throw error;
      say('error', 'The test message was not sent.', 'The reason and what to do are under "Last problem" above.');
    }
  });
}

export function reset(): Promise<void> {
  return run(async () => {
    applySender(await api<SenderView>('POST', senderPath('/reset')));
    $('checks-panel').hidden = true;
    say(
      'ok',
      'The sender was reset: its secrets were deleted and notifications go out from the default sender until a new test send succeeds.',
      'A Reset also revokes every settings link of this organization, this one included: open the email settings again from the application to continue.',
    );
  });
}

/**
 * Consent leaves the page (Microsoft and Google refuse to be framed). At top level it happens in
 * this tab and comes back with the token still in sessionStorage. Inside a frame a new tab is opened
 * (synchronously, before any await, so popup blockers allow it) and this page reloads the sender
 * when it is looked at again.
 */
export function startConsent(): Promise<void> {
  const framed = window.top !== window.self;
  const tab = framed ? window.open('', '_blank') : null;
  if (tab) tab.opener = null;
  return run(async () => {
    try {
      const body = formBody();
      if (body.senderEmail && body.senderName) await saveIfChanged();
      const request: { provider: string; mode: string; aliasCheck?: boolean } = { provider: body.provider, mode: body.mode };
      if (body.mode === 'oauth' && input('aliasCheck').checked) request.aliasCheck = true;
      const link = await api<{ url: string }>('POST', senderPath('/consent-link'), request);
      if (tab) {
        tab.location.href = link.url;
        state.consentPending = true;
        watchConsent();
        say('info', 'Finish the consent in the new tab; this page updates when you come back.');
      } else {
        location.assign(link.url);
      }
    } catch (error) {
      if (tab) tab.close();
      throw error;
    }
  });
}

function consentMark(v: SenderView | null): string {
  return v ? [v.mode, v.consentedAt, v.accountEmail, v.tenantId].join('|') : '';
}

/**
 * While a consent runs in another tab, also look at the saved sender every few seconds: focus and
 * visibilitychange do not reach a frame whose page never lost focus (another window, or a browser
 * that keeps every tab "visible", as headless ones do), and the page must still pick up the result.
 */
function watchConsent(): void {
  const before = consentMark(state.sender);
  const timer = setInterval(async () => {
    if (!state.consentPending) {
      clearInterval(timer);
      return;
    }
    if (state.busy) return;
    let v: SenderView | null = null;
    try {
      v = await api<SenderView>('GET', senderPath());
    } catch {
      return;
    }
    if (!state.consentPending || consentMark(v) === before) return;
    clearInterval(timer);
    state.consentPending = false;
    void run(loadSender);
  }, 2000);
}

/** The refresh when the page is looked at again after a consent in another tab. */
export function refreshAfterConsent(): void {
  if (!document.hidden && state.consentPending && !state.busy) {
    state.consentPending = false;
    void run(loadSender);
  }
}
