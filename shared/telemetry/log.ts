/**
 * Structured log lines: one line per meaningful event, always the same fields, written through the
 * Functions host's logger (`context.log`), so they reach Application Insights `traces` with the
 * invocation id (https://learn.microsoft.com/en-us/azure/azure-functions/functions-reference-node#logging).
 *
 * A line is `mailer.<event> {json}`, and the JSON holds ONLY the fields of `LogFields`: the type and
 * the `pick` below are the whitelist, so an address list, a token or a body cannot ride along.
 * Query: traces | where message startswith "mailer." | extend f = parse_json(substring(message, indexof(message, "{")))
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ErrorCode } from '../errors';

export interface LogFields {
  orgId?: string;
  messageId?: string;
  provider?: string;
  mode?: string;
  code?: ErrorCode | string;
  attempt?: number;
  durationMs?: number;
  /** Delivery status after the event, sender status after a state change. */
  status?: string;
  via?: 'org' | 'default';
  delayMs?: number;
  /** Webhook endpoint or directory connection id (opaque ids, never URLs). */
  targetId?: string;
}

export const LOG_FIELDS = [
  'orgId',
  'messageId',
  'provider',
  'mode',
  'code',
  'attempt',
  'durationMs',
  'status',
  'via',
  'delayMs',
  'targetId',
] as const satisfies readonly (keyof LogFields)[];

export type LogLevel = 'info' | 'warn';

/** The invocation a line belongs to: its id and the host logger to write through. */
export interface InvocationLog {
  invocationId: string;
  log(message: string): void;
  warn(message: string): void;
}

const invocations = new AsyncLocalStorage<InvocationLog>();
const listeners = new Set<(line: string, level: LogLevel) => void>();

/** Runs `work` with `invocation` as the target of every structured line it logs. */
export function withInvocationLog<T>(invocation: InvocationLog, work: () => T): T {
  return invocations.run(invocation, work);
}

/** The line for an event: only whitelisted fields, in a fixed order. */
export function formatEvent(event: string, fields: LogFields & { invocationId?: string }): string {
  const picked: Record<string, unknown> = {};
  for (const key of LOG_FIELDS) if (fields[key] !== undefined) picked[key] = fields[key];
  if (fields.invocationId) picked.invocationId = fields.invocationId;
  return `mailer.${event} ${JSON.stringify(picked)}`;
}

/** Writes one structured line through the current invocation's logger (and to test listeners). */
export function logEvent(event: string, fields: LogFields, level: LogLevel = 'info'): void {
  const invocation = invocations.getStore();
  const line = formatEvent(event, { ...fields, invocationId: invocation?.invocationId });
  if (invocation) (level === 'warn' ? invocation.warn : invocation.log)(line);
  for (const listener of listeners) listener(line, level);
}

/** Tests and the local summary: hear every structured line. Returns the unsubscribe. */
export function onLogEvent(listener: (line: string, level: LogLevel) => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
