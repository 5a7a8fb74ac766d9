/**
 * Benchmark 5 at the size (bench/README.md): peak RSS of the pipeline while it takes
 * and delivers `messages` (2,000) under a latency profile (the `azure` one: the target is under
 * 200 MB). Measured on the app process alone, as a Functions instance runs it: a separate
 * `node dist/dev/host.js` (the app and the local host; no sandbox, no bench code, no Azurite, and
 * no `--enable-source-maps`, which on the bench's own 10 MB bundle and its 20 MB map adds ~200 MB
 * by itself) serves the messages API the bench enqueues through AND runs the outbox worker, as one
 * instance does both. Its RSS comes from /proc/<pid>/status: VmRSS sampled every 50 ms, and VmHWM,
 * the kernel's own high-water mark, which no sample can miss
 * (https://man7.org/linux/man-pages/man5/proc_pid_status.5.html). A preloaded probe (`--require`
 * of a file the bench writes, so the app is untouched) reports process.memoryUsage() every 250 ms (where the
 * RSS goes: V8 heap, external, array buffers) and, on SIGUSR2 at the end, the heap after a full GC
 * (what the run kept). The same run gives the token and Key Vault counts per sender.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LocalHost } from '../dev/host/localHost';
import { freePort } from '../dev/stack';
import {
  callCounts,
  CallCounts,
  clearRequestLog,
  connectSender,
  enqueue,
  MAILBOXES,
  newOrgId,
  prepareSandbox,
  sandboxControl,
} from './app';
import { RATE_ENV } from './delivery';
import { MiB, progress, statusMiB, waitFor } from './measure';
import type { LatencyProfile } from './profiles';

export interface MemoryOptions {
  messages: number;
  profile: LatencyProfile;
}

/** process.memoryUsage() of the worker process, in MiB. */
export interface MemorySample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface MemoryResult extends Omit<MemoryOptions, 'profile'> {
  /** The worker process: RSS once it listened (before any message), the highest sample, and VmHWM (MiB). */
  workerStartRssMiB: number;
  workerSampledPeakRssMiB: number;
  workerPeakRssMiB: number;
  /** The probe's sample with the highest RSS, and the heap after a full GC at the end (undefined if the probe did not answer). */
  atPeak?: MemorySample;
  afterGc?: MemorySample;
  /** From the first enqueue request until the sandbox had every message. */
  wallMs: number;
  /** One sender sent every message: the counts (its save and test send included) are per sender. */
  senders: number;
  calls: CallCounts;
  /** This (measuring) process's RSS, for comparison: the bench bundle with the in-process hosts. */
  benchProcessRssMiB: number;
}

/**
 * The probe, preloaded with --require (not --import: that would load the bundle through the ESM
 * loader, which on a 7 MB CommonJS file added ~45 MB at start): prints `memprobe {json}` every
 * 250 ms, and `memprobe-gc {json}` after a full GC on SIGUSR2 (needs --expose-gc).
 */
const PROBE_SOURCE =
  'const out=(tag)=>process.stderr.write(tag+" "+JSON.stringify(process.memoryUsage())+"\\n");' +
  'setInterval(()=>out("memprobe"),250).unref();' +
  'process.on("SIGUSR2",()=>{globalThis.gc();out("memprobe-gc")});\n';

function probeFile(): string {
  const file = join(tmpdir(), `org-mailer-bench-memprobe-${process.pid}.cjs`);
  writeFileSync(file, PROBE_SOURCE);
  return file;
}
const PROBE_LINE = /^(memprobe|memprobe-gc) (\{.*\})$/gm;

const toMiB = (m: Record<keyof MemorySample, number>): MemorySample => ({
  rss: m.rss / MiB,
  heapTotal: m.heapTotal / MiB,
  heapUsed: m.heapUsed / MiB,
  external: m.external / MiB,
  arrayBuffers: m.arrayBuffers / MiB,
});

const RUN_TIMEOUT_MS = 420_000;

const readStatus = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
};

const accepted = async () =>
  (await sandboxControl<unknown[]>('GET', `messages?provider=microsoft&mailbox=${encodeURIComponent(MAILBOXES.flood)}`)).length;

export async function benchMemory(options: MemoryOptions): Promise<MemoryResult> {
  const n = options.messages;
  await prepareSandbox(options.profile);
  await clearRequestLog();
  const port = await freePort();
  const probe = probeFile();
  const worker = spawn(process.execPath, ['--expose-gc', '--require', probe, resolve('dist/dev/host.js')], {
    env: { ...process.env, ...RATE_ENV, ORG_MAILER_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let atPeak: MemorySample | undefined;
  let afterGc: MemorySample | undefined;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    for (const [, tag, json] of text.matchAll(PROBE_LINE)) {
      const sample = toMiB(JSON.parse(json));
      if (tag === 'memprobe-gc') afterGc = sample;
      else if (!atPeak || sample.rss > atPeak.rss) atPeak = sample;
    }
    output = (output + text.replace(PROBE_LINE, '')).slice(-4000);
  };
  worker.stdout!.on('data', keep);
  worker.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, statusMiB(readStatus(worker.pid!), 'VmRSS') ?? 0)), 50);
  try {
    await waitFor(
      'the worker process to listen',
      () => (output.includes('listening on') ? true : worker.exitCode !== null ? Promise.reject(new Error('exited')) : undefined),
      60_000,
      20,
    );
    const workerStartRssMiB = statusMiB(readStatus(worker.pid!), 'VmRSS') ?? 0;
    const host = { url: `http://localhost:${port}` } as LocalHost;
    const orgId = newOrgId('mem');
    await connectSender(host, orgId, MAILBOXES.flood);
    await sandboxControl('DELETE', 'messages');
    const started = Date.now();
    await enqueue(
      host,
      orgId,
      Array.from({ length: n }, (_, i) => `m-${i}`),
    );
    progress(`memory: ${n} messages enqueued through the worker process's API in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await waitFor(
      `${n} messages sent by the worker process`,
      async () => ((await accepted()) >= n ? true : undefined),
      RUN_TIMEOUT_MS,
      500,
    );
    const wallMs = Date.now() - started;
    const status = readStatus(worker.pid!);
    peak = Math.max(peak, statusMiB(status, 'VmRSS') ?? 0);
    worker.kill('SIGUSR2');
    await waitFor("the probe's heap after a full GC", () => (afterGc ? true : undefined), 10_000, 20).catch(() => undefined);
    return {
      messages: n,
      workerStartRssMiB,
      workerSampledPeakRssMiB: peak,
      workerPeakRssMiB: statusMiB(status, 'VmHWM') ?? peak,
      atPeak,
      afterGc,
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
    rmSync(probe, { force: true });
  }
}
