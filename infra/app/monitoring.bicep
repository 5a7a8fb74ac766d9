// Log Analytics + workspace-based Application Insights, both with local (key) auth disabled: the
// function app publishes telemetry with its managed identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING),
// which needs Monitoring Metrics Publisher on the component.
// https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication
// https://learn.microsoft.com/azure/templates/microsoft.insights/components (DisableLocalAuth)
// https://learn.microsoft.com/azure/templates/microsoft.operationalinsights/workspaces (features.disableLocalAuth)

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

@description('Role assignments on the Application Insights component: [{ principalId, principalType, roleDefinitionId }].')
param roleAssignments array

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
    features: {
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

resource grants 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for a in roleAssignments: {
  name: guid(appInsights.id, a.principalId, a.roleDefinitionId)
  scope: appInsights
  properties: {
    principalId: a.principalId
    principalType: a.principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleDefinitionId)
  }
}]

output name string = appInsights.name
// The connection string names the ingestion endpoint and the component's instrumentation key, which
// is an identifier, not a credential: with DisableLocalAuth, ingestion still demands an Entra token.
output connectionString string = appInsights.properties.ConnectionString
