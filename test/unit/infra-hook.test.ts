/**
 * infra/hooks/postprovision.sh, run for real by sh against a stand-in `az` (test/support/infra-fake-az.ts):
 * it creates the state-signing key only when absent, never shows it, waits out RBAC propagation,
 * and tells the operator what is left to do. Secret and output names come from main.bicep.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { objectProperties, parseBicep, REPO_DIR, stringLiterals, variableValue } from '../support/infra-bicep';
import { FakeAzure } from '../support/infra-fake-az';
import { dryRun } from '../support/infra-arm';
import { azdParameters, describeCompiled } from '../support/infra-compiler';
import { DIRECTORY_SCOPES } from '@shared/providers/google/directoryErrors';

const HOOK = join(REPO_DIR, 'infra/hooks/postprovision.sh');
const secretNames = Object.fromEntries(
  [...objectProperties(variableValue(parseBicep('main.bicep'), 'secretNames'))].map(([key, value]) => [key, stringLiterals(value)[0]]),
);

/** What azd hands the hook: main.bicep's outputs plus the environment's own values. */
function azdEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    AZURE_ENV_NAME: 'prod',
    AZURE_RESOURCE_GROUP: 'rg-prod',
    AZURE_FUNCTION_APP_NAME: 'func-api-abc',
    AZURE_KEY_VAULT_NAME: 'kv-abc',
    AZURE_TENANT_ID: '11111111-2222-4333-8444-555555555555',
    AZURE_MANAGED_IDENTITY_PRINCIPAL_ID: '99999999-8888-4777-8666-555555555555',
    PUBLIC_BASE_URL: 'https://func-api-abc.azurewebsites.net',
    MICROSOFT_CREDENTIAL: 'secret',
    MICROSOFT_CLIENT_ID: '00000000-0000-4000-8000-0000000000aa',
    GOOGLE_CLIENT_ID: 'platform-google-client',
    KEY_VAULT_REFERENCES: `GOOGLE_CLIENT_SECRET=${secretNames.googleClientSecret} MICROSOFT_CLIENT_SECRET=${secretNames.microsoftClientSecret} STATE_SIGNING_KEY=${secretNames.stateSigningKey}`,
    KEY_VAULT_RBAC_WAIT_SECONDS: '0',
    ...overrides,
  };
}

/** A fake vault holding the two platform client secrets the operator stores (step 3 of infra/README.md). */
function vaultWithClientSecrets(): FakeAzure {
  const azure = new FakeAzure();
  azure.setSecret(secretNames.microsoftClientSecret, 'm');
  azure.setSecret(secretNames.googleClientSecret, 'g');
  return azure;
}

describe('postprovision hook', () => {
  let azure: FakeAzure;
  afterEach(() => azure.cleanup());

  it('creates a random state-signing key when absent, through a file, and never prints it', () => {
    azure = vaultWithClientSecrets();
    const run = azure.run(HOOK, azdEnvironment());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const key = azure.secret(secretNames.stateSigningKey)!;
    expect(key).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(run.stdout).not.toContain(key);
    expect(azure.calls().join('\n')).not.toContain(key);
    expect(azure.calls()).toContainEqual(
      expect.stringMatching(new RegExp(`^keyvault secret set --vault-name kv-abc --name ${secretNames.stateSigningKey} --file \\S+ `)),
    );
    expect(azure.calls()).toContainEqual(expect.stringMatching(/ --output none$/));
    expect(azure.calls()).toContain('functionapp restart --name func-api-abc --resource-group rg-prod --output none');
    // The temp file is gone: only the fake's own files are left.
    expect(readdirSync(azure.dir).sort()).toEqual(['bin', 'calls.log', 'vault']);
  });

  it('the key is random: two fresh vaults get different keys', () => {
    azure = vaultWithClientSecrets();
    azure.run(HOOK, azdEnvironment());
    const first = azure.secret(secretNames.stateSigningKey);
    const second = vaultWithClientSecrets();
    try {
      second.run(HOOK, azdEnvironment());
      expect(second.secret(secretNames.stateSigningKey)).not.toBe(first);
    } finally {
      second.cleanup();
    }
  });

  it('leaves an existing key alone (re-provisioning never re-keys the app)', () => {
    azure = vaultWithClientSecrets();
    azure.setSecret(secretNames.stateSigningKey, 'k'.repeat(40));
    const run = azure.run(HOOK, azdEnvironment());
    expect(run.status).toBe(0);
    expect(azure.secret(secretNames.stateSigningKey)).toBe('k'.repeat(40));
    expect(azure.calls().filter((c) => c.startsWith('keyvault secret set') || c.startsWith('functionapp restart'))).toEqual([]);
    expect(run.stdout).toContain('present');
  });

  it('waits while Key Vault still answers 403 after a fresh role assignment', () => {
    azure = vaultWithClientSecrets();
    azure.forbidNext(2);
    const run = azure.run(HOOK, azdEnvironment());
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('waiting for Key Vault role assignments');
    expect(azure.secret(secretNames.stateSigningKey)).toBeDefined();
  });

  it('gives up with a clear line when access never comes, and creates nothing', () => {
    azure = new FakeAzure();
    azure.forbidNext(100);
    const run = azure.run(HOOK, azdEnvironment({ KEY_VAULT_RBAC_ATTEMPTS: '3' }));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/still refuses access after 3 tries.*Key Vault Secrets Officer/);
    expect(azure.secret(secretNames.stateSigningKey)).toBeUndefined();
  });

  it('prints the redirect URIs, then fails naming each missing platform secret with a command that reads a file', () => {
    azure = new FakeAzure();
    const run = azure.run(HOOK, azdEnvironment());
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('https://func-api-abc.azurewebsites.net/api/oauth/microsoft/callback');
    expect(run.stdout).toContain('https://func-api-abc.azurewebsites.net/api/oauth/google/callback');
    expect(run.stderr).toContain(`az keyvault secret set --vault-name kv-abc --name ${secretNames.microsoftClientSecret} --file`);
    expect(run.stderr).toContain(`az keyvault secret set --vault-name kv-abc --name ${secretNames.googleClientSecret} --file`);
    expect(run.stderr).not.toContain(`--name ${secretNames.stateSigningKey} --file`);
  });

  it('succeeds once the operator has stored the client secrets', () => {
    azure = vaultWithClientSecrets();
    const run = azure.run(HOOK, azdEnvironment());
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('without the directory app it says nothing of it; with it, prints its setup (multi-tenant, redirect URI, own secret)', () => {
    azure = vaultWithClientSecrets();
    expect(azure.run(HOOK, azdEnvironment()).stdout).not.toContain('Directory app');
    azure.setSecret(secretNames.microsoftDirectoryClientSecret, 'd');
    const run = azure.run(
      HOOK,
      azdEnvironment({
        MICROSOFT_DIRECTORY_CLIENT_ID: '00000000-0000-4000-8000-0000000000dd',
        KEY_VAULT_REFERENCES: `${azdEnvironment().KEY_VAULT_REFERENCES} MICROSOFT_DIRECTORY_CLIENT_SECRET=${secretNames.microsoftDirectoryClientSecret}`,
      }),
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /Directory app 00000000-0000-4000-8000-0000000000dd[\s\S]*multi-tenant[\s\S]*User\.Read\.All and Group\.Read\.All[\s\S]*AADSTS50011\):\n\s+https:\/\/func-api-abc\.azurewebsites\.net\/api\/oauth\/microsoft\/callback/,
    );
  });

  it('prints what the platform Google project needs for oauth directory connections (Admin SDK API, the directory scopes)', () => {
    azure = vaultWithClientSecrets();
    const run = azure.run(HOOK, azdEnvironment());
    expect(run.stdout).toContain('Admin SDK API');
    for (const scope of DIRECTORY_SCOPES) expect(run.stdout).toContain(scope);
  });

  it('with microsoftCredential=managed-identity: prints the federated credential and asks for no Microsoft secret', () => {
    azure = new FakeAzure();
    azure.setSecret(secretNames.googleClientSecret, 'g');
    const run = azure.run(
      HOOK,
      azdEnvironment({
        MICROSOFT_CREDENTIAL: 'managed-identity',
        KEY_VAULT_REFERENCES: `GOOGLE_CLIENT_SECRET=${secretNames.googleClientSecret} STATE_SIGNING_KEY=${secretNames.stateSigningKey}`,
      }),
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('"issuer": "https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/v2.0"');
    expect(run.stdout).toContain('"subject": "99999999-8888-4777-8666-555555555555"');
    expect(run.stdout).toContain('"audiences": ["api://AzureADTokenExchange"]');
    expect(run.stdout).toContain('az ad app federated-credential create --id 00000000-0000-4000-8000-0000000000aa');
    expect(run.stdout + run.stderr).not.toContain(secretNames.microsoftClientSecret);
  });

  it('without the Azure CLI, or signed out, it stops and says how to finish', () => {
    azure = new FakeAzure({ withAz: false });
    const missing = azure.run(HOOK, azdEnvironment());
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('the Azure CLI (az) is not installed');
    expect(missing.stderr).toContain('azd hooks run postprovision');
    azure.cleanup();
    azure = new FakeAzure();
    azure.signOut();
    const signedOut = azure.run(HOOK, azdEnvironment());
    expect(signedOut.status).not.toBe(0);
    expect(signedOut.stderr).toContain('az login --tenant 11111111-2222-4333-8444-555555555555');
  });

  it('stops, creating nothing, when KEY_VAULT_REFERENCES names no state-signing key (an older deployment)', () => {
    azure = vaultWithClientSecrets();
    const run = azure.run(HOOK, azdEnvironment({ KEY_VAULT_REFERENCES: `GOOGLE_CLIENT_SECRET=${secretNames.googleClientSecret}` }));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('KEY_VAULT_REFERENCES names no secret for STATE_SIGNING_KEY');
    expect(azure.calls().filter((c) => c.startsWith('keyvault secret set'))).toEqual([]);
  });

  it('refuses to run without the Bicep outputs', () => {
    azure = new FakeAzure();
    const run = azure.run(HOOK, azdEnvironment({ AZURE_KEY_VAULT_NAME: '' }));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('AZURE_KEY_VAULT_NAME is not set');
    expect(azure.calls()).toEqual([]);
  });
});

describeCompiled('postprovision hook, fed the outputs of the compiled template', ({ template }) => {
  const AZD_ENV = {
    AZURE_ENV_NAME: 'prod',
    AZURE_LOCATION: 'westeurope',
    AZURE_PRINCIPAL_ID: '',
    MICROSOFT_CLIENT_ID: 'ms-app-id',
    GOOGLE_CLIENT_ID: 'google-client-id',
  };
  const directoryApp = '00000000-0000-4000-8000-0000000000dd';
  /** What azd hands the hook after provisioning: the environment's values and the deployment's outputs (as text). */
  const hookEnvironment = (overrides: Record<string, unknown>): Record<string, string> => {
    const { outputs } = dryRun(template, { ...azdParameters(AZD_ENV), ...overrides });
    return { ...AZD_ENV, ...Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, String(v)])), KEY_VAULT_RBAC_WAIT_SECONDS: '0' };
  };
  let azure: FakeAzure;
  afterEach(() => azure.cleanup());

  it('checks every Key Vault reference of the app settings: the directory app set, its secret missing, fails naming it and the command', () => {
    const env = hookEnvironment({ microsoftDirectoryClientId: directoryApp });
    expect(env.KEY_VAULT_REFERENCES.split(' ').sort()).toEqual([
      `GOOGLE_CLIENT_SECRET=${secretNames.googleClientSecret}`,
      `MICROSOFT_CLIENT_SECRET=${secretNames.microsoftClientSecret}`,
      `MICROSOFT_DIRECTORY_CLIENT_SECRET=${secretNames.microsoftDirectoryClientSecret}`,
      `STATE_SIGNING_KEY=${secretNames.stateSigningKey}`,
    ]);
    azure = vaultWithClientSecrets();
    const run = azure.run(HOOK, env);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `${secretNames.microsoftDirectoryClientSecret} (MICROSOFT_DIRECTORY_CLIENT_SECRET: client secret of the directory app ${directoryApp}`,
    );
    expect(run.stderr).toContain(
      `az keyvault secret set --vault-name ${env.AZURE_KEY_VAULT_NAME} --name ${secretNames.microsoftDirectoryClientSecret} --file`,
    );
    expect(run.stderr).not.toContain(`--name ${secretNames.googleClientSecret}`);
    azure.setSecret(secretNames.microsoftDirectoryClientSecret, 'd');
    expect(azure.run(HOOK, env).status).toBe(0);
  });

  it('without the directory app, or with a managed identity, the hook checks exactly the references the settings hold', () => {
    expect(hookEnvironment({}).KEY_VAULT_REFERENCES).not.toContain('MICROSOFT_DIRECTORY_CLIENT_SECRET');
    expect(hookEnvironment({ microsoftCredential: 'managed-identity' }).KEY_VAULT_REFERENCES).not.toContain('MICROSOFT_CLIENT_SECRET=');
    azure = new FakeAzure();
    azure.setSecret(secretNames.googleClientSecret, 'g');
    expect(azure.run(HOOK, hookEnvironment({ microsoftCredential: 'managed-identity' })).status).toBe(0);
  });
});
