/**
 * The API as a browser and the SaaS call it in the consent tests: every answer goes into a transcript
 * (the tests then check that no secret or one-time code ever came back), and the browser's arrivals
 * at our callbacks (GET redirect or Entra's form_post) are calls without the function key.
 */
import type { LocalHost } from '../../dev/host/localHost';
import { jsonOrUndefined } from '../support/env';

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  /** false: no function key (the browser). */
  key?: boolean;
  /** A body sent as is (JSON content type), e.g. malformed JSON. */
  raw?: string;
  form?: URLSearchParams;
}

/**
 * `host()` is read at each call (the host starts in `beforeAll`). One-time codes the browser carries
 * back join `seen`, when given, so the tests can prove none of them is ever answered or logged.
 */
export function transcriptApi(host: () => LocalHost, transcript: string[], seen?: Set<string>) {
  const key = process.env.LOCAL_FUNCTION_KEY!;
  async function api(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Answer> {
    const contentType = options.form ? 'application/x-www-form-urlencoded' : body !== undefined || options.raw ? 'application/json' : undefined;
    const response = await fetch(`${host().url}/api/${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(options.key === false ? {} : { 'x-functions-key': key }), ...(contentType ? { 'content-type': contentType } : {}) },
      body: options.form?.toString() ?? options.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    // The answer only: the request (e.g. a callback URL with its one-time code) is what we sent, not what the app said.
    transcript.push(`${method} ${path.split('?')[0]} -> ${response.status} ${[...response.headers].join(' ')} ${text}`);
    return { status: response.status, body: jsonOrUndefined(text), text, headers: response.headers };
  }
  const remember = (code: string | null) => {
    if (code) seen?.add(code);
  };
  /** The browser arriving back at our callback (the sandbox redirects to PUBLIC_BASE_URL; the host listens elsewhere). */
  const callback = (location: URL) => {
    remember(location.searchParams.get('code'));
    return api('GET', `${location.pathname.replace(/^\/api\//, '')}${location.search}`, undefined, { key: false });
  };
  /** The browser posting Entra's form_post form to our callback. */
  const postCallback = (action: URL, fields: URLSearchParams) => {
    remember(fields.get('code'));
    return api('POST', action.pathname.replace(/^\/api\//, ''), undefined, { key: false, form: fields });
  };
  return { api, callback, postCallback };
}
