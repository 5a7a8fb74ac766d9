/**
 * The operator's alerts as `azd up` would create them: read from the compiled ARM JSON, dry-run with
 * azd's parameters, each with its query, threshold and a runbook link to an anchor that exists in
 * docs/operations.md, under its "## Alerts" heading.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeployedResource, dryRun } from '../support/infra-arm';
import { REPO_DIR } from '../support/infra-bicep';
import { azdParameters, describeCompiled } from '../support/infra-compiler';

const operations = readFileSync(join(REPO_DIR, 'docs/operations.md'), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/** Anchors of the headings inside the "## Alerts" section. */
function alertAnchors(): string[] {
  const section = operations.split(/^## /m).find((s) => s.startsWith('Alerts\n'));
  expect(section).toBeDefined();
  return [...section!.matchAll(/^### (.+)$/gm)].map((m) => slug(m[1]));
}

interface Criterion {
  query: string;
  metricMeasureColumn: string;
  operator: string;
  threshold: number;
  dimensions: Array<{ name: string }>;
}

const AZD_ENV = {
  AZURE_ENV_NAME: 'prod',
  AZURE_LOCATION: 'westeurope',
  AZURE_PRINCIPAL_ID: '',
  MICROSOFT_CLIENT_ID: 'ms-app-id',
  GOOGLE_CLIENT_ID: 'google-client-id',
};

describeCompiled('infra: alerts, from the compiled template', ({ template }) => {
  const deploy = (overrides: Record<string, unknown> = {}) => dryRun(template, { ...azdParameters(AZD_ENV), ...overrides });
  const rulesOf = (resources: DeployedResource[]) => resources.filter((r) => r.type === 'Microsoft.Insights/scheduledQueryRules');
  const withSecret = deploy({ microsoftCredential: 'secret', alertEmail: 'ops@example.com' });
  const rules = rulesOf(withSecret.resources);
  const component = withSecret.resources.find((r) => r.type === 'Microsoft.Insights/components')!;
  const rule = (suffix: string) => {
    const found = rules.find((r) => r.name.endsWith(`-${suffix}`));
    expect({ suffix, found: Boolean(found) }).toEqual({ suffix, found: true });
    return { ...found!, criterion: (found!.properties.criteria as { allOf: Criterion[] }).allOf[0] };
  };

  it.each([
    // [rule, metric or table the query reads, measure, operator, threshold, window]
    ['poison-queue', 'mailer.queue.poison_length', 'poisonLength', 'GreaterThan', 0, 'PT15M'],
    ['failure-ratio', 'mailer.messages.failed', 'failurePercent', 'GreaterThan', 10, 'PT15M'],
    ['queue-backlog', 'mailer.queue.oldest_age_seconds', 'oldestAgeSeconds', 'GreaterThan', 30 * 60, 'PT15M'],
    ['platform-secret-expiry', 'mailer.platform_secret.days_left', 'daysLeft', 'LessThanOrEqual', 30, 'P1D'],
    ['health', 'availabilityResults', 'failedLocations', 'GreaterThanOrEqual', 2, 'PT15M'],
  ])('%s: reads %s, fires when %s is %s %d over %s', (suffix, source, measure, operator, threshold, window) => {
    const { properties, criterion } = rule(suffix);
    expect(criterion.query).toContain(source.startsWith('mailer.') ? `name == "${source}"` : source);
    expect(criterion.query).toMatch(new RegExp(`\\b${measure} = `));
    expect({ measure: criterion.metricMeasureColumn, operator: criterion.operator, threshold: criterion.threshold }).toEqual({
      measure,
      operator,
      threshold,
    });
    expect({ windowSize: properties.windowSize, enabled: properties.enabled, scopes: properties.scopes }).toEqual({
      windowSize: window,
      enabled: true,
      scopes: [component.id],
    });
  });

  it('the failure ratio compares failed with sent + failed, and ignores quiet windows', () => {
    const { criterion } = rule('failure-ratio');
    expect(criterion.query).toContain('name == "mailer.messages.sent"');
    expect(criterion.query).toContain('failurePercent = 100.0 * failed / (sent + failed)');
    expect(criterion.query).toContain('where sent + failed >= 20');
  });

  it('queue alerts fire per queue; the backlog alert leaves poison queues to the poison alert', () => {
    expect(rule('poison-queue').criterion.dimensions.map((d) => d.name)).toEqual(['queue']);
    expect(rule('queue-backlog').criterion.dimensions.map((d) => d.name)).toEqual(['queue']);
    expect(rule('queue-backlog').criterion.query).toContain('where not(queue endswith "-poison")');
  });

  it('every alert links its runbook, an anchor under "## Alerts" in docs/operations.md, one alert per anchor', () => {
    const anchors = alertAnchors();
    const linked = rules.map((r) => {
      const runbook = (r.properties.actions as { customProperties: { runbook: string } }).customProperties.runbook;
      expect(r.properties.description).toBe(`Runbook: ${runbook}`);
      return /^docs\/operations\.md#([\w-]+)$/.exec(runbook)?.[1];
    });
    expect(linked.filter((a) => !a || !anchors.includes(a))).toEqual([]);
    expect(new Set(linked).size).toBe(rules.length);
    expect(rules.length).toBe(5);
  });

  it("the health alert watches the availability test that calls the app's /api/health", () => {
    const tests = withSecret.resources.filter((r) => r.type === 'Microsoft.Insights/webtests');
    expect(tests).toHaveLength(1);
    const site = withSecret.resources.find((r) => r.type === 'Microsoft.Web/sites')!;
    expect(tests[0].properties).toMatchObject({
      Kind: 'standard',
      Enabled: true,
      Request: { RequestUrl: `https://{{${site.id}.defaultHostName}}/api/health`, HttpVerb: 'GET' },
      ValidationRules: { ExpectedHttpStatusCode: 200 },
    });
    expect((tests[0].properties.Locations as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(tests[0].body.tags).toMatchObject({ [`hidden-link:${component.id}`]: 'Resource' });
    expect(rule('health').criterion.query).toContain(`where name == "${tests[0].name}"`);
  });

  it('alertEmail wires one action group with that address into every alert; without it there is none', () => {
    const groups = withSecret.resources.filter((r) => r.type === 'Microsoft.Insights/actionGroups');
    expect(groups).toHaveLength(1);
    expect(groups[0].properties.emailReceivers).toEqual([expect.objectContaining({ emailAddress: 'ops@example.com' })]);
    for (const r of rules) expect((r.properties.actions as { actionGroups: string[] }).actionGroups).toEqual([groups[0].id]);
    const quiet = deploy();
    expect(quiet.resources.filter((r) => r.type === 'Microsoft.Insights/actionGroups')).toEqual([]);
    for (const r of rulesOf(quiet.resources)) expect((r.properties.actions as { actionGroups: string[] }).actionGroups).toEqual([]);
  });

  it('the secret-expiry alert exists only with microsoftCredential=secret', () => {
    const names = rulesOf(deploy({ microsoftCredential: 'managed-identity' }).resources).map((r) => r.name.split('-').slice(-3).join('-'));
    expect(names).not.toContain('platform-secret-expiry');
    expect(names).toHaveLength(4);
  });

  it('the thresholds are main.bicep parameters, and a runbook base URL makes the links absolute', () => {
    const tuned = deploy({
      alertFailureRatioPercent: 25,
      alertOldestMessageMinutes: 5,
      runbookBaseUrl: 'https://github.com/example/org-mailer/blob/main/',
    });
    const criterion = (suffix: string) =>
      (rulesOf(tuned.resources).find((r) => r.name.endsWith(`-${suffix}`))!.properties.criteria as { allOf: Criterion[] }).allOf[0];
    expect(criterion('failure-ratio').threshold).toBe(25);
    expect(criterion('queue-backlog').threshold).toBe(300);
    for (const r of rulesOf(tuned.resources)) {
      expect((r.properties.actions as { customProperties: { runbook: string } }).customProperties.runbook).toMatch(
        /^https:\/\/github\.com\/example\/org-mailer\/blob\/main\/docs\/operations\.md#/,
      );
    }
  });
});
