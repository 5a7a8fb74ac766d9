/**
 * A scripted browser for tests that go through a consent without a real browser: one cookie jar
 * (the consent's binding cookie), the start URL a consent link hands out (which sets the cookie and
 * redirects to the provider), the callback with that cookie, and the confirmation page's Confirm.
 * Consent links name PUBLIC_BASE_URL; the requests go to the local host under test.
 *
 * `defaultBrowser` is the one the shared helpers (sandbox page followers, `transcriptApi`) use
 * unless given another; a test of two browsers makes a second with `new ConsentBrowser()`.
 */
import { CONSENT_COOKIE } from '@shared/consent/browser';

let hostUrl: (() => string) | undefined;

/** Where the local host under test listens (set by each test file's set-up, via transcriptApi or directly). */
export function useConsentHost(url: () => string): void {
  hostUrl = url;
}

const decodeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

export interface PageAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** The Confirm/Cancel form of a confirmation page, or undefined when `html` is not one. */
export function confirmationForm(html: string): URLSearchParams | undefined {
  if (!html.includes('action="/api/oauth/confirm"')) return undefined;
  const fields = new URLSearchParams();
  for (const input of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.set(input[1], decodeHtml(input[2]));
  return fields;
}

export class ConsentBrowser {
  cookie?: string;

  private url(path: string): string {
    if (!hostUrl) throw new Error('useConsentHost was not called');
    return `${hostUrl()}${path}`;
  }

  /** A request of this browser to our host (`pathAndQuery` starts with /api/). */
  async request(method: string, pathAndQuery: string, form?: URLSearchParams): Promise<PageAnswer> {
    const response = await fetch(this.url(pathAndQuery), {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookie ? { cookie: `${CONSENT_COOKIE}=${this.cookie}` } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form?.toString(),
    });
    const set = response.headers.getSetCookie().find((c) => c.startsWith(`${CONSENT_COOKIE}=`));
    if (set) this.cookie = set.slice(CONSENT_COOKIE.length + 1).split(';')[0];
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** Opens a consent link: our start endpoint claims it for this browser; returns the provider URL. Other URLs are returned as they are. */
  async open(link: string): Promise<string> {
    const url = new URL(link);
    if (url.pathname !== '/api/oauth/start') return link;
    const answer = await this.request('GET', `${url.pathname}${url.search}`);
    const location = answer.headers.get('location');
    if (answer.status !== 303 || !location) throw new Error(`start answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    return location;
  }

  /** Answers a confirmation page with Confirm (or Cancel); any other answer is returned as it is. */
  async answer(page: PageAnswer, decision: 'confirm' | 'cancel' = 'confirm'): Promise<PageAnswer> {
    const form = page.status === 200 ? confirmationForm(page.text) : undefined;
    if (!form) return page;
    form.set('decision', decision);
    return this.request('POST', '/api/oauth/confirm', form);
  }
}

export const defaultBrowser = new ConsentBrowser();
