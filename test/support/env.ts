/** What the test runner (dev/test-runner.ts) tells the tests about the running stack. */
import type { ServiceName } from '../../dev/sandbox/server';

export const sandboxUrls: Record<ServiceName, string> = JSON.parse(process.env.SANDBOX_URLS ?? '{}');

/** Calls the sandbox control API (`/_sandbox/...`) on the Entra origin (any origin answers it). */
export async function sandboxControl<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandboxUrls.entra}/_sandbox/${path.replace(/^\//, '')}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sandbox control ${method} ${path}: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A response body as JSON, or undefined when it is empty or not JSON (tests assert on both). */
export function jsonOrUndefined(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
