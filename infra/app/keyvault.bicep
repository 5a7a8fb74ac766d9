// The vault for every secret: the platform apps' client secrets and the state-signing key (set by
// the operator and by infra/hooks/postprovision.sh, never by this template), and the org secrets the
// app writes itself. RBAC authorization (no access policies), soft delete and purge protection: a
// deleted secret stays recoverable for the retention period and its name cannot be reused, which is
// why the code gives org secret names a generation (a reset moves to new names).
// https://learn.microsoft.com/azure/key-vault/general/rbac-guide
// https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview
// https://learn.microsoft.com/azure/templates/microsoft.keyvault/vaults

param name string
param location string
param tags object

@description('Role assignments on the vault: [{ principalId, principalType, roleDefinitionId }].')
param roleAssignments array

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource grants 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for a in roleAssignments: {
  name: guid(vault.id, a.principalId, a.roleDefinitionId)
  scope: vault
  properties: {
    principalId: a.principalId
    principalType: a.principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.roleDefinitionId)
  }
}]

output name string = vault.name
// Ends with a slash: https://<name>.vault.azure.net/
output uri string = vault.properties.vaultUri
