/**
 * Local host PROCESSES (dist/dev/host.js), several at once on one Azurite and one sandbox: what
 * production looks like when Flex Consumption scales out to several instances. Used by the scale-out
 * integration test and `bench/scaleOut.ts`. Each process gets the caller's environment (stack
 * settings, NODE_EXTRA_CA_CERTS) plus `env`, and its own free port.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../stack';

export interface HostProcess {
  /** e.g. http://localhost:40123 (routes under /api). */
  url: string;
  pid: number;
  /** Every line the process printed so far. */
  lines(): string[];
  /** How many outbox messages this process logged as `sent`. */
  sent(): number;
  /** The outbox worker's outcomes this process logged (`sent`, `deferred`, `retrying`...), counted. */
  outcomes(): Record<string, number>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** The outbox worker's log line for a finished message, on either lane: `[outbox] information: outbox: org/id sent (dequeue 1)` (or `[outboxExpress]`). */
const OUTCOME_LINE = /^\[outbox(?:Express)?\] \w+: outbox: \S+ (\w+) \(dequeue/;
const START_TIMEOUT_MS = 60_000;

export async function startHostProcess(env: Record<string, string>, root = process.cwd()): Promise<HostProcess> {
  const entry = resolve(root, 'dist/dev/host.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run node dev/build.mjs first`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', entry], {
    cwd: root,
    env: { ...process.env, ...env, ORG_MAILER_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const keep = (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const outcomes = () => {
    const counts: Record<string, number> = {};
    for (const line of lines) {
      const outcome = OUTCOME_LINE.exec(line)?.[1];
      if (outcome) counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    return counts;
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!lines.some((l) => l.includes('local host listening on'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`host process did not start:\n${lines.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://localhost:${port}`,
    pid: child.pid!,
    lines: () => lines,
    sent: () => outcomes().sent ?? 0,
    outcomes,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Starts `count` host processes side by side. */
export function startHostProcesses(count: number, env: Record<string, string>, root?: string): Promise<HostProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startHostProcess(env, root)));
}
