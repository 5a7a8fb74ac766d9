/**
 * The org's senders with their status badges (several senders per org). Shown only when the org has
 * more than one: for a single sender the page is exactly the form it always was. The form below
 * stays the `default` sender's.
 */
import { api } from './api';
import { $ } from './dom';
import { STATUS } from './labels';
import type { SenderStatus } from './types';

interface ListedSender {
  senderKey: string;
  senderEmail: string;
  provider: string;
  status: SenderStatus;
}

export async function loadSenders(): Promise<void> {
  const { senders } = await api<{ senders: ListedSender[] }>('GET', 'senders');
  const list = $('senders-list');
  list.textContent = '';
  senders.forEach((sender) => {
    const li = document.createElement('li');
    const badge = li.appendChild(document.createElement('span'));
    badge.className = 'badge badge-' + sender.status;
    badge.textContent = STATUS[sender.status] || sender.status;
    li.appendChild(document.createElement('strong')).textContent = sender.senderKey;
    const address = li.appendChild(document.createElement('span'));
    address.className = 'muted';
    address.textContent = sender.senderEmail + (sender.provider === 'google' ? ' (Google)' : ' (Microsoft 365)');
    list.appendChild(li);
  });
  $('senders-panel').hidden = senders.length < 2;
}
