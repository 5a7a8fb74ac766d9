/**
 * The app's metrics, through the OpenTelemetry metrics API and SDK
 * (https://opentelemetry.io/docs/languages/js/instrumentation/#metrics). Where they go is decided by
 * the readers the process installs (shared/telemetry/setup.ts): Azure Monitor in Azure, a one-line
 * console summary under `npm start`, an in-memory reader in tests. Instruments come from the one
 * table in catalog.ts, so a metric cannot be emitted under a name the docs and alerts do not know.
 */
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { CounterName, GaugeName, HistogramName, METRICS, MetricName } from './catalog';

export interface GaugeValue {
  attributes: Attributes;
  value: number;
}

export interface Telemetry {
  count(name: CounterName, attributes?: Attributes, value?: number): void;
  record(name: HistogramName, value: number, attributes?: Attributes): void;
  /** Replaces every series of a gauge with these values (read at the next collection). */
  gauge(name: GaugeName, values: readonly GaugeValue[]): void;
  /** Exports what is pending now (readers that export periodically). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Histogram buckets in milliseconds: 10 ms to 10 minutes, enough for a send and for enqueue-to-sent. */
const MS_BUCKETS = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000];

export function createTelemetry(readers: MetricReader[] = []): Telemetry {
  const provider = new MeterProvider({ readers });
  const meter: Meter = provider.getMeter('org-mailer');
  const counters = new Map<MetricName, Counter>();
  const histograms = new Map<MetricName, Histogram>();
  const gauges = new Map<MetricName, readonly GaugeValue[]>();
  for (const [name, spec] of Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][]) {
    const options = { unit: spec.unit, description: spec.description };
    if (spec.kind === 'counter') counters.set(name, meter.createCounter(name, options));
    else if (spec.kind === 'histogram')
      histograms.set(name, meter.createHistogram(name, { ...options, advice: { explicitBucketBoundaries: MS_BUCKETS } }));
    else {
      meter.createObservableGauge(name, options).addCallback((result) => {
        for (const { value, attributes } of gauges.get(name) ?? []) result.observe(value, attributes);
      });
    }
  }
  return {
    count: (name, attributes = {}, value = 1) => counters.get(name)!.add(value, attributes),
    record: (name, value, attributes = {}) => histograms.get(name)!.record(Math.max(0, value), attributes),
    gauge: (name, values) => void gauges.set(name, values.slice(0, 100)),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

let current: Telemetry | undefined;

/** The process-wide telemetry; without installed readers its instruments record into nothing. */
export function getTelemetry(): Telemetry {
  current ??= createTelemetry();
  return current;
}

/** Installs the process-wide telemetry (app start-up, the local host, tests); returns the previous one. */
export function useTelemetry(telemetry: Telemetry): Telemetry | undefined {
  const previous = current;
  current = telemetry;
  return previous;
}
