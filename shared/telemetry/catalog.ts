/**
 * Every metric org-mailer emits: one table, read by the meter (shared/telemetry/meter.ts), by the
 * docs test (docs/operations.md lists each name) and by the alerts in infra/. Names follow the
 * OpenTelemetry convention (dotted, lower case, unit suffix where the unit is not obvious):
 * https://opentelemetry.io/docs/specs/semconv/general/metrics/
 *
 * Dimensions are low-cardinality by design: provider, code, status, queue. Never an org id, an
 * address or a message id (those are in the log lines, which are per event).
 */
export type MetricKind = 'counter' | 'histogram' | 'gauge';

export interface MetricSpec {
  kind: MetricKind;
  unit: string;
  description: string;
  dimensions: readonly string[];
  /** Keys of the alert rules in infra/app/alerts.bicep whose queries read this metric (test/unit/infra-alert-telemetry.test.ts holds both sides together). */
  alerts?: readonly string[];
}

export const METRICS = {
  'mailer.messages.sent': {
    kind: 'counter',
    unit: '{message}',
    description: 'Messages the provider accepted.',
    dimensions: ['provider', 'via'],
    alerts: ['failure-ratio'],
  },
  'mailer.messages.failed': {
    kind: 'counter',
    unit: '{message}',
    description: 'Messages that ended failed.',
    dimensions: ['provider', 'code'],
    alerts: ['failure-ratio'],
  },
  'mailer.messages.retried': {
    kind: 'counter',
    unit: '{message}',
    description: 'Attempts that ended retrying (a new delayed try was queued).',
    dimensions: ['provider', 'code'],
  },
  'mailer.enqueue_to_sent_ms': {
    kind: 'histogram',
    unit: 'ms',
    description: 'Time from enqueue (row created) to sent.',
    dimensions: ['provider'],
  },
  'mailer.provider_call_ms': {
    kind: 'histogram',
    unit: 'ms',
    description: 'Duration of one send call to Graph or Gmail.',
    dimensions: ['provider', 'outcome'],
  },
  'mailer.token_requests': {
    kind: 'counter',
    unit: '{request}',
    description: 'Requests to a token endpoint (Entra ID, Google).',
    dimensions: ['provider'],
  },
  'mailer.keyvault_reads': {
    kind: 'counter',
    unit: '{request}',
    description: 'Secret reads sent to Key Vault (cache misses).',
    dimensions: [],
  },
  'mailer.queue.oldest_age_seconds': {
    kind: 'gauge',
    unit: 's',
    description: 'Age of the oldest visible message of a queue.',
    dimensions: ['queue'],
    alerts: ['queue-backlog'],
  },
  'mailer.queue.poison_length': {
    kind: 'gauge',
    unit: '{message}',
    description: 'Messages waiting in a poison queue.',
    dimensions: ['queue'],
    alerts: ['poison-queue'],
  },
  'mailer.senders.by_status': { kind: 'gauge', unit: '{sender}', description: 'Sender configs by status.', dimensions: ['status'] },
  'mailer.platform_secret.days_left': {
    kind: 'gauge',
    unit: 'd',
    description: 'Days until the platform app client secret expires (MICROSOFT_CLIENT_SECRET_EXPIRES_ON).',
    dimensions: [],
    alerts: ['platform-secret-expiry'],
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
export type CounterName = { [K in MetricName]: (typeof METRICS)[K]['kind'] extends 'counter' ? K : never }[MetricName];
export type HistogramName = { [K in MetricName]: (typeof METRICS)[K]['kind'] extends 'histogram' ? K : never }[MetricName];
export type GaugeName = { [K in MetricName]: (typeof METRICS)[K]['kind'] extends 'gauge' ? K : never }[MetricName];
