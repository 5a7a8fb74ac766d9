/**
 * One webhook POST: to the address that was checked (pinned through `lookup`, so DNS cannot swap it
 * after the SSRF check), with an overall deadline, no redirects (node:https never follows them; a
 * 3xx is simply not 2xx), and at most 64 KiB of the answer read, then the socket is dropped. The
 * answer body is never kept, logged or returned: only the status code.
 * https://nodejs.org/api/http.html#httprequesturl-options-callback (`lookup`), https://nodejs.org/api/net.html#socketconnectoptions-connectlistener
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { MAX_RESPONSE_BYTES } from './model';
import type { ResolvedAddress } from './urlSafety';

export interface PostResult {
  statusCode?: number;
  /** `timeout`, `connection refused`, ... when there was no HTTP answer. */
  error?: string;
  durationMs: number;
}

export interface PostOptions {
  url: URL;
  address: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Ends the POST as a `timeout` when it aborts, in place of `timeoutMs` (tests: a deadline they fire). */
  deadline?: AbortSignal;
  /** Extra trusted CA certificates (PEM): tests only, for a receiver with a locally issued certificate. */
  ca?: string | string[];
}

export type Poster = (options: PostOptions) => Promise<PostResult>;

const ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  CERT_HAS_EXPIRED: 'certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host',
};

export const postWebhook: Poster = (options) =>
  new Promise<PostResult>((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (result: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      deadline.removeEventListener('abort', onDeadline);
      resolve({ ...result, durationMs: Math.round(performance.now() - started) });
    };
    const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
      const { address, family } = options.address;
      if ((lookupOptions as { all?: boolean }).all)
        (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [{ address, family }]);
      else callback(null, address, family);
    };
    const { url } = options;
    const secure = url.protocol === 'https:';
    const req = (secure ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      lookup: pinned,
      agent: false,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    const deadline = options.deadline ?? AbortSignal.timeout(options.timeoutMs);
    function onDeadline() {
      finish({ error: 'timeout' });
      req.destroy();
    }
    if (deadline.aborted) onDeadline();
    else deadline.addEventListener('abort', onDeadline);
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        // Enough: the status is all we use. Drop the rest unread.
        if (read > MAX_RESPONSE_BYTES) {
          finish({ statusCode: res.statusCode });
          res.destroy();
          req.destroy();
        }
      });
      res.on('end', () => finish({ statusCode: res.statusCode }));
      res.on('error', () => finish({ statusCode: res.statusCode }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish({ error: ERRORS[error.code ?? ''] ?? 'connection failed' }));
    req.end(options.body);
  });
