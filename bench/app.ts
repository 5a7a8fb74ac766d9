/**
 * What the benchmark children do with the app and the sandbox: connect a sender through the real
 * sender API (as an admin would: save, then "Save and test"), enqueue through the messages API,
 * build the very Graph body the pipeline would send, and count what reached Entra and Key Vault.
 */
import type { LocalHost } from '../dev/host/localHost';
import type { LoggedRequest } from '../dev/sandbox/server';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../dev/sandbox/world';
import { serializeSendMail, toGraphSendMail } from '@shared/providers/microsoft/graphMessage';
import { parseMessageInput, toOutgoingMail } from '@shared/delivery/schema';
import { api, message, sandboxControl } from '../test/integration/delivery-helpers';
import { inParallel } from './measure';
import type { LatencyProfile } from './profiles';

export { api, message, newOrgId, sandboxControl } from '../test/integration/delivery-helpers';

/** Contoso's mailboxes in the sandbox world that Contoso's own app may send from. */
export const MAILBOXES = { flood: 'notifications@contoso.example', quiet: 'admin@contoso.example' } as const;

/** An active app_registration sender of Contoso's own app, through PUT and POST .../test. */
export async function connectSender(host: LocalHost, orgId: string, senderEmail: string): Promise<void> {
  const saved = await api(host, 'PUT', `orgs/${orgId}/sender`, {
    provider: 'microsoft',
    mode: 'app_registration',
    senderEmail,
    senderName: `Bench ${orgId}`,
    tenantId: CONTOSO_TENANT_ID,
    clientId: CONTOSO_APP_ID,
    clientSecret: CONTOSO_APP_SECRET,
  });
  if (saved.status !== 200) throw new Error(`saving the sender of ${orgId}: ${saved.status} ${JSON.stringify(saved.body)}`);
  const tested = await api(host, 'POST', `orgs/${orgId}/sender/test`, { to: 'bench@example.com' });
  if (tested.status !== 200) throw new Error(`testing the sender of ${orgId}: ${tested.status} ${JSON.stringify(tested.body)}`);
}

/** Requests the enqueue helpers keep in flight at once. */
export const ENQUEUE_CONCURRENCY = 16;

/** Enqueues `ids` through `POST /api/orgs/{orgId}/messages`, 16 requests at a time; `started` sees each id as its request goes out. */
export async function enqueue(
  host: LocalHost,
  orgId: string,
  ids: readonly string[],
  started: (id: string) => void = () => undefined,
): Promise<void> {
  await enqueueMany(
    host,
    ids.map((id) => ({ orgId, id })),
    ({ id }) => started(id),
  );
}

/** The same for messages of several orgs, in the order given (interleave them to progress side by side). */
export async function enqueueMany(
  host: LocalHost,
  items: ReadonlyArray<{ orgId: string; id: string }>,
  started: (item: { orgId: string; id: string }) => void = () => undefined,
): Promise<void> {
  await inParallel(items, ENQUEUE_CONCURRENCY, async (item) => {
    started(item);
    const answer = await api(host, 'POST', `orgs/${item.orgId}/messages`, message(item.id));
    if (answer.status !== 202) throw new Error(`enqueue ${item.orgId}/${item.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  });
}

/** The sendMail JSON the pipeline's provider builds for `message(id)` from `mailbox`. */
export function graphBody(orgId: string, id: string, mailbox: string): string {
  const mail = toOutgoingMail(parseMessageInput(orgId, message(id)));
  return serializeSendMail(toGraphSendMail(mail, { from: { address: mailbox, name: `Bench ${orgId}` }, saveToSentItems: false }));
}

/** Requests Entra and Key Vault received in a window (from the sandbox's request log). */
export interface CallCounts {
  /** Client-credential token requests of the sender's app (Contoso tenant). */
  senderTokens: number;
  /** Token requests of the app's own identity for Key Vault (platform tenant). */
  vaultTokens: number;
  /** OpenID metadata fetches (MSAL, once per credential instance). */
  entraMetadata: number;
  /** Secret reads that returned the secret, and every Key Vault request (the 401 challenges included). */
  vaultReads: number;
  vaultRequests: number;
  graphSends: number;
}

export const clearRequestLog = () => sandboxControl('DELETE', 'requests');

/**
 * The sandbox as the benchmarks want it: Graph with the real per-mailbox concurrency (4), no
 * per-minute limit (the app's own MICROSOFT_MAILBOX_RATE_PER_MINUTE paces sends) and the profile's
 * sendMail latency; the other origins with the profile's latencies (bench/profiles.ts); and an
 * empty list of accepted messages.
 */
export async function prepareSandbox(profile: LatencyProfile): Promise<void> {
  await sandboxControl('POST', 'graph/limits', { concurrency: 4, ratePerMinute: 0, latencyMs: profile.graphSendMs });
  await sandboxControl('POST', 'latency', profile.origins);
  await sandboxControl('DELETE', 'messages');
}

export async function callCounts(): Promise<CallCounts> {
  const [entra, vault, graph] = await Promise.all(
    ['entra', 'keyVault', 'graph'].map((service) => sandboxControl<LoggedRequest[]>('GET', `requests?service=${service}`)),
  );
  const tokens = entra.filter((r) => r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/token'));
  return {
    senderTokens: tokens.filter((r) => r.path.startsWith(`/${CONTOSO_TENANT_ID}/`)).length,
    vaultTokens: tokens.filter((r) => !r.path.startsWith(`/${CONTOSO_TENANT_ID}/`)).length,
    entraMetadata: entra.filter((r) => r.method === 'GET' && r.path.includes('/.well-known/openid-configuration')).length,
    vaultReads: vault.filter((r) => r.method === 'GET' && r.path.startsWith('/secrets/') && r.status === 200).length,
    vaultRequests: vault.length,
    graphSends: graph.filter((r) => r.method === 'POST' && r.path.endsWith('/sendMail') && r.status === 202).length,
  };
}
