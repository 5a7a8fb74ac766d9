/**
 * "Linked accounts": the org's directory connections from `/api/manage/directory/connections`
 * with status, last sync and counts; "Link Microsoft 365" (delegated sign-in) and "Link Google
 * Workspace" (Google sign-in) create a connection under the typed name and follow its consent link,
 * which returns to this page; "Sync now" and "Remove" act on one connection.
 */
import { api, ApiError } from './api';
import { $, input, sentence, text, value, when } from './dom';
import { PROVIDER_LABELS, STATUS } from './labels';

interface ConnectionView {
  id: string;
  name: string;
  provider: string;
  status: 'connecting' | 'active' | 'needs_attention';
  tenantId?: string;
  domain?: string;
  consentedBy?: { username: string };
  lastSyncAt?: string;
  lastSyncOutcome?: 'ok' | 'failed';
  counts?: { users: number; groups: number };
  lastError?: { code: string; message: string; hint?: string };
  sync: { running: boolean };
}

/** The one connection mode each link button uses: an administrator signs in (dir-api.md). */
const LINKS: Record<string, { provider: string; mode: string }> = {
  'link-microsoft': { provider: 'microsoft', mode: 'delegated' },
  'link-google': { provider: 'google', mode: 'oauth' },
};

const CONNECTION_STATUS: Record<string, string> = {
  connecting: 'Waiting for sign-in',
  active: STATUS.active,
  needs_attention: STATUS.needs_attention,
};

function tell(kind: 'saved' | 'field-error' | '', message: string): void {
  $('linked-message').className = kind;
  text('linked-message', message);
}

function describe(c: ConnectionView): string {
  const parts = [PROVIDER_LABELS[c.provider] || c.provider];
  if (c.tenantId || c.domain) parts.push(c.domain || 'tenant ' + c.tenantId);
  if (c.consentedBy) parts.push('by ' + c.consentedBy.username);
  parts.push(
    c.sync.running
      ? 'syncing now'
      : c.lastSyncAt
        ? 'last sync ' + when(c.lastSyncAt) + (c.lastSyncOutcome === 'failed' ? ' (failed)' : '')
        : 'not synced yet',
  );
  if (c.counts) parts.push(c.counts.users + ' users, ' + c.counts.groups + ' groups');
  return parts.join(' · ');
}

async function act(action: () => Promise<void>): Promise<void> {
  tell('', '');
  try {
    await action();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    tell('field-error', error.message + (error.hint ? ' ' + error.hint : ''));
  }
}

function actionButton(label: string, aria: string, onClick: () => Promise<void>): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary';
  b.textContent = label;
  b.setAttribute('aria-label', aria);
  b.addEventListener('click', () => void act(onClick));
  return b;
}

export async function loadConnections(): Promise<void> {
  const { connections } = await api<{ connections: ConnectionView[] }>('GET', 'directory/connections');
  const list = $('connections');
  list.textContent = '';
  connections.forEach((c) => {
    const li = list.appendChild(document.createElement('li'));
    const badge = li.appendChild(document.createElement('span'));
    badge.className = 'badge badge-' + c.status;
    badge.textContent = CONNECTION_STATUS[c.status] || c.status;
    li.appendChild(document.createElement('strong')).textContent = c.name;
    const details = li.appendChild(document.createElement('span'));
    details.className = 'muted';
    details.textContent = describe(c);
    if (c.lastError) {
      const problem = li.appendChild(document.createElement('span'));
      problem.className = 'field-error';
      problem.textContent = (c.lastError.hint || c.lastError.message) + ' (' + c.lastError.code + ')';
    }
    const path = 'directory/connections/' + encodeURIComponent(c.id);
    if (c.status !== 'connecting') {
      li.appendChild(
        actionButton('Sync now', 'Sync ' + c.name + ' now', async () => {
          await api('POST', path + '/sync');
          tell('saved', 'The sync of ' + c.name + ' started.');
          await loadConnections();
        }),
      );
    }
    li.appendChild(
      actionButton('Remove', 'Remove ' + c.name, async () => {
        await api('DELETE', path);
        tell('saved', c.name + ' was removed.');
        await loadConnections();
      }),
    );
  });
  $('connections-empty').hidden = connections.length > 0;
}

/** Creates the connection, then leaves for the provider's consent page (it comes back here). */
async function link(button: string): Promise<void> {
  $('connection-name-error').hidden = true;
  input('connection-name').removeAttribute('aria-invalid');
  try {
    const created = await api<{ connection: ConnectionView; consentUrl?: string }>('POST', 'directory/connections', {
      name: value('connection-name'),
      ...LINKS[button],
    });
    if (created.consentUrl) location.assign(created.consentUrl);
    else await loadConnections();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const problem = (error.fields && error.fields.name) || error.message;
    text('connection-name-error', sentence(problem));
    $('connection-name-error').hidden = false;
    input('connection-name').setAttribute('aria-invalid', 'true');
  }
}

export function wireLinked(): void {
  Object.keys(LINKS).forEach((id) => $(id).addEventListener('click', () => void link(id)));
}
