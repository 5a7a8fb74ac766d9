/**
 * Delivery's log lines and metrics, derived from the transitions the worker already publishes
 * (every row write goes through the event publisher), so the pipeline carries no telemetry code:
 * claimed (-> sending), sent, retrying (with code and delay), failed, and the fallback taken.
 */
import type { DeliveryRecord } from '../store/deliveryStore';
import { logEvent } from './log';
import { getTelemetry } from './meter';

export function observeDelivery(record: DeliveryRecord, now: number = Date.now()): void {
  const base = {
    orgId: record.orgId,
    messageId: record.id,
    provider: record.provider,
    attempt: record.attempts,
    status: record.status,
    ...(record.via ? { via: record.via } : {}),
  };
  const provider = record.provider ?? 'none';
  const telemetry = getTelemetry();
  switch (record.status) {
    case 'sending':
      logEvent('message.claimed', base);
      if (record.via === 'default' && record.viaReason) logEvent('message.fallback', { ...base, code: record.viaReason });
      return;
    case 'sent': {
      const durationMs = Date.parse(record.sentAt ?? record.updatedAt) - Date.parse(record.createdAt);
      logEvent('message.sent', { ...base, durationMs });
      telemetry.count('mailer.messages.sent', { provider, via: record.via ?? 'org' });
      telemetry.record('mailer.enqueue_to_sent_ms', durationMs, { provider });
      return;
    }
    case 'retrying': {
      const delayMs = record.nextAttemptAt ? Math.max(0, Date.parse(record.nextAttemptAt) - now) : undefined;
      logEvent('message.retrying', { ...base, code: record.code, delayMs }, 'warn');
      telemetry.count('mailer.messages.retried', { provider, code: record.code ?? 'unknown' });
      return;
    }
    case 'failed':
      logEvent('message.failed', { ...base, code: record.code }, 'warn');
      telemetry.count('mailer.messages.failed', { provider, code: record.code ?? 'unknown' });
      return;
    default:
      logEvent(`message.${record.status}`, base);
  }
}
