/** A metric reader tests collect from on demand, and sums of what it saw by metric name. */
import { DataPointType, MetricReader } from '@opentelemetry/sdk-metrics';

export class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface Series {
  attributes: Record<string, unknown>;
  /** Counter/gauge value, or histogram count. */
  value: number;
}

/** Every series of every metric, by name (cumulative since the reader was installed). */
export async function collectSeries(reader: MetricReader): Promise<Map<string, Series[]>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, Series[]>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const series = metric.dataPoints.map((p) => ({
        attributes: p.attributes as Record<string, unknown>,
        value: metric.dataPointType === DataPointType.HISTOGRAM ? (p.value as { count: number }).count : (p.value as number),
      }));
      out.set(metric.descriptor.name, [...(out.get(metric.descriptor.name) ?? []), ...series]);
    }
  }
  return out;
}

export const total = (series: Series[] | undefined, match: Record<string, unknown> = {}): number =>
  (series ?? []).filter((s) => Object.entries(match).every(([k, v]) => s.attributes[k] === v)).reduce((a, s) => a + s.value, 0);
