/**
 * Benchmarks 1, 2 and 5 (bench/README.md), one variant per child process so CPU and memory
 * figures do not leak from one variant into the next:
 * - `pipeline`: the real thing. Messages enqueued through the messages API, then a fresh local host
 *   (cold caches, as a new instance picking up a backlog) runs the `outbox` queue trigger until
 *   every message is `sent`.
 * - `floor`: the same number of bare HTTPS sendMail calls with one token fetched beforehand, at the
 *   pipeline's per-mailbox concurrency: what sending costs with no queue, table or cache at all.
 * - `naive`: a worker that per message builds a Key Vault client, reads the sender's secret, builds
 *   a credential and fetches a token, then sends like the floor.
 * Every variant sends the same Graph body from the same mailbox through the sandbox Graph.
 */
import { ClientSecretCredential, TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { startLocalHost } from '../dev/host/localHost';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../dev/sandbox/world';
import { loadConfig } from '@shared/config';
import { authorityOptions, GRAPH_DEFAULT_SCOPE } from '@shared/providers/microsoft/credentials';
import { isAzureVaultHost } from '@shared/store/secretStore';
import {
  callCounts,
  CallCounts,
  clearRequestLog,
  connectSender,
  enqueue,
  graphBody,
  MAILBOXES,
  newOrgId,
  prepareSandbox,
  sandboxControl,
} from './app';
import { CpuProfileSummary, startCpuProfile } from './cpuProfile';
import { countStorageRequests, inParallel, sleep, startMeter, Usage, waitFor } from './measure';
import type { LatencyProfile } from './profiles';

export type DeliveryVariant = 'pipeline' | 'floor' | 'naive';

export interface DeliveryOptions {
  variant: DeliveryVariant;
  messages: number;
  profile: LatencyProfile;
  /** Pipeline only: profile the worker's CPU (bench/cpuProfile.ts); such a run is not a throughput figure. */
  cpuProfile?: boolean;
}

export interface DeliveryResult {
  variant: DeliveryVariant;
  messages: number;
  usage: Usage;
  calls: CallCounts;
  /** Pipeline only: the enqueue API's rate before the worker ran, outcomes other than `sent`, and Storage requests by kind. */
  enqueuePerSecond?: number;
  /** Pipeline only: CPU of this process while the enqueue API took the n messages (the HTTP side of each message). */
  enqueueCpuMs?: number;
  storageRequests?: Record<string, number>;
  otherOutcomes?: Record<string, number>;
  cpuProfile?: CpuProfileSummary;
}

/** Where the `.cpuprofile` files go (dist/ is not tracked: they are megabytes). */
const CPU_PROFILE_DIR = 'dist/bench-profiles';

/** Graph allows 4 concurrent requests per mailbox; the pipeline's limiter (MAILBOX_CONCURRENCY) uses the same. */
export const CONCURRENCY = 4;
/**
 * The highest rate MICROSOFT_MAILBOX_RATE_PER_MINUTE accepts, so the scheduler spaces messages 6 ms
 * apart: the benchmark measures the code, not the (real, 30/min) Exchange throttle.
 */
export const BENCH_RATE_PER_MINUTE = 10_000;
/** The worker's settings in every delivery benchmark (the typed-client and memory runs too). */
export const RATE_ENV = { MICROSOFT_MAILBOX_RATE_PER_MINUTE: String(BENCH_RATE_PER_MINUTE), MAILBOX_CONCURRENCY: String(CONCURRENCY) };
/** Upper bound of any one delivery run; a slower run is a failure, not a figure. */
const RUN_TIMEOUT_MS = 180_000;

let settings: ReturnType<typeof loadConfig> | undefined;
/** The app's settings (sandbox URLs, the vault identity), read once: not per message. */
const config = () => (settings ??= loadConfig(process.env));

/** The outbox worker's log line for a finished message, on either lane: `[outbox] information: outbox: org/id sent (dequeue 1)` (or `[outboxExpress]`). */
const OUTCOME_LINE = /^\[outbox(?:Express)?\] \w+: outbox: \S+ (\w+)/;

async function sendMail(token: string, mailbox: string, body: string): Promise<void> {
  const response = await fetch(`${config().microsoft.graphUrl}/v1.0/users/${encodeURIComponent(mailbox)}/sendMail`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`sendMail answered ${response.status}`);
}

/** A Graph token of Contoso's own app from a brand-new credential (no MSAL cache to answer from). */
async function freshSenderToken(secret: string): Promise<string> {
  const credential: TokenCredential = new ClientSecretCredential(CONTOSO_TENANT_ID, CONTOSO_APP_ID, secret, authorityOptions(config()));
  const token = await credential.getToken(GRAPH_DEFAULT_SCOPE);
  if (!token) throw new Error('Entra returned no token');
  return token.token;
}

/** The app's own identity for Key Vault (locally a service principal, AZURE_CLIENT_SECRET). */
function vaultClient(): SecretClient {
  const { azureIdentity, keyVaultUrl } = config();
  if (azureIdentity.kind !== 'servicePrincipal')
    throw new Error('the benchmark needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET');
  const credential = new ClientSecretCredential(
    azureIdentity.tenantId,
    azureIdentity.clientId,
    azureIdentity.clientSecret,
    authorityOptions(config()),
  );
  return new SecretClient(keyVaultUrl, credential, { disableChallengeResourceVerification: !isAzureVaultHost(keyVaultUrl) });
}

const messageIds = (n: number) => Array.from({ length: n }, (_, i) => `m-${i}`);

async function floor(n: number): Promise<DeliveryResult> {
  const orgId = newOrgId('floor');
  const token = await freshSenderToken(CONTOSO_APP_SECRET);
  await clearRequestLog();
  const meter = startMeter();
  await inParallel(messageIds(n), CONCURRENCY, (id) => sendMail(token, MAILBOXES.flood, graphBody(orgId, id, MAILBOXES.flood)));
  const usage = meter.stop();
  return { variant: 'floor', messages: n, usage, calls: await callCounts() };
}

async function naive(n: number): Promise<DeliveryResult> {
  const orgId = newOrgId('naive');
  const secretName = `bench-${orgId}-client-secret`;
  await vaultClient().setSecret(secretName, CONTOSO_APP_SECRET);
  await clearRequestLog();
  const meter = startMeter();
  await inParallel(messageIds(n), CONCURRENCY, async (id) => {
    const secret = (await vaultClient().getSecret(secretName)).value ?? '';
    const token = await freshSenderToken(secret);
    await sendMail(token, MAILBOXES.flood, graphBody(orgId, id, MAILBOXES.flood));
  });
  const usage = meter.stop();
  return { variant: 'naive', messages: n, usage, calls: await callCounts() };
}

async function pipeline(n: number, options: DeliveryOptions): Promise<DeliveryResult> {
  const orgId = newOrgId('pipe');
  const ids = messageIds(n);
  const setup = await startLocalHost({ port: 0, env: RATE_ENV, queues: false, timers: false, log: () => undefined });
  let enqueueStart: number;
  let enqueuePerSecond: number;
  let enqueueCpuMs: number;
  try {
    await connectSender(setup, orgId, MAILBOXES.flood);
    enqueueStart = Date.now();
    const enqueueCpu = process.cpuUsage();
    await enqueue(setup, orgId, ids);
    const used = process.cpuUsage(enqueueCpu);
    enqueueCpuMs = (used.user + used.system) / 1000;
    enqueuePerSecond = n / ((Date.now() - enqueueStart) / 1000);
  } finally {
    await setup.close();
  }
  // The scheduler spread the backlog over n slots: let the last one come due, so the worker run
  // measures sending, not waiting for slots.
  await sleep(Math.max(0, enqueueStart + (n * 60_000) / BENCH_RATE_PER_MINUTE + 1500 - Date.now()));
  await sandboxControl('DELETE', 'messages');
  await clearRequestLog();

  const outcomes: Record<string, number> = {};
  const storage = countStorageRequests();
  const profiler = options.cpuProfile ? await startCpuProfile(CPU_PROFILE_DIR, `pipeline-${options.profile.name}-${n}`) : undefined;
  const meter = startMeter();
  const worker = await startLocalHost({
    port: 0,
    env: RATE_ENV,
    timers: false,
    log: (line) => {
      const outcome = OUTCOME_LINE.exec(line)?.[1];
      if (outcome) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    },
  });
  let usage: Usage;
  let storageRequests: Record<string, number>;
  let cpuProfile: CpuProfileSummary | undefined;
  try {
    await waitFor(`${n} messages sent`, () => ((outcomes.sent ?? 0) >= n ? true : undefined), RUN_TIMEOUT_MS, 20);
  } finally {
    usage = meter.stop();
    storageRequests = storage.stop();
    cpuProfile = await profiler?.stop();
    await worker.close();
  }
  const { sent, ...otherOutcomes } = outcomes;
  return {
    variant: 'pipeline',
    messages: sent ?? 0,
    usage,
    calls: await callCounts(),
    enqueuePerSecond,
    enqueueCpuMs,
    otherOutcomes,
    storageRequests,
    cpuProfile,
  };
}

const VARIANTS: Record<DeliveryVariant, (n: number, options: DeliveryOptions) => Promise<DeliveryResult>> = { pipeline, floor, naive };

export async function benchDelivery(options: DeliveryOptions): Promise<DeliveryResult> {
  const { variant, messages: n } = options;
  await prepareSandbox(options.profile);
  const result = await VARIANTS[variant](n, options);
  // Every variant must really have delivered n messages, or its figures mean nothing.
  const accepted = await sandboxControl<unknown[]>('GET', `messages?provider=microsoft&mailbox=${encodeURIComponent(MAILBOXES.flood)}`);
  if (accepted.length !== n || result.calls.graphSends !== n) {
    throw new Error(
      `${variant}: the sandbox accepted ${accepted.length} messages (${result.calls.graphSends} sendMail 202s), expected ${n}`,
    );
  }
  return { ...result, messages: n };
}
