/** The status panel (badge, notice, last test, last problem, warnings) and the connection checks. */
import { api, ApiError, senderPath } from './api';
import { $, text, when } from './dom';
import { fillForm } from './form';
import { CHECK_LABELS, STATUS } from './labels';
import { state } from './state';
import type { SenderView, VerifyResult } from './types';

export function renderStatus(): void {
  const v = state.sender;
  const key = v ? v.status : 'none';
  const badge = $('status-badge');
  badge.textContent = STATUS[key] || key;
  badge.className = 'badge badge-' + key;
  text(
    'status-notice',
    v
      ? v.notice
      : 'No sender is set up: notifications go out from the default sender. Choose a provider below to send from your own mailbox.',
  );
  $('locked-note').hidden = !(v && v.locked);
  const test = v && v.lastTest;
  text(
    'last-test',
    !test
      ? ''
      : test.ok
        ? 'Last test: sent to ' + test.to + ' on ' + when(test.at) + '.'
        : 'Last test' +
          (test.to ? ' to ' + test.to : '') +
          ' on ' +
          when(test.at) +
          ' failed' +
          (test.code ? ' (' + test.code + ')' : '') +
          '.',
  );
  const problem = v && v.lastError;
  $('last-error').hidden = !problem;
  if (problem) {
    text('last-error-message', problem.message);
    text('last-error-hint', problem.hint);
    text('last-error-code', problem.code);
    text('last-error-at', problem.at ? ', ' + when(problem.at) : '');
  }
  // Computed by the API when read (e.g. a client secret expiring within 30 days): shown like lastError.
  const warnings = (v && v.warnings) || [];
  $('warnings').hidden = !warnings.length;
  const list = $('warnings-list');
  list.textContent = '';
  function line(content: string | undefined, className?: string): HTMLParagraphElement {
    const p = document.createElement('p');
    p.textContent = content || '';
    if (className) p.className = className;
    return list.appendChild(p);
  }
  warnings.forEach((w) => {
    line(w.hint);
    line(w.message, 'detail');
    line('Code ', 'detail').appendChild(document.createElement('code')).textContent = w.code;
  });
  $<HTMLFieldSetElement>('config-fields').disabled = !!(v && v.locked);
  $<HTMLButtonElement>('reset-button').disabled = !v;
  text('test-button', v && v.locked ? 'Send test message' : 'Save and test');
}

/** Who follows a loaded, saved, tested or reset sender (the senders list: its badge), set by senders.ts. */
let senderFollower: (v: SenderView) => void = () => undefined;
export function followSender(follower: (v: SenderView) => void): void {
  senderFollower = follower;
}

export function applySender(v: SenderView | null): void {
  state.sender = v;
  fillForm(v);
  renderStatus();
  if (v) senderFollower(v);
}

export async function loadSender(): Promise<void> {
  try {
    applySender(await api<SenderView>('GET', senderPath()));
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'SENDER_NOT_FOUND') throw error;
    applySender(null);
  }
}

export function renderChecks(result: VerifyResult): void {
  const list = $('checks');
  list.textContent = '';
  (result.checks || []).forEach((check) => {
    // A failed check without a code was not run (an earlier one failed): say so, not "Failed".
    const kind = check.ok ? 'ok' : check.skipped || !check.code ? 'skipped' : check.level === 'warning' ? 'warn' : 'fail';
    const li = document.createElement('li');
    li.className = kind;
    const head = document.createElement('p');
    const name = document.createElement('strong');
    name.textContent = CHECK_LABELS[check.name] || check.name;
    const verdict = document.createElement('span');
    verdict.className = 'verdict';
    verdict.textContent = { ok: 'OK', fail: 'Failed', warn: 'Warning', skipped: 'Not checked' }[kind];
    head.appendChild(name);
    head.appendChild(document.createTextNode(': '));
    head.appendChild(verdict);
    li.appendChild(head);
    // Plain words first; the provider's own text is a detail for whoever digs deeper.
    const parts: Array<[string | undefined, string]> =
      kind === 'fail' || kind === 'warn'
        ? [
            [check.hint, ''],
            [check.message ? 'Details: ' + check.message : '', 'detail'],
          ]
        : [[check.message, '']];
    parts.push([check.code ? 'Code ' + check.code : '', 'detail']);
    parts.forEach((part) => {
      if (!part[0]) return;
      const p = document.createElement('p');
      p.className = part[1];
      p.textContent = part[0];
      li.appendChild(p);
    });
    list.appendChild(li);
  });
  const allOk = (result.checks || []).every((c) => c.ok);
  text(
    'checks-summary',
    !result.ok
      ? 'Some checks failed. Fix what is described below, then test again.'
      : allOk
        ? 'All checks passed. No message was sent.'
        : 'No check failed; see the warnings and what could not be checked below (Save and test proves the rest). No message was sent.',
  );
  $('checks-panel').hidden = false;
}
