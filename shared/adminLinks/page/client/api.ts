/**
 * The admin token and the page's API calls. The token comes from the URL fragment (servers never
 * see it), is kept in sessionStorage (so a consent round trip in the same tab comes back signed in)
 * and goes out as `Authorization: Bearer` to `/api/manage/*`.
 */
import { TOKEN_KEY } from './labels';
import { showFatal } from './messages';
import { DEFAULT_SENDER, state } from './state';
import type { ErrorBody } from './types';

export function takeToken(): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  let token = fragment.get('token');
  let stored = false;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else token = sessionStorage.getItem(TOKEN_KEY);
    stored = true;
  } catch {
    /* storage blocked (e.g. some embedded frames): the token lives in memory only */
  }
  // Out of the address bar once kept: not in history, not copied along with the URL.
  if (stored && (location.hash || location.search)) history.replaceState(null, '', location.pathname);
  return token;
}

export class ApiError implements ErrorBody {
  code: string;
  message: string;
  hint?: string;
  fields?: Record<string, string>;
  status: number;
  constructor(error: ErrorBody, status: number) {
    this.code = error.code;
    this.message = error.message;
    this.hint = error.hint;
    this.fields = error.fields;
    this.status = status;
  }
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Authorization: 'Bearer ' + state.token, Accept: 'application/json' };
  const init: RequestInit = { method, cache: 'no-store', headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(new URL('manage/' + path, location.href), init);
  } catch {
    throw new ApiError(
      { code: 'NETWORK', message: 'The server could not be reached.', hint: 'Check the network connection and try again.' },
      0,
    );
  }
  const raw = await response.text();
  let data: unknown = null;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    data = null;
  }
  if (response.ok) return data as T;
  // The server's error envelope; anything else (a proxy's page) gets a generic error.
  const envelope = (data as { error?: ErrorBody } | null)?.error;
  const error = new ApiError(
    envelope || { code: 'HTTP_' + response.status, message: 'The server answered ' + response.status + '.' },
    response.status,
  );
  if (error.code === 'ADMIN_LINK_INVALID') showFatal(error);
  throw error;
}

/** The path of the open sender's routes: `sender...` for `default` (as always), `senders/{key}...` for a named one. */
export function senderPath(suffix = ''): string {
  return state.senderKey === DEFAULT_SENDER ? 'sender' + suffix : 'senders/' + encodeURIComponent(state.senderKey) + suffix;
}
