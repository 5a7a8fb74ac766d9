/**
 * The benchmark's own stack, as `npm test` builds it (dev/test-runner.ts): the sandbox (ephemeral
 * ports) in this process, Azurite in memory on free ports (a fresh one per benchmark), and each
 * benchmark in a child process with the settings and the sandbox CA in its environment. Besides
 * the child's own figures it records the CPU the sandbox (this process) and Azurite spent
 * meanwhile: on one 2-core machine they compete with the app, which explains part of any gap.
 */
import { ChildProcess, fork } from 'node:child_process';
import { freePort, readLocalSettings, stackSettings, startAzurite, startSandbox, StoragePorts } from '../dev/stack';
import { startStorageProxy, StorageProxy } from '../dev/storage-proxy';
import type { Sandbox } from '../dev/sandbox/server';
import type { ChildResult, ChildTask } from './child';
import { addFloodMailboxes } from './mailboxes';
import { processCpuMs } from './measure';

export type StorageService = keyof StoragePorts;
const STORAGE_SERVICES: readonly StorageService[] = ['queue', 'table', 'blob'];

/** What one child run cost outside the child: CPU of the sandbox (this process) and of Azurite. */
export interface SideCosts {
  sandboxCpuMs: number;
  /** Undefined where /proc is not readable. */
  azuriteCpuMs?: number;
  /** Requests each Storage service received during the child's whole run (its set-up included), from the proxy. */
  storageRequests: Record<StorageService, number>;
}

/** The argument that makes `run.ts` act as a benchmark child. */
export const CHILD_FLAG = '--bench-child';

/**
 * Any single benchmark child is killed after this, so a stuck run ends. 10 minutes: on the shared
 * machine at a load average of 20, the fairness flood's enqueue alone ran at ~2.5 messages/s.
 */
const CHILD_TIMEOUT_MS = 10 * 60_000;

/**
 * A fresh Azurite with a proxy in front of each of its services (dev/storage-proxy.ts): the app
 * gets the proxies' ports, so every Storage request is counted per service and, under the `azure`
 * profile, delayed by `delayMs` (bench/profiles.ts) as a request to a real account would be.
 */
async function freshAzurite(
  delayMs: number,
): Promise<{ azurite: ChildProcess; ports: StoragePorts; proxies: Record<StorageService, StorageProxy> }> {
  const direct: StoragePorts = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  const azurite = await startAzurite(direct);
  const proxies = {} as Record<StorageService, StorageProxy>;
  for (const service of STORAGE_SERVICES) proxies[service] = await startStorageProxy(direct[service], { delayMs });
  return { azurite, proxies, ports: { blob: proxies.blob.port, queue: proxies.queue.port, table: proxies.table.port } };
}

const needsSourceMaps = (task: ChildTask) => task.kind === 'delivery' && task.options.cpuProfile === true;

export class BenchStack {
  private constructor(
    private readonly sandbox: Sandbox,
    private readonly onProgress: (line: string) => void,
  ) {}

  static async start(onProgress: (line: string) => void): Promise<BenchStack> {
    return new BenchStack(
      await startSandbox({ ports: { entra: 0, graph: 0, googleAccounts: 0, googleOAuth: 0, gmail: 0, keyVault: 0 } }),
      onProgress,
    );
  }

  /** Runs one benchmark in a fresh child process; returns its result and what the stack spent meanwhile. */
  async run<T extends ChildResult>(task: ChildTask, storageDelayMs = 0): Promise<{ result: T; side: SideCosts }> {
    // A fresh, empty Azurite per benchmark: its in-memory store gets slower as it fills (README,
    // Benchmarks), so one benchmark's leftovers must not slow the next.
    const { azurite, ports, proxies } = await freshAzurite(storageDelayMs);
    addFloodMailboxes(this.sandbox);
    try {
      const measured = await this.runChild<T>(task, azurite, {
        ...process.env,
        ...readLocalSettings(),
        ...stackSettings(this.sandbox.urls, ports),
        // The test helpers the bench reuses find the sandbox through this.
        SANDBOX_URLS: JSON.stringify(this.sandbox.urls),
      });
      const storageRequests = Object.fromEntries(STORAGE_SERVICES.map((service) => [service, proxies[service].forwarded])) as Record<
        StorageService,
        number
      >;
      return { result: measured.result, side: { ...measured.side, storageRequests } };
    } finally {
      await Promise.all(STORAGE_SERVICES.map((service) => proxies[service].close()));
      azurite.kill();
    }
  }

  private async runChild<T extends ChildResult>(
    task: ChildTask,
    azurite: ChildProcess,
    env: NodeJS.ProcessEnv,
  ): Promise<{ result: T; side: Omit<SideCosts, 'storageRequests'> }> {
    const sandboxCpu = process.cpuUsage();
    const azuriteCpu = processCpuMs(azurite.pid);
    const child = fork(process.argv[1], [CHILD_FLAG, JSON.stringify(task)], {
      env,
      // --expose-gc: the memory figures tell retained heap from garbage (measure.ts). Source maps only
      // where a figure needs them (the CPU profile maps frames to sources): on this 10 MB bundle and
      // its 20 MB map they add ~200 MB of RSS before any message (bench/README.md, memory).
      execArgv: [...(needsSourceMaps(task) ? ['--enable-source-maps'] : []), '--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Kept to explain a failure; the app's test-mode warnings are noise otherwise.
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-8000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);

    const reply = await new Promise<{ ok: true; result: T } | { ok: false; error: string }>((resolveReply) => {
      const timer = setTimeout(() => {
        child.kill();
        resolveReply({ ok: false, error: `timed out after ${CHILD_TIMEOUT_MS} ms` });
      }, CHILD_TIMEOUT_MS);
      child.on('message', (message: { progress?: string }) => {
        if (message.progress !== undefined) return this.onProgress(message.progress);
        clearTimeout(timer);
        resolveReply(message as { ok: true; result: T });
      });
      // 'close' comes after the IPC channel is drained, so a reply is never mistaken for silence.
      child.once('close', (code) => {
        clearTimeout(timer);
        resolveReply({ ok: false, error: `exited with code ${code} before answering` });
      });
    });
    await new Promise<void>((resolveExit) =>
      child.exitCode === null && child.signalCode === null ? child.once('exit', () => resolveExit()) : resolveExit(),
    );
    const sandboxUsed = process.cpuUsage(sandboxCpu);
    const azuriteAfter = processCpuMs(azurite.pid);
    if (!reply.ok) throw new Error(`benchmark ${JSON.stringify(task)} failed: ${reply.error}\n--- child output (tail) ---\n${output}`);
    return {
      result: reply.result,
      side: {
        sandboxCpuMs: (sandboxUsed.user + sandboxUsed.system) / 1000,
        azuriteCpuMs: azuriteCpu !== undefined && azuriteAfter !== undefined ? azuriteAfter - azuriteCpu : undefined,
      },
    };
  }

  async close(): Promise<void> {
    await this.sandbox.close();
  }
}
