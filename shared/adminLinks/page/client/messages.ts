/** The message box, the fatal panel and the per-field error slots. */
import { $, sentence, text } from './dom';
import type { ErrorBody } from './types';

export function say(kind: 'ok' | 'info' | 'error', message: string, hint?: string, list?: string[]): void {
  const box = $('message');
  box.className = 'message ' + kind;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  text('message-text', message);
  text('message-hint', hint);
  const ul = $('message-list');
  ul.textContent = '';
  (list || []).forEach((line) => {
    const li = document.createElement('li');
    li.textContent = line;
    ul.appendChild(li);
  });
  box.hidden = false;
}

export function quiet(): void {
  $('message').hidden = true;
}

export function showFatal(error: { message: string; hint?: string }): void {
  text('fatal-message', error.message);
  text('fatal-hint', error.hint);
  $('fatal').hidden = false;
  $('workspace').hidden = true;
  $('app').setAttribute('aria-busy', 'false');
}

export function clearFieldErrors(): void {
  document.querySelectorAll<HTMLElement>('.field-error').forEach((slot) => {
    slot.textContent = '';
    slot.hidden = true;
  });
  document.querySelectorAll('[aria-invalid]').forEach((field) => field.removeAttribute('aria-invalid'));
}

/** Puts each 422 field message next to its field; returns those that have no field on the page. */
export function showFieldErrors(fields: Record<string, string> | undefined): string[] {
  const unplaced: string[] = [];
  let first: HTMLInputElement | null = null;
  Object.keys(fields || {}).forEach((name) => {
    const all = fields!;
    const slot = document.getElementById(name + '-error');
    const message = all[name].indexOf(name + ' ') === 0 ? all[name].slice(name.length + 1) : all[name];
    // A field not on screen (another mode's panel, a closed dialog) is listed in the message instead.
    if (!slot || slot.parentElement!.closest('[hidden], dialog:not([open])')) {
      unplaced.push(name + ': ' + all[name]);
      return;
    }
    slot.textContent = sentence(message);
    slot.hidden = false;
    const field = document.getElementById(name) as HTMLInputElement | null;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      first = first || field;
    }
  });
  const focus = first as HTMLInputElement | null;
  if (focus && !focus.disabled) focus.focus();
  return unplaced;
}

export function sayError(error: ErrorBody): void {
  const unplaced = showFieldErrors(error.fields);
  const hint = error.code === 'VALIDATION_FAILED' ? 'See the marked fields.' : error.hint;
  say('error', error.message, hint, unplaced);
}
