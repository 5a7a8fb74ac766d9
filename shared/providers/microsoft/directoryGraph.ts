/**
 * Reading Microsoft Graph delta queries page by page (https://learn.microsoft.com/graph/delta-query-overview):
 * the first request names the resource and `$select`; each answer carries either `@odata.nextLink`
 * (more pages of this round) or `@odata.deltaLink` (the round is complete; keep it for the next sync).
 * Links are followed verbatim (they encode the state and the `$select`), but only on the configured
 * Graph origin: the bearer token never goes to a host a response body named.
 *
 * Plain fetch rather than the Graph SDK client: this code needs the raw status, `Retry-After` and the
 * 410 body for every page, and owns its throttling wait (throttleWait.ts). Each call has its deadline
 * (PROVIDER_CALL_TIMEOUT_SECONDS, deadline.ts).
 */
import type { DirectoryAccess } from '../../model/directory';
import { MailerError } from '../../errors';
import { withDeadline } from '../deadline';
import { withThrottleWait, type ThrottleBound } from '../throttleWait';
import { classifyGraphDirectoryError, graphUnreachable, type GraphAnswer } from './directoryErrors';

export type GraphItem = Record<string, unknown> & { id?: string };

export interface GraphPage {
  value: GraphItem[];
  nextLink?: string;
  deltaLink?: string;
}

export interface GraphPagingOptions {
  graphUrl: string;
  timeoutMs: number;
  throttle: ThrottleBound;
  /** Asked of Graph with `Prefer: odata.maxpagesize` (users/groups delta honour it). */
  pageSize: number;
}

function checkedLink(link: string, graphUrl: string): string {
  if (new URL(link).origin !== new URL(graphUrl).origin) {
    throw new MailerError('PROVIDER_UNAVAILABLE', 'Microsoft Graph answered with a paging link to another host; the sync stopped.', {
      providerCode: 'foreignLink',
    });
  }
  return link;
}

async function fetchPage(url: string, access: DirectoryAccess, options: GraphPagingOptions): Promise<GraphPage> {
  return withDeadline(options.timeoutMs, 'Microsoft Graph', async (signal) => {
    const token = await access.accessToken(signal);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', prefer: `odata.maxpagesize=${options.pageSize}` },
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw graphUnreachable(error);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok)
      throw classifyGraphDirectoryError({
        status: response.status,
        body: body as GraphAnswer['body'],
        retryAfter: response.headers.get('retry-after'),
      });
    const page = (body ?? {}) as { value?: unknown; '@odata.nextLink'?: unknown; '@odata.deltaLink'?: unknown };
    if (!Array.isArray(page.value))
      throw new MailerError('PROVIDER_UNAVAILABLE', 'Microsoft Graph answered a delta page without `value`.', { providerCode: 'noValue' });
    const next = typeof page['@odata.nextLink'] === 'string' ? checkedLink(page['@odata.nextLink'], options.graphUrl) : undefined;
    const delta = typeof page['@odata.deltaLink'] === 'string' ? checkedLink(page['@odata.deltaLink'], options.graphUrl) : undefined;
    if (!next && !delta)
      throw new MailerError('PROVIDER_UNAVAILABLE', 'Microsoft Graph answered a delta page with neither a nextLink nor a deltaLink.', {
        providerCode: 'noLink',
      });
    return { value: page.value as GraphItem[], ...(next ? { nextLink: next } : { deltaLink: delta }) };
  });
}

/** The first URL of a delta round: the saved deltaLink, or the resource with its `$select`. */
export function deltaStart(options: GraphPagingOptions, resource: 'users' | 'groups', select: string, deltaLink?: string): string {
  return deltaLink ? checkedLink(deltaLink, options.graphUrl) : `${options.graphUrl}/v1.0/${resource}/delta?$select=${select}`;
}

/**
 * One page of a delta round, throttling waited out within the bound. The URL is checked again, since
 * a resumed sync reads it back from storage.
 */
export function deltaPage(url: string, access: DirectoryAccess, options: GraphPagingOptions): Promise<GraphPage> {
  const target = checkedLink(url, options.graphUrl);
  return withThrottleWait(options.throttle, () => fetchPage(target, access, options));
}
