// The operator's alerts, created with everything else by `azd up`. Each is a log search alert
// (scheduledQueryRules) over the Application Insights component: the app's own metrics arrive in
// `customMetrics` (names and dimensions in docs/operations.md), and a standard availability test
// probes /api/health into `availabilityResults`. Every alert carries its runbook link
// (docs/operations.md#<anchor>) in its description and in the notification's custom properties.
// https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule
// https://learn.microsoft.com/azure/templates/microsoft.insights/scheduledqueryrules
// https://learn.microsoft.com/azure/azure-monitor/app/availability-standard-tests
// https://learn.microsoft.com/azure/templates/microsoft.insights/webtests

param location string
param tags object

@description('Name of the Application Insights component the alerts query.')
param applicationInsightsName string
@description('Base for the alert rule, availability test and action group names.')
param namePrefix string

@description('The app\'s public origin, https://<host>; the availability test calls <origin>/api/health.')
param publicBaseUrl string

@allowed(['secret', 'managed-identity'])
param microsoftCredential string

@description('Where alert mails go. Empty: no action group; the alerts still fire and show in the portal.')
param alertEmail string

@description('Prefix of the runbook links, e.g. https://github.com/<org>/org-mailer/blob/main/ (empty: the repository-relative path).')
param runbookBaseUrl string

@minValue(1)
@maxValue(100)
@description('Failed / (sent + failed) messages over 15 minutes, in percent, above which the failure-ratio alert fires.')
param failureRatioPercent int
@minValue(1)
@description('Fewer messages than this in 15 minutes never trip the failure-ratio alert (one failure in two is not an incident).')
param failureRatioMinMessages int
@minValue(1)
@description('Age in minutes of the oldest message waiting in a work queue above which the backlog alert fires.')
param oldestMessageMinutes int
@minValue(1)
@description('Days left on the platform Microsoft app\'s client secret at or below which the expiry alert fires.')
param credentialExpiryDays int

var appInsightsId = resourceId('Microsoft.Insights/components', applicationInsightsName)
var actionGroupName = '${namePrefix}-operators'
var actionGroups = empty(alertEmail) ? [] : [resourceId('Microsoft.Insights/actionGroups', actionGroupName)]
var healthTestName = '${namePrefix}-health'

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'org-mailer'
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// A standard test from three regions every 5 minutes; a 503 from /api/health (a dependency down) fails it.
resource healthTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: healthTestName
  location: location
  // The portal and the test results link a test to its component by this tag.
  tags: union(tags, { 'hidden-link:${appInsightsId}': 'Resource' })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: healthTestName
    Name: healthTestName
    Description: 'GET /api/health answers 200 (storage and Key Vault reachable).'
    Enabled: true
    Kind: 'standard'
    Frequency: 300
    Timeout: 30
    RetryEnabled: true
    Locations: [
      { Id: 'emea-nl-ams-azr' }
      { Id: 'us-va-ash-azr' }
      { Id: 'apac-sg-sin-azr' }
    ]
    Request: {
      RequestUrl: '${publicBaseUrl}/api/health'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

// One row per alert: the query returns the measure column; the rule compares it with the threshold.
// Which customMetrics columns a data point fills: @azure/monitor-opentelemetry-exporter
// (src/utils/metricUtils.ts, resourceMetricsToEnvelope) sends a counter or gauge point as `value`
// with `count: 1` and no `min`/`max`; only histograms carry min/max. The Application Insights data
// model says min/max "should not be set for a measurement"
// (https://learn.microsoft.com/azure/azure-monitor/app/data-model-complete#metric), and whether
// ingestion copies `value` into valueMin/valueMax is not documented, so the gauge alerts read
// valueSum / valueCount (value and count, always sent: the point's own value) and never valueMin/valueMax.
// test/unit/infra-alert-telemetry.test.ts replays the exporter's own items through each query.
var alerts = concat([
  {
    key: 'poison-queue'
    anchor: 'poison-queue-has-messages'
    title: 'Messages in a poison queue'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "mailer.queue.poison_length" | extend queue = tostring(customDimensions.queue) | summarize poisonLength = max(valueSum / valueCount) by queue'
    measure: 'poisonLength'
    dimensions: ['queue']
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    key: 'failure-ratio'
    anchor: 'failure-ratio-high'
    title: 'Failure ratio over ${failureRatioPercent}% for 15 minutes'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name in ("mailer.messages.sent", "mailer.messages.failed") | summarize sent = sumif(valueSum, name == "mailer.messages.sent"), failed = sumif(valueSum, name == "mailer.messages.failed") | where sent + failed >= ${failureRatioMinMessages} | project failurePercent = 100.0 * failed / (sent + failed)'
    measure: 'failurePercent'
    dimensions: []
    operator: 'GreaterThan'
    threshold: failureRatioPercent
  }
  {
    key: 'queue-backlog'
    anchor: 'oldest-queued-message-too-old'
    title: 'Oldest queued message older than ${oldestMessageMinutes} minutes'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "mailer.queue.oldest_age_seconds" | extend queue = tostring(customDimensions.queue) | where not(queue endswith "-poison") | summarize oldestAgeSeconds = max(valueSum / valueCount) by queue'
    measure: 'oldestAgeSeconds'
    dimensions: ['queue']
    operator: 'GreaterThan'
    threshold: oldestMessageMinutes * 60
  }
  {
    key: 'health'
    anchor: 'health-endpoint-failing'
    title: '/api/health failing'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    // Two regions failing: one region's network trouble alone is not the app being down.
    query: 'availabilityResults | where name == "${healthTestName}" | summarize failedLocations = dcountif(location, success == false)'
    measure: 'failedLocations'
    dimensions: []
    operator: 'GreaterThanOrEqual'
    threshold: 2
  }
], microsoftCredential == 'secret' ? [
  {
    key: 'platform-secret-expiry'
    anchor: 'platform-client-secret-expiring'
    title: 'Platform Microsoft client secret expires within ${credentialExpiryDays} days'
    severity: 2
    frequency: 'PT1H'
    window: 'P1D'
    query: 'customMetrics | where name == "mailer.platform_secret.days_left" | summarize daysLeft = min(valueSum / valueCount)'
    measure: 'daysLeft'
    dimensions: []
    operator: 'LessThanOrEqual'
    threshold: credentialExpiryDays
  }
] : [])

resource rules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [for alert in alerts: {
  name: '${namePrefix}-${alert.key}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'org-mailer: ${alert.title}'
    description: 'Runbook: ${runbookBaseUrl}docs/operations.md#${alert.anchor}'
    severity: alert.severity
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: alert.frequency
    windowSize: alert.window
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Maximum'
          metricMeasureColumn: alert.measure
          dimensions: [for d in alert.dimensions: { name: d, operator: 'Include', values: ['*'] }]
          operator: alert.operator
          threshold: alert.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actionGroups
      customProperties: {
        runbook: '${runbookBaseUrl}docs/operations.md#${alert.anchor}'
      }
    }
  }
  dependsOn: [operators, healthTest]
}]

output ruleNames array = [for (alert, i) in alerts: rules[i].name]
