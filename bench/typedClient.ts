/**
 * Benchmark 1b: the typed-client path (shared/client/index.ts). A SaaS backend puts messages
 * straight on the `outbox` queue with `OrgMailerClient.send`, no API request per message; the
 * worker takes them from there. Measured: Storage requests per delivered message at the stack's
 * proxy (the sender's set-up, the client's enqueue and the worker, as benchmark 1 counts the API
 * path), and the worker's wall time.
 *
 * The app under test is a built tree given by `appDir`: its own `dist/dev/host.js` runs as the
 * worker process (in `appDir`, so its own host.json applies) and its own `dist/client/index.js`
 * enqueues. So the same measurement serves this tree and a `--baseline` one (bench/baseline.ts)
 * on one stack.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { LocalHost } from '../dev/host/localHost';
import { freePort } from '../dev/stack';
import { clearRequestLog, connectSender, MAILBOXES, message, newOrgId, prepareSandbox, sandboxControl } from './app';
import { RATE_ENV } from './delivery';
import { inParallel, waitFor } from './measure';
import type { LatencyProfile } from './profiles';

export interface TypedClientOptions {
  /** The root of a built tree (`npm run build` done there). */
  appDir: string;
  messages: number;
  profile: LatencyProfile;
}

export interface TypedClientResult {
  messages: number;
  /** From the first `send` until the sandbox had every message. */
  wallMs: number;
}

/** What this bench needs of the typed client; its constructor takes a connection string (ExternalStorageOptions). */
interface TypedClient {
  send(orgId: string, message: unknown): Promise<unknown>;
}
type TypedClientModule = { OrgMailerClient: new (options: { connectionString: string }) => TypedClient };

/** Sends the client keeps in flight at once, as the API benchmarks keep 16 requests. */
const SEND_CONCURRENCY = 16;
const LISTEN_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = 300_000;

const accepted = async () =>
  (await sandboxControl<unknown[]>('GET', `messages?provider=microsoft&mailbox=${encodeURIComponent(MAILBOXES.flood)}`)).length;

/** `appDir`'s local host as a process of its own on a free port; ends with this process. */
async function startHostProcess(appDir: string): Promise<{ host: LocalHost; stop(): Promise<void>; output(): string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(appDir, 'dist/dev/host.js')], {
    cwd: appDir,
    env: { ...process.env, ...RATE_ENV, ORG_MAILER_PORT: String(port), ORG_MAILER_EXIT_WITH_PARENT: '1' },
    // stdin a pipe: with ORG_MAILER_EXIT_WITH_PARENT the host leaves when it closes (this process ended).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      `the host process of ${appDir} to listen`,
      () => (output.includes('listening on') ? true : child.exitCode !== null ? Promise.reject(new Error('exited')) : undefined),
      LISTEN_TIMEOUT_MS,
      20,
    );
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- host output (tail) ---\n${output}`);
  }
  return { host: { url: `http://127.0.0.1:${port}` } as LocalHost, stop, output: () => output };
}

export async function benchTypedClient(options: TypedClientOptions): Promise<TypedClientResult> {
  const n = options.messages;
  await prepareSandbox(options.profile);
  const worker = await startHostProcess(options.appDir);
  try {
    const orgId = newOrgId('typed');
    await connectSender(worker.host, orgId, MAILBOXES.flood);
    await sandboxControl('DELETE', 'messages');
    await clearRequestLog();
    const { OrgMailerClient } = createRequire(join(options.appDir, 'package.json'))('./dist/client/index.js') as TypedClientModule;
    const client = new OrgMailerClient({ connectionString: process.env.AzureWebJobsStorage ?? '' });
    const ids = Array.from({ length: n }, (_, i) => `t-${i}`);
    const started = Date.now();
    await inParallel(ids, SEND_CONCURRENCY, async (id) => {
      await client.send(orgId, message(id));
    });
    await waitFor(`${n} typed-client messages sent`, async () => ((await accepted()) >= n ? true : undefined), RUN_TIMEOUT_MS, 200);
    const wallMs = Date.now() - started;
    const sent = await accepted();
    if (sent !== n) throw new Error(`typed client: the sandbox accepted ${sent} messages, expected ${n}`);
    return { messages: n, wallMs };
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- host output (tail) ---\n${worker.output()}`);
  } finally {
    await worker.stop();
  }
}
