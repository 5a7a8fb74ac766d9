/**
 * Operators: `GET /api/operator/summary` (admin-level key: the host's master key in Azure) and a
 * timer that refreshes the queue and sender gauges every 5 minutes for the alerts. Thin: the logic
 * is in shared/operator/summary.ts.
 */
import type { HttpRequest, InvocationContext, Timer } from '@azure/functions';
import { operatorSummary as summarize } from '@shared/operator/summary';
import { getServices } from '@shared/services';
import { logEvent } from '@shared/telemetry/log';
import { handle, json } from './http';
import { defineHttp, defineTimer } from './registry';

/** Every 5 minutes (six-field NCRONTAB, UTC): often enough for a 15-minute alert window. */
export const OPERATOR_GAUGES_SCHEDULE = '0 */5 * * * *';

function summaryDeps() {
  const { config, storage, senders } = getServices();
  return { config, storage, senders: senders.store };
}

export const operatorSummary = handle(async (_request: HttpRequest) => json(200, await summarize(summaryDeps())));

export async function operatorGauges(_timer: Timer, _context: InvocationContext): Promise<void> {
  const summary = await summarize(summaryDeps());
  const poisoned = Object.values(summary.queues.poison).reduce((a, b) => a + b, 0);
  logEvent('operator.gauges', { status: `outbox ${summary.queues.outbox.length}, poison ${poisoned}` });
}

defineHttp({ name: 'operatorSummary', route: 'operator/summary', methods: ['GET'], authLevel: 'admin', handler: operatorSummary });
defineTimer({ name: 'operatorGauges', schedule: OPERATOR_GAUGES_SCHEDULE, handler: operatorGauges });
