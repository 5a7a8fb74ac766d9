// The Storage account behind AzureWebJobsStorage and the app's own queues, tables and containers.
// Shared-key access is disabled, so every caller (the Functions host, the app, Flex deployment,
// an operator) must use Entra ID; there is no key that could leak into a setting or a log.
// https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent
// https://learn.microsoft.com/azure/templates/microsoft.storage/storageaccounts

param name string
param location string
param tags object

@description('Queues to create (shared/store/names.ts QUEUES; the infra test keeps the lists equal).')
param queueNames array
@description('Tables to create (shared/store/names.ts TABLES).')
param tableNames array
@description('Blob containers to create (shared/store/names.ts CONTAINERS plus the Flex deployment container).')
param containerNames array

@description('Role assignments on the account: [{ principalId, principalType, roleDefinitionId }].')
param roleAssignments array

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = [for containerName in containerNames: {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-09-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-09-01' = [for queueName in queueNames: {
  parent: queueService
  name: queueName
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2026-09-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-09-01' = [for tableName in tableNames: {
  parent: tableService
  name: tableName
}]

resource grants 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for a in roleAssignments: {
  name: guid(account.id, a.principalId, a.roleDefinitionId)
  scope: account
  properties: {
    principalId: a.principalId
    principalType: a.principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleDefinitionId)
  }
}]

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
