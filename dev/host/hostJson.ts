/**
 * The parts of host.json the local host honours, with the Functions defaults for anything absent:
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#host-json
 * (batchSize 16, newBatchThreshold batchSize/2 per core, maxDequeueCount 5, visibilityTimeout 0,
 * maxPollingInterval 1 minute, messageEncoding base64) and `functionTimeout` (5 minutes on Consumption).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface QueueSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  /** How long a failed message stays hidden before its next try. */
  visibilityTimeoutMs: number;
  /** The longest wait between polls of an idle queue. */
  maxPollingIntervalMs: number;
  /** How the host decodes message text: "base64" (default) or "none". */
  messageEncoding: string;
}

export interface HostSettings {
  queues: QueueSettings;
  /** `extensions.http.routePrefix`, default "api". */
  routePrefix: string;
  functionTimeoutMs: number;
}

/** A .NET TimeSpan ("00:00:10", "1.02:03:04.5") in milliseconds; host.json also allows plain milliseconds for maxPollingInterval. */
export function parseTimeSpan(value: string | number, setting: string): number {
  if (typeof value === 'number') return value;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new Error(`host.json: ${setting} "${value}" is not a TimeSpan like 00:00:10`);
  const [, days = '0', hours, minutes, seconds, fraction = '0'] = match;
  return (
    ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    Math.round(Number(`0.${fraction}`) * 1000)
  );
}

export function readHostSettings(path = resolve(process.cwd(), 'host.json')): HostSettings {
  const json = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  const q = json.extensions?.queues ?? {};
  const batchSize = Math.min(32, Math.max(1, q.batchSize ?? 16));
  return {
    queues: {
      batchSize,
      newBatchThreshold: q.newBatchThreshold ?? Math.floor(batchSize / 2),
      maxDequeueCount: q.maxDequeueCount ?? 5,
      visibilityTimeoutMs: q.visibilityTimeout === undefined ? 0 : parseTimeSpan(q.visibilityTimeout, 'visibilityTimeout'),
      maxPollingIntervalMs: q.maxPollingInterval === undefined ? 60_000 : parseTimeSpan(q.maxPollingInterval, 'maxPollingInterval'),
      messageEncoding: q.messageEncoding ?? 'base64',
    },
    routePrefix: json.extensions?.http?.routePrefix ?? 'api',
    functionTimeoutMs: json.functionTimeout ? parseTimeSpan(json.functionTimeout, 'functionTimeout') : 5 * 60_000,
  };
}
