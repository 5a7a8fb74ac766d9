// The one user-assigned managed identity the function app runs as: Storage, Key Vault, Application
// Insights and (with microsoftCredential=managed-identity) the platform app's federated credential
// all trust this identity, so none of them needs a key or a connection string.
// https://learn.microsoft.com/azure/templates/microsoft.managedidentity/userassignedidentities

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
