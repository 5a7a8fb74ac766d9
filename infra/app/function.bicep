// The function app on the Flex Consumption plan (Linux, Node 22), running as the user-assigned
// identity, with identity-based connections only and secrets as Key Vault references.
// Flex moves runtime and deployment out of app settings into functionAppConfig, so FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_NODE_DEFAULT_VERSION and WEBSITE_RUN_FROM_PACKAGE are NOT set:
// https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations
// https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to
// https://learn.microsoft.com/azure/templates/microsoft.web/sites (functionAppConfig, keyVaultReferenceIdentity)

param name string
param planName string
param location string
param tags object

@description('Resource id and client id of the user-assigned identity the app runs as.')
param identityId string
param identityClientId string

param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
@description('Blob container that holds the deployment package (created by the storage module).')
param deploymentContainerName string

param applicationInsightsConnectionString string
@description('https://<vault>.vault.azure.net/ (with the trailing slash).')
param keyVaultUri string
@description('Names of the platform secrets in the vault: { microsoftClientSecret, googleClientSecret, microsoftDirectoryClientSecret, stateSigningKey }.')
param secretNames object

@allowed(['secret', 'managed-identity'])
param microsoftCredential string
param microsoftClientId string
@description('Empty: application-mode directory connections are off (MICROSOFT_DIRECTORY_CLIENT_ID unset).')
param microsoftDirectoryClientId string
param googleClientId string
param returnUrlAllowlist string
@description('App settings the operator chose through the azd environment (main.parameters.json), by name; empty values are left out.')
param operatorSettings object

param maximumInstanceCount int
@allowed([512, 2048, 4096])
param instanceMemoryMB int

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  // azd finds the service's deployment target by this tag (azure.yaml service "api").
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Without this, Key Vault references use the system-assigned identity, which this app has none of.
    // https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#access-vaults-with-a-user-assigned-identity
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// azd deploys with an Entra token, so publishing with a username and password stays off.
// https://learn.microsoft.com/azure/app-service/configure-basic-auth-disable
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

// Every app setting, and nothing else: the infra test holds these names against SETTINGS in
// shared/settings.ts. The deployment replaces the whole collection (a setting missing here is deleted),
// so operator choices come in as operatorSettings, never by hand. Secrets are versionless Key Vault references, so a new secret version is picked
// up on the platform's next refresh (within 24 hours, at once on any config change).
// Which app setting reads which platform secret: the settings' Key Vault references and the list the
// postprovision hook checks (output keyVaultReferences) both come from this one object.
var secretSettings = union({
  GOOGLE_CLIENT_SECRET: secretNames.googleClientSecret
  STATE_SIGNING_KEY: secretNames.stateSigningKey
}, microsoftCredential == 'secret' ? {
  MICROSOFT_CLIENT_SECRET: secretNames.microsoftClientSecret
} : {}, empty(microsoftDirectoryClientId) ? {} : {
  MICROSOFT_DIRECTORY_CLIENT_SECRET: secretNames.microsoftDirectoryClientSecret
})
var keyVaultReferences = toObject(items(secretSettings), s => s.key, s => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${s.value}/)')

var chosenSettings = toObject(filter(items(operatorSettings), s => !empty(s.value)), s => s.key, s => s.value)
var appSettings = union(chosenSettings, {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  AZURE_CLIENT_ID: identityClientId
  KEY_VAULT_URL: keyVaultUri
  PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
  RETURN_URL_ALLOWLIST: returnUrlAllowlist
  MICROSOFT_CLIENT_ID: microsoftClientId
  MICROSOFT_CREDENTIAL: microsoftCredential
  GOOGLE_CLIENT_ID: googleClientId
}, keyVaultReferences, empty(microsoftDirectoryClientId) ? {} : {
  MICROSOFT_DIRECTORY_CLIENT_ID: microsoftDirectoryClientId
})

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output name string = site.name
output publicBaseUrl string = 'https://${site.properties.defaultHostName}'
@description('SETTING=secret-name pairs, space-separated: every Key Vault reference in the app settings, for the postprovision hook to check.')
output keyVaultReferences string = join(map(items(secretSettings), s => '${s.key}=${s.value}'), ' ')
