/**
 * What the benchmark children measure with: wall time, this process's CPU (process.cpuUsage) and
 * peak memory over one measured window, Storage requests, bounded waits, a bounded worker pool,
 * and percentiles.
 */
import { spawnSync } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Usage {
  wallMs: number;
  /** User + system CPU of this process during the window. */
  cpuMs: number;
  /** Memory when the window opened, and the highest sample during it (MiB). */
  baseRssMiB: number;
  peakRssMiB: number;
  baseHeapMiB: number;
  peakHeapMiB: number;
  /**
   * Heap still in use after a full GC at the end, minus the same at the start (needs --expose-gc,
   * which the bench gives its children): what the run kept, as opposed to garbage not yet collected.
   */
  retainedHeapMiB?: number;
}

/** A full collection when the process runs with --expose-gc; the heap used afterwards. */
function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed;
}

export const MiB = 1024 * 1024;

/**
 * Opens a measured window. Memory is sampled every `everyMs` (a sample costs microseconds); the
 * peak between two samples can be missed, so the figure is a lower bound of the true peak.
 */
export function startMeter(everyMs = 50): { stop(): Usage } {
  const settledHeap = heapAfterGc();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  };
  const timer = setInterval(sample, everyMs);
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  return {
    stop() {
      const wallMs = performance.now() - wallStart;
      const cpu = process.cpuUsage(cpuStart);
      clearInterval(timer);
      sample();
      const endHeap = heapAfterGc();
      return {
        wallMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        baseRssMiB: base.rss / MiB,
        peakRssMiB: peakRss / MiB,
        baseHeapMiB: base.heapUsed / MiB,
        peakHeapMiB: peakHeap / MiB,
        retainedHeapMiB: settledHeap !== undefined && endHeap !== undefined ? (endHeap - settledHeap) / MiB : undefined,
      };
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value; throws after `timeoutMs` (every bench loop is bounded). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`benchmark gave up waiting for ${what} after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Runs `task` for every item, at most `concurrency` at a time; the first failure stops the rest. */
export async function inParallel<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (!failed && next < items.length) {
        const item = items[next++];
        try {
          await task(item);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
}

/** Nearest-rank percentile (p in 0-100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A progress line for the person running the bench (the parent prints it on stderr). */
export function progress(line: string): void {
  process.send?.({ progress: line });
}

/** Storage endpoints of the AzureWebJobsStorage connection string, by `host:port`. */
function storageHosts(connectionString: string): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const match = /^(Blob|Queue|Table)Endpoint=(.+)$/.exec(part);
    if (match) hosts.set(new URL(match[2]).host, match[1].toLowerCase());
  }
  return hosts;
}

const HTTP_REQUEST_START = 'http.client.request.start';

/**
 * Counts the Storage requests this process makes (`queue GET`, `table POST`...), through Node's
 * http client diagnostics channel (https://nodejs.org/docs/latest-v20.x/api/diagnostics_channel.html#http):
 * the app and its SDKs stay untouched.
 */
export function countStorageRequests(connectionString = process.env.AzureWebJobsStorage ?? ''): { stop(): Record<string, number> } {
  const hosts = storageHosts(connectionString);
  const counts: Record<string, number> = {};
  const onStart = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    const service = hosts.get(String(request.getHeader('host') ?? ''));
    if (!service) return;
    const key = `${service} ${request.method}`;
    counts[key] = (counts[key] ?? 0) + 1;
  };
  subscribe(HTTP_REQUEST_START, onStart);
  return {
    stop() {
      unsubscribe(HTTP_REQUEST_START, onStart);
      return counts;
    },
  };
}

/**
 * What a FIFO queue would have made a message wait: behind every one of the `unsent` messages
 * queued before it, drained at the mailboxes' combined rate or the worker's measured throughput,
 * whichever is lower (a FIFO has no schedule, but the per-mailbox rate and the worker still bind).
 */
export function fifoWaitSeconds(input: { unsent: number; mailboxes: number; ratePerMinute: number; workerPerSecond?: number }): number {
  const byRate = (input.mailboxes * input.ratePerMinute) / 60;
  const drain = input.workerPerSecond && input.workerPerSecond > 0 ? Math.min(byRate, input.workerPerSecond) : byRate;
  return input.unsent / drain;
}

/** The quiet org's own floor: its mailbox's rate spaces its `quiet` messages one slot apart, so the last cannot go sooner. */
export const ownRateFloorMs = (quiet: number, ratePerMinute: number) => (Math.max(0, quiet - 1) * 60_000) / ratePerMinute;

/** The flood messages, org by org in turn (flood-0 of every org, then flood-1...), so every mailbox's schedule fills alike. */
export function interleavedFlood(orgs: readonly string[], perOrg: number): Array<{ orgId: string; id: string }> {
  return Array.from({ length: perOrg }, (_, i) => orgs.map((orgId) => ({ orgId, id: `flood-${i}` }))).flat();
}

/** Slots come every 60/rate s from a mailbox's first reservation: how many of `flood` were due `elapsedMs` after it. */
export const dueByRate = (elapsedMs: number, flood: number, ratePerMinute: number) =>
  elapsedMs < 0 ? 0 : Math.min(flood, Math.floor((elapsedMs * ratePerMinute) / 60_000) + 1);

/** A field of /proc/<pid>/status in MiB (the kernel gives kB), or undefined once the process is gone. */
export function statusMiB(status: string, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? (Number(match[1]) * 1024) / MiB : undefined;
}

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** User + system CPU of another process, from /proc/<pid>/stat (fields 14 and 15). */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
