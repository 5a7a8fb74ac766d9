/**
 * The API as a browser and the SaaS call it in the consent tests: every answer goes into a transcript
 * (the tests then check that no secret or one-time code ever came back), and the browser's arrivals
 * at our callbacks (GET redirect or Entra's form_post) are calls without the function key.
 */
import type { LocalHost } from '../../dev/host/localHost';
import { ConsentBrowser, defaultBrowser, PageAnswer, useConsentHost } from '../support/consentBrowser';
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

/** How the browser answers a confirmation page the callback shows: Confirm (default), Cancel, or not at all (`none`: the page itself). */
export interface BrowserOptions {
  confirm?: 'confirm' | 'cancel' | 'none';
}

/**
 * `host()` is read at each call (the host starts in `beforeAll`). One-time codes the browser carries
 * back join `seen`, when given, so the tests can prove none of them is ever answered or logged.
 */
export function transcriptApi(host: () => LocalHost, transcript: string[], seen?: Set<string>, browser: ConsentBrowser = defaultBrowser) {
  const key = process.env.LOCAL_FUNCTION_KEY!;
  useConsentHost(() => host().url);
  const record = (method: string, path: string, answer: PageAnswer): Answer => {
    // The answer only: the request (e.g. a callback URL with its one-time code) is what we sent, not what the app said.
    transcript.push(`${method} ${path.split('?')[0]} -> ${answer.status} ${[...answer.headers].join(' ')} ${answer.text}`);
    return { ...answer, body: jsonOrUndefined(answer.text) };
  };
  async function api(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Answer> {
    if (options.key === false && !options.raw && body === undefined)
      return record(method, path, await browser.request(method, `/api/${path}`, options.form));
    const contentType = options.form
      ? 'application/x-www-form-urlencoded'
      : body !== undefined || options.raw
        ? 'application/json'
        : undefined;
    const response = await fetch(`${host().url}/api/${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(options.key === false ? {} : { 'x-functions-key': key }), ...(contentType ? { 'content-type': contentType } : {}) },
      body: options.form?.toString() ?? options.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return record(method, path, { status: response.status, headers: response.headers, text: await response.text() });
  }
  const remember = (code: string | null) => {
    if (code) seen?.add(code);
  };
  /** The browser answering our confirmation page, when the callback showed one. */
  const confirmed = async (answer: Answer, options: BrowserOptions): Promise<Answer> => {
    if ((options.confirm ?? 'confirm') === 'none') return answer;
    const final = await browser.answer(answer, options.confirm === 'cancel' ? 'cancel' : 'confirm');
    return final === answer ? answer : record('POST', 'oauth/confirm', final);
  };
  /** The browser arriving back at our callback (the sandbox redirects to PUBLIC_BASE_URL; the host listens elsewhere). */
  const callback = async (location: URL, options: BrowserOptions = {}) => {
    remember(location.searchParams.get('code'));
    return confirmed(
      await api('GET', `${location.pathname.replace(/^\/api\//, '')}${location.search}`, undefined, { key: false }),
      options,
    );
  };
  /** The browser posting Entra's form_post form to our callback. */
  const postCallback = async (action: URL, fields: URLSearchParams, options: BrowserOptions = {}) => {
    remember(fields.get('code'));
    return confirmed(await api('POST', action.pathname.replace(/^\/api\//, ''), undefined, { key: false, form: fields }), options);
  };
  /** The browser opening a consent link (our start endpoint): returns the provider URL. */
  const open = (link: string) => browser.open(link);
  return { api, callback, postCallback, open, browser };
}
