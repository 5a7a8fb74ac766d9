/**
 * The org's senders (several senders per org): the list with status badges (shown when there are
 * several; each key opens that sender's form), "Add another sender", and which sender the form
 * shows. With a single sender the page is exactly the form it always was: the `default` sender's.
 */
import { PROVIDER_MODES } from '../../../providers/modes';
import { api, ApiError } from './api';
import { $, input, sentence, text, value } from './dom';
import { FORM_FIRST_MODES, MODE_LABELS, PROVIDER_LABELS, SENDER_KEY_KEY, STATUS } from './labels';
import { quiet, say } from './messages';
import { loadRouting } from './routing';
import { DEFAULT_SENDER, state } from './state';
import { fillForm } from './form';
import { followSender, loadSender, renderStatus } from './status';
import type { ListedSender, SenderView } from './types';

const MODES = PROVIDER_MODES as Readonly<Record<string, readonly string[]>>;
const select = (id: string) => $<HTMLSelectElement>(id);

function remember(key: string): void {
  try {
    sessionStorage.setItem(SENDER_KEY_KEY, key);
  } catch {
    /* storage blocked: the default sender after a round trip */
  }
}

/** The sender whose form was open before a consent round trip in this tab, else `default`. */
export function rememberedSender(): string {
  try {
    return sessionStorage.getItem(SENDER_KEY_KEY) || DEFAULT_SENDER;
  } catch {
    return DEFAULT_SENDER;
  }
}

function renderList(): void {
  const list = $('senders-list');
  list.textContent = '';
  state.listed.forEach((sender) => {
    const li = document.createElement('li');
    if (sender.senderKey === state.senderKey) li.className = 'current';
    const badge = li.appendChild(document.createElement('span'));
    badge.className = 'badge badge-' + sender.status;
    badge.textContent = STATUS[sender.status] || sender.status;
    const open = li.appendChild(document.createElement('button'));
    open.type = 'button';
    open.className = 'link';
    open.textContent = sender.senderKey;
    open.setAttribute('aria-label', 'Open sender ' + sender.senderKey);
    if (sender.senderKey === state.senderKey) open.setAttribute('aria-current', 'true');
    open.addEventListener('click', () => void openSender(sender.senderKey));
    const address = li.appendChild(document.createElement('span'));
    address.className = 'muted';
    address.textContent = sender.senderEmail + ' (' + (PROVIDER_LABELS[sender.provider] || sender.provider) + ')';
    list.appendChild(li);
  });
  const several = state.listed.length > 1;
  $('senders-panel').hidden = !several;
  $('routing-panel').hidden = !several;
  const named = several || state.senderKey !== DEFAULT_SENDER || state.creating;
  $('form-heading').hidden = !named;
  text('form-heading', 'Sender ' + state.senderKey + (state.creating ? ' (new)' : ''));
  $('form-creating').hidden = !state.creating;
}

export async function loadSenders(): Promise<void> {
  state.listed = (await api<{ senders: ListedSender[] }>('GET', 'senders')).senders;
  // A sender removed meanwhile (e.g. in another tab): back to the default one.
  if (!state.creating && state.senderKey !== DEFAULT_SENDER && !state.listed.some((s) => s.senderKey === state.senderKey))
    state.senderKey = DEFAULT_SENDER;
  renderList();
  if (state.listed.length > 1) await loadRouting();
}

/** The open sender was saved, tested or reset: its badge in the list follows. */
export function senderChanged(v: SenderView): void {
  const listed = state.listed.find((s) => s.senderKey === state.senderKey);
  if (!listed) return;
  listed.status = v.status;
  listed.senderEmail = v.senderEmail || listed.senderEmail;
  renderList();
}
followSender(senderChanged);

export async function openSender(key: string): Promise<void> {
  if (state.busy) return;
  state.senderKey = key;
  state.creating = false;
  remember(key);
  quiet();
  $('checks-panel').hidden = true;
  await loadSender().catch((error: unknown) => say('error', (error as ApiError).message, (error as ApiError).hint));
  renderList();
  $('sender-form').scrollIntoView({ block: 'start' });
}

function showModes(): void {
  const modes = MODES[select('new-provider').value] || [];
  select('new-mode').textContent = '';
  modes.forEach((mode) => select('new-mode').appendChild(new Option(MODE_LABELS[mode] || mode, mode)));
}

function addError(field: string, message: string): boolean {
  const slot = document.getElementById('new-' + field + '-error');
  if (!slot) return false;
  slot.textContent = sentence(message);
  slot.hidden = false;
  document.getElementById('new-' + field)?.setAttribute('aria-invalid', 'true');
  return true;
}

/** "Add sender": consent modes are created at once; modes with secrets open the form to fill them first. */
async function addSender(): Promise<void> {
  if (state.busy) return;
  document.querySelectorAll<HTMLElement>('#add-sender .field-error, #add-sender-message').forEach((slot) => {
    slot.hidden = true;
    slot.textContent = '';
  });
  document.querySelectorAll('#add-sender [aria-invalid]').forEach((field) => field.removeAttribute('aria-invalid'));
  const key = value('new-key');
  const body = {
    key,
    provider: select('new-provider').value,
    mode: select('new-mode').value,
    senderEmail: value('new-senderEmail'),
    senderName: value('new-senderName'),
  };
  if (FORM_FIRST_MODES.indexOf(body.mode) >= 0 && /^[a-z0-9][a-z0-9-]{0,31}$/.test(key) && !state.listed.some((s) => s.senderKey === key)) {
    state.senderKey = key;
    state.creating = true;
    state.sender = null; // not saved yet: the form's first save creates it
    fillForm({ provider: body.provider, mode: body.mode, senderEmail: body.senderEmail, senderName: body.senderName } as SenderView);
    renderStatus();
    renderList();
    $('sender-form').scrollIntoView({ block: 'start' });
    return;
  }
  state.busy = true;
  $<HTMLButtonElement>('add-sender-button').disabled = true;
  try {
    const created = await api<SenderView>('POST', 'senders', body);
    ['new-key', 'new-senderEmail', 'new-senderName'].forEach((id) => {
      input(id).value = '';
    });
    $<HTMLDetailsElement>('add-sender').open = false;
    state.busy = false;
    await openSender(created.senderKey || key);
    await loadSenders();
    say('ok', 'Sender ' + key + ' was added.', 'Connect it below, then use Save and test; add a routing rule to send messages from it.');
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const unplaced = Object.keys(error.fields || {})
      .filter((field) => !addError(field, error.fields![field]))
      .map((field) => field + ': ' + error.fields![field]);
    text('add-sender-message', [error.message].concat(unplaced).join(' '));
    $('add-sender-message').hidden = false;
  } finally {
    state.busy = false;
    $<HTMLButtonElement>('add-sender-button').disabled = false;
  }
}

export function wireSenders(): void {
  Object.keys(MODES).forEach((provider) => select('new-provider').appendChild(new Option(PROVIDER_LABELS[provider] || provider, provider)));
  showModes();
  select('new-provider').addEventListener('change', showModes);
  $('add-sender-button').addEventListener('click', () => void addSender());
}
