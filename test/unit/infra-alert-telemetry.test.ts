/**
 * The alerts read what the app really sends: each compiled alert query runs (test/support/infra-kql.ts)
 * over the `customMetrics` rows of the items the Azure Monitor exporter builds from the app's own
 * meter (test/support/infra-telemetry.ts), and the metric names and dimensions of the compiled
 * alerts match the metric table in shared/telemetry/catalog.ts, both ways.
 */
import { METRICS, MetricName } from '@shared/telemetry/catalog';
import type { Telemetry } from '@shared/telemetry/meter';
import { dryRun } from '../support/infra-arm';
import { azdParameters, describeCompiled } from '../support/infra-compiler';
import { columnsRead, Row, runQuery } from '../support/infra-kql';
import { customMetricsRows, exportedItems } from '../support/infra-telemetry';

interface Criterion {
  query: string;
  metricMeasureColumn: string;
  operator: string;
  threshold: number;
  dimensions: Array<{ name: string }>;
}
interface Alert {
  key: string;
  criterion: Criterion;
}

const AZD_ENV = {
  AZURE_ENV_NAME: 'prod',
  AZURE_LOCATION: 'westeurope',
  AZURE_PRINCIPAL_ID: '',
  MICROSOFT_CLIENT_ID: 'ms-app-id',
  GOOGLE_CLIENT_ID: 'google-client-id',
};

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  GreaterThan: (a, b) => a > b,
  GreaterThanOrEqual: (a, b) => a >= b,
  LessThan: (a, b) => a < b,
  LessThanOrEqual: (a, b) => a <= b,
  Equal: (a, b) => a === b,
};

/** The result rows of an alert's query that would fire it (a null measure never does). */
function firing(alert: Alert, rows: Row[]): Row[] {
  const { query, metricMeasureColumn, operator, threshold } = alert.criterion;
  return runQuery(query, { customMetrics: rows }).filter(
    (r) => typeof r[metricMeasureColumn] === 'number' && COMPARE[operator](r[metricMeasureColumn] as number, threshold),
  );
}

/** Metric names a query filters on: `name == "..."` and `name in (...)`. */
function metricsRead(query: string): string[] {
  const names = [...query.matchAll(/name == "([^"]+)"/g)].map((m) => m[1]);
  const lists = [...query.matchAll(/name in \(([^)]*)\)/g)].flatMap((m) => [...m[1].matchAll(/"([^"]+)"/g)].map((n) => n[1]));
  return [...new Set([...names, ...lists])].sort();
}

/** One data point of every metric in the catalog, each dimension set, through the app's meter. */
function recordEveryMetric(telemetry: Telemetry): void {
  for (const [name, spec] of Object.entries(METRICS) as Array<[MetricName, (typeof METRICS)[MetricName]]>) {
    const attributes = Object.fromEntries(spec.dimensions.map((d) => [d, `${d}-value`]));
    if (spec.kind === 'counter') telemetry.count(name as never, attributes, 3);
    else if (spec.kind === 'histogram') telemetry.record(name as never, 120, attributes);
    else telemetry.gauge(name as never, [{ attributes, value: 7 }]);
  }
}

describeCompiled('infra: alert queries against the telemetry the exporter sends', ({ template }) => {
  const resources = dryRun(template, { ...azdParameters(AZD_ENV), microsoftCredential: 'secret' }).resources;
  const alerts: Alert[] = resources
    .filter((r) => r.type === 'Microsoft.Insights/scheduledQueryRules')
    .map((r) => ({
      key: r.name.replace(/^org-mailer-[a-z0-9]+-/, ''),
      criterion: (r.properties.criteria as { allOf: Criterion[] }).allOf[0],
    }));
  const metricAlerts = alerts.filter((a) => a.criterion.query.startsWith('customMetrics'));
  const alert = (key: string) => {
    const found = alerts.find((a) => a.key === key);
    expect({ key, found: Boolean(found) }).toEqual({ key, found: true });
    return found!;
  };

  it("every customMetrics alert reads only columns that the exporter's items for its metrics fill", async () => {
    const rows = customMetricsRows(await exportedItems(recordEveryMetric));
    expect(metricAlerts.map((a) => a.key).sort()).toEqual(['failure-ratio', 'platform-secret-expiry', 'poison-queue', 'queue-backlog']);
    for (const a of metricAlerts) {
      const mine = rows.filter((r) => metricsRead(a.criterion.query).includes(r.name as string));
      expect({ alert: a.key, hasRows: mine.length > 0 }).toEqual({ alert: a.key, hasRows: true });
      const { columns } = columnsRead(a.criterion.query);
      const empty = [...columns].filter((c) => mine.some((r) => r[c] === null || r[c] === undefined));
      expect({ alert: a.key, emptyColumnsRead: empty }).toEqual({ alert: a.key, emptyColumnsRead: [] });
    }
  });

  it('the exporter sends a gauge as value + count 1 without min/max: a query of valueMax would never fire', async () => {
    const rows = customMetricsRows(
      await exportedItems((t) => t.gauge('mailer.queue.poison_length', [{ attributes: { queue: 'outbox-poison' }, value: 4 }])),
    );
    expect(rows).toEqual([expect.objectContaining({ valueSum: 4, valueCount: 1, valueMin: null, valueMax: null })]);
    const poison = alert('poison-queue');
    const withValueMax = {
      ...poison,
      criterion: { ...poison.criterion, query: poison.criterion.query.replace('valueSum / valueCount', 'valueMax') },
    };
    expect(withValueMax.criterion.query).not.toBe(poison.criterion.query);
    expect(firing(withValueMax, rows)).toEqual([]);
    expect(firing(poison, rows)).toEqual([{ queue: 'outbox-poison', poisonLength: 4 }]);
  });

  it.each([
    [
      'poison-queue',
      'a message in outbox-poison',
      (t: Telemetry) =>
        t.gauge('mailer.queue.poison_length', [
          { attributes: { queue: 'outbox-poison' }, value: 1 },
          { attributes: { queue: 'outbox-express-poison' }, value: 0 },
        ]),
      [{ queue: 'outbox-poison', poisonLength: 1 }],
    ],
    [
      'poison-queue',
      'empty poison queues',
      (t: Telemetry) => t.gauge('mailer.queue.poison_length', [{ attributes: { queue: 'outbox-poison' }, value: 0 }]),
      [],
    ],
    [
      'queue-backlog',
      'outbox 30 min + 1 s old (a poison queue is left to its own alert)',
      (t: Telemetry) =>
        t.gauge('mailer.queue.oldest_age_seconds', [
          { attributes: { queue: 'outbox' }, value: 1801 },
          { attributes: { queue: 'outbox-poison' }, value: 99_999 },
        ]),
      [{ queue: 'outbox', oldestAgeSeconds: 1801 }],
    ],
    [
      'queue-backlog',
      'outbox exactly 30 min old',
      (t: Telemetry) => t.gauge('mailer.queue.oldest_age_seconds', [{ attributes: { queue: 'outbox' }, value: 1800 }]),
      [],
    ],
    [
      'platform-secret-expiry',
      '30 days left',
      (t: Telemetry) => t.gauge('mailer.platform_secret.days_left', [{ attributes: {}, value: 30 }]),
      [{ daysLeft: 30 }],
    ],
    [
      'platform-secret-expiry',
      '31 days left',
      (t: Telemetry) => t.gauge('mailer.platform_secret.days_left', [{ attributes: {}, value: 31 }]),
      [],
    ],
    [
      'failure-ratio',
      '3 failed of 20 (15 %)',
      (t: Telemetry) => {
        t.count('mailer.messages.sent', { provider: 'microsoft', via: 'queue' }, 17);
        t.count('mailer.messages.failed', { provider: 'google', code: 'X' }, 3);
      },
      [{ failurePercent: 15 }],
    ],
    [
      'failure-ratio',
      '2 failed of 20 (10 %, not over)',
      (t: Telemetry) => {
        t.count('mailer.messages.sent', { provider: 'microsoft', via: 'queue' }, 18);
        t.count('mailer.messages.failed', { provider: 'google', code: 'X' }, 2);
      },
      [],
    ],
    [
      'failure-ratio',
      '5 failed of 10 (too few messages)',
      (t: Telemetry) => {
        t.count('mailer.messages.sent', {}, 5);
        t.count('mailer.messages.failed', {}, 5);
      },
      [],
    ],
  ])('%s: %s', async (key, _case, record, expected) => {
    const rows = customMetricsRows(await exportedItems(record));
    expect(rows.length).toBeGreaterThan(0);
    expect(firing(alert(key), rows)).toEqual(expected);
  });

  describe('metric names and dimensions: compiled alerts against shared/telemetry/catalog.ts', () => {
    it('every metric an alert reads is in the catalog, and names that alert', () => {
      for (const a of metricAlerts) {
        for (const name of metricsRead(a.criterion.query)) {
          const spec = METRICS[name as MetricName] as { alerts?: readonly string[] } | undefined;
          expect({ alert: a.key, metric: name, listed: spec?.alerts?.includes(a.key) ?? false }).toEqual({
            alert: a.key,
            metric: name,
            listed: true,
          });
        }
      }
    });

    it('every metric the catalog says an alert reads is read by that compiled alert', () => {
      for (const [name, spec] of Object.entries(METRICS) as Array<[string, { alerts?: readonly string[] }]>) {
        for (const key of spec.alerts ?? [])
          expect({ metric: name, alert: key, read: metricsRead(alert(key).criterion.query).includes(name) }).toEqual({
            metric: name,
            alert: key,
            read: true,
          });
      }
    });

    it('every dimension an alert reads or splits by is a dimension of each metric it reads', () => {
      for (const a of metricAlerts) {
        const { dimensions } = columnsRead(a.criterion.query);
        const split = a.criterion.dimensions.map((d) => d.name);
        for (const name of metricsRead(a.criterion.query)) {
          const declared: readonly string[] = METRICS[name as MetricName].dimensions;
          expect({ alert: a.key, metric: name, unknown: [...dimensions, ...split].filter((d) => !declared.includes(d)) }).toEqual({
            alert: a.key,
            metric: name,
            unknown: [],
          });
        }
        // A split column must come from the query's own customDimensions reads.
        expect({ alert: a.key, split: split.filter((d) => !dimensions.has(d)) }).toEqual({ alert: a.key, split: [] });
      }
    });
  });
});
