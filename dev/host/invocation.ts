/**
 * What every trigger kind of the local host shares: the host's log sink, and the
 * `InvocationContext` a handler receives (its `context.log` goes to the same sink, prefixed with
 * the function name as the Functions host does).
 */
import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import { InvocationContext, TriggerMetadata } from '@azure/functions';

/** One line of host output; tests pass their own to capture everything the app logs. */
export type HostLog = (line: string) => void;

export const consoleLog: HostLog = (line) => console.log(line);

export function createInvocationContext(functionName: string, log: HostLog, triggerMetadata?: TriggerMetadata): InvocationContext {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    triggerMetadata,
    logHandler: (level, ...args) => log(`[${functionName}] ${level}: ${format(...args)}`),
  });
}

/** Rejects when `work` takes longer than `timeoutMs` (host.json functionTimeout). The work itself cannot be cancelled. */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} exceeded functionTimeout (${timeoutMs} ms)`)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A thrown value as one log line: the stack when there is one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : format(error);
}
