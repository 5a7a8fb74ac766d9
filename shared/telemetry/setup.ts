/**
 * Where metrics go, decided once per process:
 *
 * - In Azure (APPLICATIONINSIGHTS_CONNECTION_STRING set by infra/): OpenTelemetry metrics exported
 *   by the Azure Monitor exporter every 60 s, authenticated with the app's managed identity (the
 *   Application Insights resource has local auth disabled). Why this path: on Flex Consumption the
 *   supported way for a Node worker to send its own custom metrics is OpenTelemetry with the Azure
 *   Monitor exporter (https://learn.microsoft.com/en-us/azure/azure-functions/opentelemetry-howto,
 *   https://learn.microsoft.com/en-us/azure/azure-monitor/app/opentelemetry-add-modify#add-custom-metrics);
 *   they land in the `customMetrics` table the alerts query.
 * - Under `npm start`: a one-line summary of the last minute on the console.
 * - Otherwise (tests, tools): nothing is exported unless a test installs its own reader.
 */
import type { TokenCredential } from '@azure/identity';
import {
  AggregationTemporality,
  DataPointType,
  PeriodicExportingMetricReader,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { AzureMonitorMetricExporter } from '@azure/monitor-opentelemetry-exporter';
import { createTelemetry, useTelemetry } from './meter';

const EXPORT_INTERVAL_MS = 60_000;

let started = false;

/** Installs the Azure Monitor telemetry once, when the app has a connection string. */
export function startAzureMonitorTelemetry(connectionString: string | undefined, credential: TokenCredential): void {
  if (started || !connectionString) return;
  started = true;
  const exporter = new AzureMonitorMetricExporter({ connectionString, credential });
  useTelemetry(createTelemetry([new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: EXPORT_INTERVAL_MS })]));
}

/** Sums of a delta collection by metric name (counters: total; histograms: count and sum). */
export function summarize(metrics: ResourceMetrics): Map<string, { total: number; count: number }> {
  const sums = new Map<string, { total: number; count: number }>();
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const entry = sums.get(metric.descriptor.name) ?? { total: 0, count: 0 };
      for (const point of metric.dataPoints) {
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const value = point.value as { sum?: number; count: number };
          entry.total += value.sum ?? 0;
          entry.count += value.count;
        } else {
          entry.total += point.value as number;
          entry.count += 1;
        }
      }
      sums.set(metric.descriptor.name, entry);
    }
  }
  return sums;
}

/** The console line of one minute. */
export function summaryLine(sums: Map<string, { total: number; count: number }>): string {
  const total = (name: string) => sums.get(name)?.total ?? 0;
  const mean = (name: string) => {
    const entry = sums.get(name);
    return entry && entry.count > 0 ? `${Math.round(entry.total / entry.count)} ms` : '-';
  };
  return [
    `metrics (last minute): sent ${total('mailer.messages.sent')}`,
    `failed ${total('mailer.messages.failed')}`,
    `retried ${total('mailer.messages.retried')}`,
    `token requests ${total('mailer.token_requests')}`,
    `Key Vault reads ${total('mailer.keyvault_reads')}`,
    `mean send ${mean('mailer.provider_call_ms')}`,
    `mean enqueue-to-sent ${mean('mailer.enqueue_to_sent_ms')}`,
  ].join(' · ');
}

/** `npm start`: prints the summary line every minute (delta temporality: each line is one minute). */
export function startConsoleSummary(print: (line: string) => void, intervalMs = EXPORT_INTERVAL_MS): () => Promise<void> {
  const exporter: PushMetricExporter = {
    export(metrics, done) {
      print(summaryLine(summarize(metrics)));
      done({ code: 0 });
    },
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
    selectAggregationTemporality: () => AggregationTemporality.DELTA,
  };
  const telemetry = createTelemetry([new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: intervalMs })]);
  useTelemetry(telemetry);
  return () => telemetry.shutdown();
}
