/**
 * The telemetry items the Azure Monitor exporter would send for what the app records, built by the
 * exporter's own code: the app's meter (shared/telemetry/meter.ts) collected with the exporter's
 * aggregation temporality, turned into envelopes by its resourceMetricsToEnvelope
 * (src/utils/metricUtils.ts) and into wire JSON by its generated serializer, then into the rows an
 * alert query sees in `customMetrics`.
 *
 * Wire field to column: `value` is the point's value ("sum of individual measurements for the
 * aggregation"), so it fills `value` and `valueSum`; `count` fills `valueCount`; `min`, `max` and
 * `stdDev` fill `valueMin`, `valueMax` and `valueStdDev` only when sent; `properties` become
 * `customDimensions` (https://learn.microsoft.com/azure/azure-monitor/app/data-model-complete#metric).
 * Whether ingestion fills valueMin/valueMax from `value` when they are absent is not documented, so
 * they stay empty here: the fail-safe reading for an alert.
 */
import { dirname, join } from 'node:path';
import { AzureMonitorMetricExporter } from '@azure/monitor-opentelemetry-exporter';
import { MetricReader } from '@opentelemetry/sdk-metrics';
import { createTelemetry, Telemetry } from '@shared/telemetry/meter';
import type { Row } from './infra-kql';

const exporterDir = dirname(require.resolve('@azure/monitor-opentelemetry-exporter'));
// Internal modules of the exporter (its package exports only the root), loaded by file path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resourceMetricsToEnvelope } = require(join(exporterDir, 'utils/metricUtils.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { telemetryItemSerializer } = require(join(exporterDir, 'generated/models/models.js'));

/** A reader with the exporter's own temporality choice (delta for counters, histograms, gauges). */
class ExporterTemporalityReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: (type) => AzureMonitorMetricExporter.prototype.selectAggregationTemporality(type) });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface WireMetric {
  name: string;
  kind?: string;
  value: number;
  count?: number;
  min?: number;
  max?: number;
  stdDev?: number;
}
export interface WireItem {
  name: string;
  data: { baseType: string; baseData: { metrics: WireMetric[]; properties?: Record<string, string> } };
}

/** Records through the app's meter, then returns the items one export would send, as JSON on the wire. */
export async function exportedItems(record: (telemetry: Telemetry) => void): Promise<WireItem[]> {
  const reader = new ExporterTemporalityReader();
  const telemetry = createTelemetry([reader]);
  try {
    record(telemetry);
    const { resourceMetrics } = await reader.collect();
    const envelopes = resourceMetricsToEnvelope(resourceMetrics, '00000000-0000-0000-0000-000000000000');
    return (envelopes as unknown[]).map((e) => JSON.parse(JSON.stringify(telemetryItemSerializer(e))) as WireItem);
  } finally {
    await telemetry.shutdown();
  }
}

/** The `customMetrics` rows of the items, one per metric data point. */
export function customMetricsRows(items: WireItem[]): Row[] {
  return items
    .filter((i) => i.data.baseType === 'MetricData')
    .flatMap((item) =>
      item.data.baseData.metrics.map((m) => ({
        name: m.name,
        value: m.value,
        valueSum: m.value,
        valueCount: m.count ?? null,
        valueMin: m.min ?? null,
        valueMax: m.max ?? null,
        valueStdDev: m.stdDev ?? null,
        customDimensions: item.data.baseData.properties ?? {},
      })),
    );
}
