/**
 * Queue triggers as the Storage queues extension checks them, with its messages
 * (`QueueClientExtensions.ValidateQueueName` and the storage account provider of
 * Microsoft.Azure.WebJobs.Extensions.Storage; the texts are read from the copy of that assembly in
 * Azure/azure-functions-host test/WebJobs.Script.Tests.Integration/TestScripts/OutOfDateExtension/bin).
 * - Queue names: 3-63 characters, lower-case letters, digits and single dashes, starting and ending
 *   with a letter or digit (https://learn.microsoft.com/rest/api/storageservices/naming-queues-and-metadata).
 * - Connections: `connection` (default AzureWebJobsStorage) names an app setting holding a connection
 *   string, looked up as-is or with the "AzureWebJobs" prefix, or the prefix of identity-based
 *   settings `<name>__queueServiceUri` / `__serviceUri` / `__accountName`
 *   (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#connections,
 *   https://learn.microsoft.com/azure/azure-functions/functions-reference#configure-an-identity-based-connection).
 *   The extension's message names the setting it looked for; which of the two names it prints is not
 *   clear from the evidence, so ours prints the connection as written.
 * - Message encoding: host.json `extensions.queues.messageEncoding` (default base64) must be what our
 *   producers write: Base64 (shared/store/outboxQueue.ts `encodeQueueMessage`); anything else hands every
 *   trigger undecodable text (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#host-json).
 */
import { FunctionMetadata, triggerBinding } from './metadata';
import type { Violation } from './violation';

export type AppSettings = Readonly<Record<string, string | undefined>>;

const DEFAULT_CONNECTION = 'AzureWebJobsStorage';
const IDENTITY_QUEUE_SUFFIXES = ['__queueServiceUri', '__serviceUri', '__accountName'];

export function queueNameProblem(name: string): string | undefined {
  if (!name) return "A queue name can't be null or empty";
  if (name.length < 3 || name.length > 63) return `A queue name must be from 3 to 63 characters long - "${name}"`;
  if (name.startsWith('-') || name.endsWith('-')) return `The dash (-) character may not be the first or last letter - "${name}"`;
  if (name !== name.toLowerCase()) return `Queue names must be all lower case - "${name}"`;
  if (!/^[a-z0-9-]+$/.test(name)) return `A queue name can contain only letters, numbers, and dash(-) characters - "${name}"`;
  if (name.includes('--')) return 'A queue name cannot contain consecutive dash(-) characters.';
  return undefined;
}

export function connectionResolves(connection: string, settings: AppSettings): boolean {
  const prefixes = [connection, `AzureWebJobs${connection}`];
  const has = (name: string) => (settings[name] ?? '').trim() !== '';
  return prefixes.some((prefix) => has(prefix) || IDENTITY_QUEUE_SUFFIXES.some((suffix) => has(`${prefix}${suffix}`)));
}

export function queueViolations(functions: readonly FunctionMetadata[], settings: AppSettings): Violation[] {
  return functions.flatMap((fn) => {
    const binding = triggerBinding(fn);
    if (binding?.type !== 'queueTrigger') return [];
    const violations: Violation[] = [];
    const problem = queueNameProblem(String(binding.queueName ?? ''));
    if (problem) violations.push({ functionName: fn.name, rule: 'queue-name', message: problem });
    const connection = typeof binding.connection === 'string' && binding.connection ? binding.connection : DEFAULT_CONNECTION;
    if (!connectionResolves(connection, settings)) {
      violations.push({
        functionName: fn.name,
        rule: 'connection',
        message: `Storage account connection string '${connection}' does not exist. Make sure that it is a defined App Setting.`,
      });
    }
    return violations;
  });
}

/**
 * Triggers other than HTTP need the host's own storage, AzureWebJobsStorage: timers keep their schedule
 * status and their one-instance locks there, in blobs
 * (https://learn.microsoft.com/azure/azure-functions/functions-app-settings#azurewebjobsstorage,
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity:
 * a connection string, or `AzureWebJobsStorage__blobServiceUri` / `__accountName`). The host has no one
 * message for its absence; ours names the settings.
 */
export function hostStorageViolations(functions: readonly FunctionMetadata[], settings: AppSettings): Violation[] {
  const has = (name: string) => (settings[name] ?? '').trim() !== '';
  if ([DEFAULT_CONNECTION, `${DEFAULT_CONNECTION}__blobServiceUri`, `${DEFAULT_CONNECTION}__accountName`].some(has)) return [];
  return functions
    .filter((fn) => triggerBinding(fn)?.type === 'timerTrigger')
    .map((fn) => ({
      functionName: fn.name,
      rule: 'connection' as const,
      message: `The host's storage is not set: a timer needs AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__blobServiceUri.`,
    }));
}

/** The host's default queue message encoding, and the one our producers write. */
export const PRODUCED_ENCODING = 'base64';

export function encodingViolations(functions: readonly FunctionMetadata[], messageEncoding: string): Violation[] {
  if (messageEncoding.toLowerCase() === PRODUCED_ENCODING) return [];
  return functions
    .filter((fn) => triggerBinding(fn)?.type === 'queueTrigger')
    .map((fn) => ({
      functionName: fn.name,
      rule: 'message-encoding' as const,
      message: `host.json extensions.queues.messageEncoding is '${messageEncoding}', but the app writes Base64 queue messages: set it to 'base64'.`,
    }));
}
