// org-mailer on Azure: `azd up` provisions this (subscription scope: it creates the resource group).
// One user-assigned identity; Storage without shared keys; Key Vault with RBAC, soft delete and purge
// protection; Log Analytics + Application Insights without local auth; a Flex Consumption function app
// whose connections are all identity-based and whose secrets are Key Vault references.
// Plain resources (no registry modules) so every property is visible here and checked by
// test/unit/infra.test.ts. Naming follows the azd convention: abbreviation + resourceToken.
// https://learn.microsoft.com/azure/developer/azure-developer-cli/make-azd-compatible

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; with the subscription and location it seeds every generated resource name.')
param environmentName string

@minLength(1)
@description('Region for every resource; it must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or pipeline principal: it gets the same data roles as the app, so local runs against Azure work and the postprovision hook can write the state-signing key. Empty: none.')
param principalId string = ''
@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@description('How the app authenticates as the platform Microsoft app: a client secret in Key Vault, or its managed identity as a federated credential (no secret at all; see infra/README.md).')
@allowed(['secret', 'managed-identity'])
param microsoftCredential string = 'secret'

@minLength(1)
@description('Application (client) id of the platform multi-tenant Microsoft Entra app.')
param microsoftClientId string

@minLength(1)
@description('Client id of the platform Google OAuth web client.')
param googleClientId string

@description('Optional: client id of the separate platform Entra app for directory reads (application-mode directory connections, User.Read.All + Group.Read.All). Empty = that mode is off; its secret goes to the vault as platform-microsoft-directory-client-secret.')
param microsoftDirectoryClientId string = ''

@description('Comma-separated origins that consent and admin links may return to (the SaaS front end). The app\'s own origin is always allowed.')
param returnUrlAllowlist string = ''

// Settings an operator may change: `azd env set NAME value`, then `azd provision`. main.parameters.json
// feeds each key from the azd environment value of the same name (azd substitutes ${NAME=} in the
// file's text: https://learn.microsoft.com/azure/developer/azure-developer-cli/manage-environment-variables,
// Azure/azure-dev pkg/infra/provisioning/bicep/bicep_provider.go). The appsettings resource replaces
// the whole collection on every deployment, so a setting added by hand would vanish; this is the way.
@description('App settings an operator may change, by setting name (shared/settings.ts). An empty value is left out, so the code\'s default applies.')
param operatorSettings object = {}

@description('Upper bound of Flex instances. Queue-triggered work scales on queue length, which counts messages scheduled for later too; the per-mailbox limits, not more instances, pace delivery.')
param maximumInstanceCount int = 40
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Where alert mails go (an action group with one email receiver). Empty: no action group; alerts still fire in the portal.')
param alertEmail string = ''
@description('Prefix of the runbook links in each alert, e.g. https://github.com/<org>/org-mailer/blob/main/ (empty: the path docs/operations.md#... alone).')
param runbookBaseUrl string = ''
@description('Failure-ratio alert: failed / (sent + failed) over 15 minutes, in percent.')
param alertFailureRatioPercent int = 10
@description('Failure-ratio alert: ignore 15-minute windows with fewer messages than this.')
param alertFailureMinMessages int = 20
@description('Backlog alert: age in minutes of the oldest message waiting in a work queue.')
param alertOldestMessageMinutes int = 30

// Every resource name can be set; empty means generated.
param resourceGroupName string = ''
param identityName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''
param storageAccountName string = ''
param keyVaultName string = ''
param appServicePlanName string = ''
param functionAppName string = ''
param deploymentContainerName string = ''

var abbrs = loadJsonContent('abbreviations.json')
var roles = loadJsonContent('app/roles.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// The queues, tables and containers the code uses (shared/store/names.ts); the infra test fails when
// the code adds a name that is missing here, or when a name here is no longer used.
var storageNames = {
  queues: ['outbox', 'outbox-poison', 'delivery-events', 'outbox-poison-poison', 'webhook-events', 'webhook-deliveries', 'directory-sync', 'outbox-express', 'outbox-express-poison', 'outbox-express-poison-poison']
  tables: ['senders', 'deliveries', 'mailboxslots', 'poisonmessages', 'consentstates', 'webhookendpoints', 'webhookattempts', 'webhookevents', 'directoryconnections', 'directory']
  containers: ['payloads']
}

// Names of the platform secrets in Key Vault. The template only references them; the operator sets
// the two client secrets and the postprovision hook creates the state-signing key when it is absent.
var secretNames = {
  microsoftClientSecret: 'platform-microsoft-client-secret'
  googleClientSecret: 'platform-google-client-secret'
  microsoftDirectoryClientSecret: 'platform-microsoft-directory-client-secret'
  stateSigningKey: 'platform-state-signing-key'
}

// Roles the function identity needs, per resource (ids in app/roles.json). The infra test derives
// the required set from the SDKs shared/store uses and from the Functions host's own needs.
var functionRoles = {
  storage: [roles.storageBlobDataOwner.id, roles.storageQueueDataContributor.id, roles.storageTableDataContributor.id]
  keyVault: [roles.keyVaultSecretsOfficer.id]
  monitoring: [roles.monitoringMetricsPublisher.id]
}

var principals = concat(
  [{ id: identity.outputs.principalId, type: 'ServicePrincipal' }],
  empty(principalId) ? [] : [{ id: principalId, type: principalType }]
)

// Every (principal, role) pair, as the modules' roleAssignments parameters expect them.
func grants(grantees array, roleIds array) array =>
  flatten(map(grantees, g => map(roleIds, r => { principalId: g.id, principalType: g.type, roleDefinitionId: r })))

var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  identity: !empty(identityName) ? identityName : '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  logAnalytics: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
  storageAccount: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
  keyVault: !empty(keyVaultName) ? keyVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
  appServicePlan: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
  functionApp: !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}api-${resourceToken}'
  deploymentContainer: !empty(deploymentContainerName) ? deploymentContainerName : 'app-package'
}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    roleAssignments: grants(principals, functionRoles.monitoring)
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storageAccount
    location: location
    tags: tags
    queueNames: storageNames.queues
    tableNames: storageNames.tables
    containerNames: concat(storageNames.containers, [names.deploymentContainer])
    roleAssignments: grants(principals, functionRoles.storage)
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    roleAssignments: grants(principals, functionRoles.keyVault)
  }
}

module api 'app/function.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.appServicePlan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: names.deploymentContainer
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    secretNames: secretNames
    microsoftCredential: microsoftCredential
    microsoftClientId: microsoftClientId
    microsoftDirectoryClientId: microsoftDirectoryClientId
    googleClientId: googleClientId
    returnUrlAllowlist: returnUrlAllowlist
    operatorSettings: operatorSettings
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

// Alerts with runbook links into docs/operations.md (#alerts), and the optional mail action group.
module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.name
    namePrefix: 'org-mailer-${resourceToken}'
    publicBaseUrl: api.outputs.publicBaseUrl
    microsoftCredential: microsoftCredential
    alertEmail: alertEmail
    runbookBaseUrl: runbookBaseUrl
    failureRatioPercent: alertFailureRatioPercent
    failureRatioMinMessages: alertFailureMinMessages
    oldestMessageMinutes: alertOldestMessageMinutes
    // Entra shows the expiry; 30 days leaves time to rotate (infra/README.md, Rotating secrets).
    credentialExpiryDays: 30
  }
}

// azd stores these in the environment (.azure/<env>/.env) and hands them to the postprovision hook.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output PUBLIC_BASE_URL string = api.outputs.publicBaseUrl
output MICROSOFT_CREDENTIAL string = microsoftCredential
output MICROSOFT_CLIENT_ID string = microsoftClientId
output MICROSOFT_DIRECTORY_CLIENT_ID string = microsoftDirectoryClientId
// Every Key Vault reference the app settings hold, as SETTING=secret-name pairs: the hook checks each.
output KEY_VAULT_REFERENCES string = api.outputs.keyVaultReferences
