/**
 * The operator summary (`GET /api/operator/summary`, `npm run status`): what an operator of a
 * multi-tenant mail service looks at first. Deliveries by status over the last hour and day, the
 * orgs with the most failures, senders by status with their most common error codes, the oldest
 * queued message and every poison queue's length. It also refreshes the gauges
 * (mailer.queue.*, mailer.senders.by_status, mailer.platform_secret.days_left).
 */
import type { Config } from '../config';
import type { SenderStatus } from '../model/sender';
import type { DeliveryStatus } from '../store/deliveryStore';
import { QUEUES, poisonQueueName } from '../store/names';
import { queueDepth, scanRecentDeliveries } from '../store/operatorStats';
import type { SenderStore } from '../store/senderStore';
import type { StorageClients } from '../store/storageClients';
import { getTelemetry } from '../telemetry/meter';

export interface OperatorSummary {
  generatedAt: string;
  deliveries: {
    lastHour: Partial<Record<DeliveryStatus, number>>;
    lastDay: Partial<Record<DeliveryStatus, number>>;
    /** The most failures in the last day, by org. */
    topFailingOrgs: { orgId: string; failed: number; topCode?: string }[];
    /** True when the day had more rows than the scan reads (MAX_ROWS): counts are then lower bounds. */
    truncated: boolean;
  };
  senders: { byStatus: Partial<Record<SenderStatus, number>>; topCodes: { code: string; count: number }[] };
  queues: {
    outbox: { length: number; oldestAgeSeconds?: number };
    poison: Record<string, number>;
  };
  platformSecretDaysLeft?: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_ROWS = 100_000;
const TOP = 10;

export interface SummaryDeps {
  config: Readonly<Pick<Config, 'platformSecretExpiresAt'>>;
  storage: StorageClients;
  senders: SenderStore;
  now?: () => number;
}

/** The queues the app reads, and the poison queues the host (and re-drives) may fill. */
export function poisonQueues(): string[] {
  const own = Object.values(QUEUES).filter((name) => !name.endsWith('-poison'));
  return [...new Set([...own.map(poisonQueueName), poisonQueueName(poisonQueueName(QUEUES.outbox))])];
}

function top<K extends string>(counts: Map<K, number>, n: number): [K, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export async function operatorSummary(deps: SummaryDeps): Promise<OperatorSummary> {
  const now = (deps.now ?? Date.now)();
  const [recent, senders, outbox, poison] = await Promise.all([
    scanRecentDeliveries(deps.storage, now - DAY, MAX_ROWS),
    senderCounts(deps.senders),
    queueDepth(deps.storage, QUEUES.outbox, now),
    Promise.all(poisonQueues().map(async (name) => [name, (await queueDepth(deps.storage, name, now)).length] as const)),
  ]);

  const lastHour: Partial<Record<DeliveryStatus, number>> = {};
  const lastDay: Partial<Record<DeliveryStatus, number>> = {};
  const failedByOrg = new Map<string, number>();
  const codesByOrg = new Map<string, Map<string, number>>();
  for (const row of recent.rows) {
    lastDay[row.status] = (lastDay[row.status] ?? 0) + 1;
    if (Date.parse(row.createdAt) >= now - HOUR) lastHour[row.status] = (lastHour[row.status] ?? 0) + 1;
    if (row.status === 'failed') {
      increment(failedByOrg, row.orgId);
      if (row.code) {
        const codes = codesByOrg.get(row.orgId) ?? new Map<string, number>();
        increment(codes, row.code);
        codesByOrg.set(row.orgId, codes);
      }
    }
  }
  const topFailingOrgs = top(failedByOrg, TOP).map(([orgId, failed]) => {
    const code = top(codesByOrg.get(orgId) ?? new Map<string, number>(), 1)[0]?.[0];
    return { orgId, failed, ...(code ? { topCode: code } : {}) };
  });
  const platformSecretDaysLeft =
    deps.config.platformSecretExpiresAt === undefined ? undefined : Math.floor((deps.config.platformSecretExpiresAt - now) / DAY);

  const summary: OperatorSummary = {
    generatedAt: new Date(now).toISOString(),
    deliveries: { lastHour, lastDay, topFailingOrgs, truncated: recent.truncated },
    senders,
    queues: { outbox, poison: Object.fromEntries(poison) },
    ...(platformSecretDaysLeft === undefined ? {} : { platformSecretDaysLeft }),
  };
  recordGauges(summary);
  return summary;
}

async function senderCounts(store: SenderStore): Promise<OperatorSummary['senders']> {
  const byStatus: Partial<Record<SenderStatus, number>> = {};
  const codes = new Map<string, number>();
  let continuationToken: string | undefined;
  do {
    const page = await store.list({ continuationToken, pageSize: 500 });
    for (const { config } of page.items) {
      byStatus[config.status] = (byStatus[config.status] ?? 0) + 1;
      if (config.status === 'needs_attention' && config.lastError) increment(codes, config.lastError.code);
    }
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return { byStatus, topCodes: top(codes, TOP).map(([code, count]) => ({ code, count })) };
}

function recordGauges(summary: OperatorSummary): void {
  const telemetry = getTelemetry();
  telemetry.gauge('mailer.queue.oldest_age_seconds', [
    { attributes: { queue: QUEUES.outbox }, value: summary.queues.outbox.oldestAgeSeconds ?? 0 },
  ]);
  telemetry.gauge(
    'mailer.queue.poison_length',
    Object.entries(summary.queues.poison).map(([queue, value]) => ({ attributes: { queue }, value })),
  );
  telemetry.gauge(
    'mailer.senders.by_status',
    Object.entries(summary.senders.byStatus).map(([status, value]) => ({ attributes: { status }, value: value ?? 0 })),
  );
  if (summary.platformSecretDaysLeft !== undefined)
    telemetry.gauge('mailer.platform_secret.days_left', [{ attributes: {}, value: summary.platformSecretDaysLeft }]);
}
