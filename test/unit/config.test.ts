import { loadConfig, ConfigError, SETTINGS } from '@shared/config';

const valid: Record<string, string> = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  KEY_VAULT_URL: 'https://kv-test.vault.azure.net',
  PUBLIC_BASE_URL: 'https://func-test.azurewebsites.net',
  MICROSOFT_CLIENT_ID: '00000000-0000-4000-8000-0000000000aa',
  MICROSOFT_CLIENT_SECRET: 'x',
  GOOGLE_CLIENT_ID: 'client',
  GOOGLE_CLIENT_SECRET: 'y',
  STATE_SIGNING_KEY: 'k'.repeat(32),
};

function errorFor(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('reads a valid environment, applies defaults and freezes the result', () => {
    const config = loadConfig(valid);
    expect(config.microsoft.authorityHost).toBe('https://login.microsoftonline.com');
    expect(config.google.tokenUrl).toBe('https://oauth2.googleapis.com/token');
    expect(config.secretCacheTtlMs).toBe(300_000);
    expect(config.returnUrlAllowlist).toEqual(['https://func-test.azurewebsites.net']);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.microsoft)).toBe(true);
  });

  it.each(['KEY_VAULT_URL', 'PUBLIC_BASE_URL', 'MICROSOFT_CLIENT_ID', 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'STATE_SIGNING_KEY'])(
    'a missing %s stops start-up with one line naming it',
    (name) => {
      const message = errorFor({ ...valid, [name]: undefined });
      expect(message).toMatch(new RegExp(`^Setting ${name} is missing: expected .+\\.$`));
      expect(message).not.toContain('\n');
    },
  );

  it('a missing storage setting names AzureWebJobsStorage', () => {
    expect(errorFor({ ...valid, AzureWebJobsStorage: undefined })).toMatch(/^Setting AzureWebJobsStorage is missing/);
  });

  it('identity-based storage needs all three service URIs', () => {
    const env = { ...valid, AzureWebJobsStorage: undefined, AzureWebJobsStorage__blobServiceUri: 'https://st.blob.core.windows.net' };
    expect(errorFor(env)).toMatch(/^Setting AzureWebJobsStorage__queueServiceUri is missing/);
    const ok = loadConfig({
      ...env,
      AzureWebJobsStorage__queueServiceUri: 'https://st.queue.core.windows.net',
      AzureWebJobsStorage__tableServiceUri: 'https://st.table.core.windows.net',
      AzureWebJobsStorage__clientId: 'abc',
    });
    expect(ok.storage).toEqual(expect.objectContaining({ kind: 'identity', clientId: 'abc' }));
  });

  it('malformed URLs, GUIDs, numbers and enums are named with what was found', () => {
    expect(errorFor({ ...valid, KEY_VAULT_URL: 'not a url' })).toMatch(/^Setting KEY_VAULT_URL is malformed \(not a URL\)/);
    expect(errorFor({ ...valid, MICROSOFT_GRAPH_URL: 'http://graph.local' })).toMatch(
      /^Setting MICROSOFT_GRAPH_URL is malformed \(protocol http:\)/,
    );
    expect(errorFor({ ...valid, MICROSOFT_CLIENT_ID: 'abc' })).toMatch(/^Setting MICROSOFT_CLIENT_ID is malformed \(not a GUID\)/);
    expect(errorFor({ ...valid, SECRET_CACHE_TTL_SECONDS: '-1' })).toMatch(/^Setting SECRET_CACHE_TTL_SECONDS is malformed/);
    expect(errorFor({ ...valid, MICROSOFT_CREDENTIAL: 'cert' })).toMatch(/^Setting MICROSOFT_CREDENTIAL is malformed/);
    expect(errorFor({ ...valid, STATE_SIGNING_KEY: 'short' })).toMatch(/^Setting STATE_SIGNING_KEY is malformed \(5 characters\)/);
    expect(errorFor({ ...valid, RETURN_URL_ALLOWLIST: 'https://ok.example, nope' })).toMatch(/^Setting RETURN_URL_ALLOWLIST is malformed/);
  });

  it('the platform secret is required only for MICROSOFT_CREDENTIAL=secret', () => {
    expect(errorFor({ ...valid, MICROSOFT_CLIENT_SECRET: undefined })).toMatch(/^Setting MICROSOFT_CLIENT_SECRET is missing/);
    expect(
      loadConfig({ ...valid, MICROSOFT_CLIENT_SECRET: undefined, MICROSOFT_CREDENTIAL: 'managed-identity' }).microsoft.credential,
    ).toBe('managed-identity');
  });

  it('a local service principal needs a GUID tenant', () => {
    expect(errorFor({ ...valid, AZURE_CLIENT_SECRET: 's', AZURE_CLIENT_ID: '00000000-0000-4000-8000-0000000000bb' })).toMatch(
      /^Setting AZURE_TENANT_ID is missing/,
    );
  });

  it('declares every setting once', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
