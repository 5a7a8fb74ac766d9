import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { loadConfig } from '@shared/config';
import { createAppCredential, isKnownAuthorityHost } from '@shared/store/azureCredential';
import { isAzureVaultHost } from '@shared/store/secretStore';

const base = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  KEY_VAULT_URL: 'https://kv-mailer.vault.azure.net',
  PUBLIC_BASE_URL: 'https://func-mailer.azurewebsites.net',
  MICROSOFT_CLIENT_ID: '00000000-0000-4000-8000-0000000000aa',
  MICROSOFT_CREDENTIAL: 'managed-identity',
  GOOGLE_CLIENT_ID: 'google-client',
  GOOGLE_CLIENT_SECRET: 'google-secret',
  STATE_SIGNING_KEY: 'k'.repeat(32),
};
const servicePrincipal = {
  AZURE_TENANT_ID: '00000000-0000-4000-8000-000000000001',
  AZURE_CLIENT_ID: '00000000-0000-4000-8000-0000000000bb',
  AZURE_CLIENT_SECRET: 'unit-test-secret',
};

describe('createAppCredential', () => {
  it('uses the managed identity in Azure (no AZURE_CLIENT_SECRET)', () => {
    const credential = createAppCredential(loadConfig({ ...base, AZURE_CLIENT_ID: '00000000-0000-4000-8000-0000000000cc' }));
    expect(credential).toBeInstanceOf(ManagedIdentityCredential);
  });

  it('uses a service principal when a client secret is set', () => {
    expect(createAppCredential(loadConfig({ ...base, ...servicePrincipal }))).toBeInstanceOf(ClientSecretCredential);
  });

  it('keeps one instance per identity (tokens are cached per instance), a new one for another secret', () => {
    const first = createAppCredential(loadConfig({ ...base, ...servicePrincipal }));
    expect(createAppCredential(loadConfig({ ...base, ...servicePrincipal }))).toBe(first);
    expect(createAppCredential(loadConfig({ ...base, ...servicePrincipal, AZURE_CLIENT_SECRET: 'rotated' }))).not.toBe(first);
  });
});

describe('cloud host checks', () => {
  it('knows the Azure authority hosts, so only others skip instance discovery', () => {
    expect(isKnownAuthorityHost('https://login.microsoftonline.com')).toBe(true);
    expect(isKnownAuthorityHost('https://login.microsoftonline.us/')).toBe(true);
    expect(isKnownAuthorityHost('https://localhost:8441')).toBe(false);
  });

  it('keeps challenge resource verification for Azure vault hosts only', () => {
    expect(isAzureVaultHost('https://kv-mailer.vault.azure.net')).toBe(true);
    expect(isAzureVaultHost('https://kv-mailer.vault.azure.cn/')).toBe(true);
    expect(isAzureVaultHost('https://localhost:8446')).toBe(false);
    expect(isAzureVaultHost('https://vault.azure.net.evil.example')).toBe(false);
  });
});
