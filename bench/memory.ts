/**
 * Benchmark 5 at the size (README "Benchmarks"): peak RSS of the pipeline while it delivers
 * `messages` (2,000) under a latency profile (the `azure` one: the target is under 200 MB). Measured
 * on the app process alone, as the Functions worker would run it: the worker is a separate
 * `node dist/dev/host.js` (the app and the local host, no sandbox, no bench code, no Azurite, and
 * no `--enable-source-maps`, which on the bench's own 10 MB bundle and its 20 MB map adds ~200 MB
 * by itself), so nothing of the measuring process counts. Its RSS is read from /proc/<pid>/status:
 * VmRSS sampled every 50 ms, and VmHWM, the kernel's own high-water mark (no sample can miss it;
 * https://man7.org/linux/man-pages/man5/proc_pid_status.5.html). The same run gives the token and
 * Key Vault counts per sender (one sender sends all `messages`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalHost } from '../dev/host/localHost';
import { freePort } from '../dev/stack';
import { callCounts, CallCounts, clearRequestLog, connectSender, enqueue, MAILBOXES, newOrgId, prepareSandbox, sandboxControl } from './app';
import { BENCH_RATE_PER_MINUTE, CONCURRENCY } from './delivery';
import { MiB, progress, sleep, statusMiB, waitFor } from './measure';
import type { LatencyProfile } from './profiles';

export interface MemoryOptions {
  messages: number;
  profile: LatencyProfile;
}

export interface MemoryResult extends Omit<MemoryOptions, 'profile'> {
  /** The worker process: RSS once it listened (before its first batch), the highest sample, and VmHWM (MiB). */
  workerStartRssMiB: number;
  workerSampledPeakRssMiB: number;
  workerPeakRssMiB: number;
  /** From the worker's start until the sandbox had every message. */
  wallMs: number;
  /** One sender sent every message: the counts are per sender. */
  senders: number;
  calls: CallCounts;
  /** This (measuring) process's RSS, for comparison: the bench bundle with the in-process hosts. */
  benchProcessRssMiB: number;
}

const RATE_ENV = { MICROSOFT_MAILBOX_RATE_PER_MINUTE: String(BENCH_RATE_PER_MINUTE), MAILBOX_CONCURRENCY: String(CONCURRENCY) };
const RUN_TIMEOUT_MS = 420_000;

const readStatus = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
};

const accepted = async () => (await sandboxControl<unknown[]>('GET', `messages?provider=microsoft&mailbox=${encodeURIComponent(MAILBOXES.flood)}`)).length;

export async function benchMemory(options: MemoryOptions): Promise<MemoryResult> {
  const n = options.messages;
  await prepareSandbox(options.profile);
  const orgId = newOrgId('mem');
  const setup = await startLocalHost({ port: 0, env: RATE_ENV, queues: false, timers: false, log: () => undefined });
  const enqueueStart = Date.now();
  try {
    await connectSender(setup, orgId, MAILBOXES.flood);
    await enqueue(setup, orgId, Array.from({ length: n }, (_, i) => `m-${i}`));
  } finally {
    await setup.close();
  }
  progress(`memory: ${n} messages enqueued; starting the worker process`);
  // As in the delivery benchmark: let the last slot come due, so the worker sends at once.
  await sleep(Math.max(0, enqueueStart + (n * 60_000) / BENCH_RATE_PER_MINUTE + 1500 - Date.now()));
  await sandboxControl('DELETE', 'messages');
  await clearRequestLog();

  const port = await freePort();
  const started = Date.now();
  const worker = spawn(process.execPath, [resolve('dist/dev/host.js')], {
    env: { ...process.env, ...RATE_ENV, ORG_MAILER_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000));
  worker.stdout!.on('data', keep);
  worker.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, statusMiB(readStatus(worker.pid!), 'VmRSS') ?? 0)), 50);
  try {
    await waitFor('the worker process to listen', () => (output.includes('listening on') ? true : worker.exitCode !== null ? Promise.reject(new Error(output)) : undefined), 60_000, 20);
    const workerStartRssMiB = statusMiB(readStatus(worker.pid!), 'VmRSS') ?? 0;
    await waitFor(`${n} messages sent by the worker process`, async () => ((await accepted()) >= n ? true : undefined), RUN_TIMEOUT_MS, 500);
    const wallMs = Date.now() - started;
    const status = readStatus(worker.pid!);
    peak = Math.max(peak, statusMiB(status, 'VmRSS') ?? 0);
    return {
      messages: n,
      workerStartRssMiB,
      workerSampledPeakRssMiB: peak,
      workerPeakRssMiB: statusMiB(status, 'VmHWM') ?? peak,
      wallMs,
      senders: 1,
      calls: await callCounts(),
      benchProcessRssMiB: process.memoryUsage().rss / MiB,
    };
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- worker output (tail) ---\n${output}`);
  } finally {
    clearInterval(sampler);
    if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGTERM');
    await exited;
  }
}
