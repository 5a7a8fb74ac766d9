/**
 * Holds infra/ (Bicep, azd) and the code together, so neither can drift from the other: settings,
 * storage names, roles, the no-secrets rules and the local sample settings. The infra is read as the
 * real Bicep compiler's ARM JSON, dry-run for azd's parameters (test/support/infra-arm.ts), so every
 * value is checked as Azure would receive it, whether the Bicep writes it out or builds it with an
 * expression or a loop. The code's own lists (SETTINGS, shared/store/names.ts, the SDKs shared/store
 * imports) are read here, never copied.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, SETTINGS } from '@shared/config';
import * as storeNames from '@shared/store/names';
import { DeployedResource, dryRun, runtime, SUBSCRIPTION_ID } from '../support/infra-arm';
import { INFRA_DIR, infraFiles, REPO_DIR } from '../support/infra-bicep';
import { AZD_SUBSTITUTION, azdParameters, describeCompiled } from '../support/infra-compiler';

const readRepoFile = (path: string): string => readFileSync(join(REPO_DIR, path), 'utf8');
const parametersFile = () => JSON.parse(readRepoFile('infra/main.parameters.json')).parameters as Record<string, { value: unknown }>;
const infraReadme = readRepoFile('infra/README.md');

/** Sample values for the azd environment values main.parameters.json substitutes without a default. */
const AZD_ENV = {
  AZURE_ENV_NAME: 'prod',
  AZURE_LOCATION: 'westeurope',
  AZURE_PRINCIPAL_ID: '',
  MICROSOFT_CLIENT_ID: 'ms-app-id',
  GOOGLE_CLIENT_ID: 'google-client-id',
};

/** Settings the Bicep may set that the app's code does not read: the Functions host reads them. Keep it short. */
const PLATFORM_SETTINGS: Record<string, string> = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'where the host sends telemetry',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'makes the host authenticate to Application Insights with the managed identity',
};

describeCompiled("infra, compiled and dry-run with azd's parameters", ({ template }) => {
  const deploy = (overrides: Record<string, unknown> = {}) => dryRun(template, { ...azdParameters(AZD_ENV), ...overrides });
  // With the optional directory app, so its secret setting is checked too.
  const secretMode = deploy({ microsoftCredential: 'secret', microsoftDirectoryClientId: '00000000-0000-4000-8000-0000000000dd' });
  const identityMode = deploy({ microsoftCredential: 'managed-identity' });
  const withUser = deploy({ principalId: 'user-object-id', principalType: 'User' });

  const all = (resources: DeployedResource[], type: string) => resources.filter((r) => r.type === type);
  const one = (resources: DeployedResource[], type: string) => {
    const found = all(resources, type);
    expect(found.map((r) => r.type)).toEqual([type]);
    return found[0];
  };
  const appSettingsOf = (resources: DeployedResource[]) => {
    const config = one(resources, 'Microsoft.Web/sites/config');
    expect(config.name.split('/').pop()).toBe('appsettings');
    return config.properties as Record<string, string>;
  };
  const r = secretMode.resources;
  const identity = one(r, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const vault = one(r, 'Microsoft.KeyVault/vaults');
  const account = one(r, 'Microsoft.Storage/storageAccounts');
  const site = one(r, 'Microsoft.Web/sites');
  const settings = appSettingsOf(r);
  const vaultUri = runtime(vault.id, 'vaultUri');
  const clientId = runtime(identity.id, 'clientId');

  describe('app settings against SETTINGS in shared/settings.ts', () => {
    const specs = new Map(SETTINGS.map((s) => [s.name, s]));
    const operatorSettings = parametersFile().operatorSettings.value as Record<string, string>;
    /** Every setting either credential mode sets. */
    const anyMode = new Set([...Object.keys(settings), ...Object.keys(appSettingsOf(identityMode.resources))]);

    it('every app setting the Bicep sets is read by the code, or is a listed platform setting', () => {
      expect([...anyMode].filter((name) => !specs.has(name) && !(name in PLATFORM_SETTINGS))).toEqual([]);
    });

    it('every setting the code reads in Azure is computed by the templates or is an operator setting in main.parameters.json, and nothing else is', () => {
      const open = SETTINGS.filter((s) => !s.localOnly && !anyMode.has(s.name)).map((s) => s.name);
      expect(Object.keys(operatorSettings).sort()).toEqual(open.sort());
    });

    it('each operator setting comes from the azd environment value of the same name, empty by default, and is optional, not a secret, documented', () => {
      for (const [name, value] of Object.entries(operatorSettings)) {
        const spec = specs.get(name)!;
        expect({
          name,
          value,
          secret: spec.secret ?? false,
          optionalOrDefaulted: spec.optional === true || spec.default !== undefined,
        }).toEqual({ name, value: `\${${name}=}`, secret: false, optionalOrDefaulted: true });
        expect({ name, documented: infraReadme.includes(`\`${name}\``) }).toEqual({ name, documented: true });
      }
    });

    it("an operator setting set in the azd environment reaches the app settings; one left empty is absent (the code's default)", () => {
      const chosen = appSettingsOf(
        deploy({
          operatorSettings: {
            ...(azdParameters(AZD_ENV).operatorSettings as object),
            SECRET_CACHE_TTL_SECONDS: '120',
            MICROSOFT_CLIENT_SECRET_EXPIRES_ON: '2027-06-30',
          },
        }).resources,
      );
      expect({ ttl: chosen.SECRET_CACHE_TTL_SECONDS, expiry: chosen.MICROSOFT_CLIENT_SECRET_EXPIRES_ON }).toEqual({
        ttl: '120',
        expiry: '2027-06-30',
      });
      expect(Object.keys(operatorSettings).filter((name) => name in settings)).toEqual([]);
    });

    it('no document tells an operator to set an app setting by hand (azd provision would delete it)', () => {
      const docs = [
        'README.md',
        'infra/README.md',
        ...readdirSync(join(REPO_DIR, 'docs'), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.md'))
          .map((f) => `docs/${f}`),
      ];
      expect(docs).toEqual(expect.arrayContaining(['infra/README.md', 'docs/operations.md']));
      for (const doc of docs)
        expect({ doc, byHand: /appsettings set|config appsettings/.test(readRepoFile(doc)) }).toEqual({ doc, byHand: false });
    });

    it('local-only settings (a service principal secret, the local function key) are never set in Azure', () => {
      expect(SETTINGS.filter((s) => s.localOnly && anyMode.has(s.name)).map((s) => s.name)).toEqual([]);
    });

    it('every secret setting is a versionless Key Vault reference into the deployed vault, by a name the hook knows', () => {
      const secrets = SETTINGS.filter((s) => s.secret && !s.localOnly);
      expect(secrets.length).toBeGreaterThan(0);
      // The hook checks the pairs of KEY_VAULT_REFERENCES: exactly the references the settings hold.
      const hookPairs = new Map(
        String(secretMode.outputs.KEY_VAULT_REFERENCES)
          .split(' ')
          .map((pair) => pair.split('=') as [string, string]),
      );
      for (const spec of secrets) {
        const value = settings[spec.name];
        const name = new RegExp(`^@Microsoft\\.KeyVault\\(SecretUri=${escape(vaultUri)}secrets/([a-z0-9-]+)/\\)$`).exec(value ?? '')?.[1];
        expect({ setting: spec.name, value, checkedByHook: name !== undefined && hookPairs.get(spec.name) === name }).toEqual({
          setting: spec.name,
          value,
          checkedByHook: true,
        });
      }
      const references = Object.keys(settings).filter((k) => settings[k].startsWith('@Microsoft.KeyVault('));
      expect([...hookPairs.keys()].sort()).toEqual(references.sort());
    });

    it('no other setting holds a Key Vault reference or a literal that looks like a credential', () => {
      for (const [name, value] of Object.entries(settings)) {
        if (specs.get(name)?.secret) continue;
        expect({ name, value }).not.toEqual({
          name,
          value: expect.stringMatching(/@Microsoft\.KeyVault|AccountKey|SharedAccessSignature|InstrumentationKey=/),
        });
      }
    });

    it('MICROSOFT_CLIENT_SECRET is set only when microsoftCredential is "secret" (a managed identity needs none)', () => {
      expect(settings.MICROSOFT_CREDENTIAL).toBe('secret');
      expect(settings.MICROSOFT_CLIENT_SECRET).toBe(`@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/platform-microsoft-client-secret/)`);
      const identitySettings = appSettingsOf(identityMode.resources);
      expect(identitySettings.MICROSOFT_CREDENTIAL).toBe('managed-identity');
      expect('MICROSOFT_CLIENT_SECRET' in identitySettings).toBe(false);
    });

    it('storage and telemetry connections are identity-based, with the identity the app runs as', () => {
      expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
      expect(settings.AzureWebJobsStorage__clientId).toBe(clientId);
      expect(settings.AZURE_CLIENT_ID).toBe(clientId);
      for (const service of ['blob', 'queue', 'table']) {
        expect(settings[`AzureWebJobsStorage__${service}ServiceUri`]).toBe(runtime(account.id, `primaryEndpoints.${service}`));
      }
      expect('AzureWebJobsStorage' in settings).toBe(false);
      expect(settings.APPLICATIONINSIGHTS_CONNECTION_STRING).toBe(runtime(one(r, 'Microsoft.Insights/components').id, 'ConnectionString'));
      expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe(`ClientId=${clientId};Authorization=AAD`);
      expect(settings.KEY_VAULT_URL).toBe(vaultUri);
      expect(settings.PUBLIC_BASE_URL).toBe(`https://${runtime(site.id, 'defaultHostName')}`);
      expect(Object.keys((site.body.identity as { userAssignedIdentities: object }).userAssignedIdentities)).toEqual([identity.id]);
    });
  });

  /** Which kind of storage resource holds each group of names that shared/store/names.ts exports. */
  const STORAGE_KINDS: Record<string, string> = {
    QUEUES: 'Microsoft.Storage/storageAccounts/queueServices/queues',
    TABLES: 'Microsoft.Storage/storageAccounts/tableServices/tables',
    CONTAINERS: 'Microsoft.Storage/storageAccounts/blobServices/containers',
  };
  const deploymentContainer = 'app-package';

  describe('storage names from shared/store/names.ts', () => {
    it('each exported group of names is a kind the infra knows', () => {
      const groups = Object.entries(storeNames)
        .filter(([, value]) => typeof value === 'object')
        .map(([key]) => key);
      expect(groups.sort()).toEqual(Object.keys(STORAGE_KINDS).sort());
    });

    it.each(Object.entries(STORAGE_KINDS))(
      '%s: the deployment creates exactly the names the code uses, in the one account',
      (group, type) => {
        const codeNames = Object.values((storeNames as unknown as Record<string, Record<string, string>>)[group]);
        const extra = group === 'CONTAINERS' ? [deploymentContainer] : [];
        const created = all(r, type);
        expect(created.map((c) => c.name.split('/').pop()).sort()).toEqual([...codeNames, ...extra].sort());
        for (const c of created) expect(c.name.split('/')[0]).toBe(account.name);
      },
    );

    it("Flex deploys from the container the storage module creates, with the app's identity", () => {
      const storage = (site.properties as { functionAppConfig: { deployment: { storage: Record<string, unknown> } } }).functionAppConfig
        .deployment.storage;
      expect(storage).toEqual({
        type: 'blobContainer',
        value: `${runtime(account.id, 'primaryEndpoints.blob')}${deploymentContainer}`,
        authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id },
      });
    });
  });

  describe('roles of the function identity', () => {
    const roleCatalog: Record<string, { roleName: string; id: string }> = JSON.parse(readRepoFile('infra/app/roles.json'));
    const roleName = (definitionId: string) =>
      Object.values(roleCatalog).find(
        (role) =>
          typeof role === 'object' &&
          definitionId === `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`,
      )?.roleName;
    const grantsTo = (resources: DeployedResource[], principalId: string) =>
      all(resources, 'Microsoft.Authorization/roleAssignments')
        .filter((g) => g.properties.principalId === principalId)
        .map((g) => ({ role: roleName(g.properties.roleDefinitionId as string), on: resources.find((x) => x.id === g.scope)?.type }));

    /** Roles each SDK that shared/store imports needs on the resource it talks to. */
    const SDK_ROLES: Record<string, [string, string]> = {
      '@azure/storage-queue': ['Storage Queue Data Contributor', 'Microsoft.Storage/storageAccounts'],
      '@azure/data-tables': ['Storage Table Data Contributor', 'Microsoft.Storage/storageAccounts'],
      // Owner, not Contributor: the Functions host also needs it (below), and one blob role is enough.
      '@azure/storage-blob': ['Storage Blob Data Owner', 'Microsoft.Storage/storageAccounts'],
      // The app writes and deletes org secrets; Secrets User could only read.
      '@azure/keyvault-secrets': ['Key Vault Secrets Officer', 'Microsoft.KeyVault/vaults'],
    };
    /** Roles the platform needs whatever the code does: identity-based AzureWebJobsStorage with queue triggers, and Entra-only telemetry. */
    const PLATFORM_ROLES: Array<[string, string]> = [
      ['Storage Blob Data Owner', 'Microsoft.Storage/storageAccounts'],
      ['Storage Queue Data Contributor', 'Microsoft.Storage/storageAccounts'],
      ['Monitoring Metrics Publisher', 'Microsoft.Insights/components'],
    ];
    const required = () => {
      const storeDir = join(REPO_DIR, 'shared/store');
      const sources = readdirSync(storeDir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => readFileSync(join(storeDir, f), 'utf8'))
        .join('\n');
      const fromSdks = Object.keys(SDK_ROLES)
        .filter((sdk) => sources.includes(`from '${sdk}'`))
        .map((sdk) => SDK_ROLES[sdk]);
      return [...new Map([...fromSdks, ...PLATFORM_ROLES].map(([role, on]) => [`${role}@${on}`, { role, on }])).values()];
    };
    const identityPrincipal = runtime(identity.id, 'principalId');

    it('the role ids live in infra/app/roles.json, each a GUID with its built-in role name', () => {
      const entries = Object.values(roleCatalog).filter((value) => typeof value === 'object');
      expect(entries.length).toBeGreaterThan(0);
      for (const role of entries) expect(role.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('the function identity gets every role the code and the platform need, on the resource it is needed on, and no other', () => {
      const granted = grantsTo(r, identityPrincipal);
      expect(granted.map((g) => `${g.role}@${g.on}`).sort()).toEqual(
        required()
          .map((g) => `${g.role}@${g.on}`)
          .sort(),
      );
      expect(required().map((g) => g.role)).toContain('Key Vault Secrets Officer');
      for (const g of all(r, 'Microsoft.Authorization/roleAssignments')) expect(g.properties.principalType).toBe('ServicePrincipal');
    });

    it('the deploying principal gets the same roles when azd knows it, and none otherwise', () => {
      expect(grantsTo(withUser.resources, 'user-object-id')).toEqual(grantsTo(withUser.resources, identityPrincipal));
      expect(
        all(withUser.resources, 'Microsoft.Authorization/roleAssignments')
          .filter((g) => g.properties.principalId === 'user-object-id')
          .map((g) => g.properties.principalType),
      ).toEqual(expect.arrayContaining(['User']));
      expect(all(r, 'Microsoft.Authorization/roleAssignments').filter((g) => g.properties.principalId !== identityPrincipal)).toEqual([]);
    });

    it('role assignment names are unique (a duplicate fails the deployment)', () => {
      const names = all(withUser.resources, 'Microsoft.Authorization/roleAssignments').map((g) => `${g.scope}/${g.name}`);
      expect(new Set(names).size).toBe(names.length);
    });
  });

  describe('locked down: no keys, no secrets, TLS', () => {
    it('Storage refuses shared keys and anonymous blobs, and speaks TLS 1.2+ over HTTPS only', () => {
      expect(account.body).toMatchObject({
        kind: 'StorageV2',
        properties: {
          allowSharedKeyAccess: false,
          defaultToOAuthAuthentication: true,
          minimumTlsVersion: 'TLS1_2',
          allowBlobPublicAccess: false,
          supportsHttpsTrafficOnly: true,
        },
      });
      for (const c of all(r, STORAGE_KINDS.CONTAINERS)) expect(c.properties.publicAccess).toBe('None');
    });

    it('Key Vault: RBAC only, soft delete and purge protection; monitoring without local auth', () => {
      expect(vault.properties).toMatchObject({
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        enablePurgeProtection: true,
        tenantId: expect.any(String),
      });
      expect(one(r, 'Microsoft.Insights/components').properties.DisableLocalAuth).toBe(true);
      expect(one(r, 'Microsoft.OperationalInsights/workspaces').properties).toMatchObject({ features: { disableLocalAuth: true } });
    });

    it('the templates write no secret into Key Vault and take no secret parameter', () => {
      expect(r.filter((x) => x.type.startsWith('Microsoft.KeyVault/vaults/'))).toEqual([]);
      const parameters = (t: typeof template): Array<[string, { type: string }]> => [
        ...(Object.entries(t.parameters ?? {}) as Array<[string, { type: string }]>),
        ...Object.values(t.resources ?? {}).flatMap((x) =>
          (x as { properties?: { template?: typeof template } }).properties?.template
            ? parameters((x as { properties: { template: typeof template } }).properties.template)
            : [],
        ),
      ];
      // Secret *names* (secretNames) are fine; a parameter carrying a secret value is not.
      expect(
        parameters(template)
          .filter(([p, spec]) => (/secret|password|signingkey/i.test(p) && !/Names?$/.test(p)) || /^secure/i.test(spec.type))
          .map(([p]) => p),
      ).toEqual([]);
    });

    it('the function app: Flex Consumption, Node 22, HTTPS only with TLS 1.2, one user-assigned identity for everything, no basic auth', () => {
      expect(one(r, 'Microsoft.Web/serverfarms').body).toMatchObject({
        sku: { name: 'FC1', tier: 'FlexConsumption' },
        properties: { reserved: true },
      });
      expect(site.body).toMatchObject({
        kind: 'functionapp,linux',
        identity: { type: 'UserAssigned' },
        properties: {
          httpsOnly: true,
          keyVaultReferenceIdentity: identity.id,
          siteConfig: { minTlsVersion: '1.2' },
          functionAppConfig: { runtime: { name: 'node', version: '22' } },
        },
      });
      const basicAuth = all(r, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
      expect(basicAuth.map((b) => [b.name.split('/').pop(), b.properties.allow]).sort()).toEqual([
        ['ftp', false],
        ['scm', false],
      ]);
    });
  });

  describe('azd: tags, names, parameters, outputs', () => {
    it('every taggable resource carries the environment tag, the function app also the service name', () => {
      for (const x of r.filter((x) => 'location' in x.body))
        expect({ resource: x.id, tags: x.body.tags }).toEqual({
          resource: x.id,
          tags: expect.objectContaining({ 'azd-env-name': 'prod' }),
        });
      expect(site.body.tags).toEqual({ 'azd-env-name': 'prod', 'azd-service-name': 'api' });
    });

    it('every generated resource name can be overridden through main.parameters.json', () => {
      const overrides: Record<string, string> = {
        resourceGroupName: 'Microsoft.Resources/resourceGroups',
        identityName: 'Microsoft.ManagedIdentity/userAssignedIdentities',
        logAnalyticsName: 'Microsoft.OperationalInsights/workspaces',
        applicationInsightsName: 'Microsoft.Insights/components',
        storageAccountName: 'Microsoft.Storage/storageAccounts',
        keyVaultName: 'Microsoft.KeyVault/vaults',
        appServicePlanName: 'Microsoft.Web/serverfarms',
        functionAppName: 'Microsoft.Web/sites',
      };
      const named = deploy(
        Object.fromEntries(
          Object.keys(overrides)
            .map((p) => [p, `custom${p.toLowerCase().slice(0, 8)}`])
            .concat([['deploymentContainerName', 'custom-package']]),
        ),
      );
      for (const [parameter, type] of Object.entries(overrides))
        expect({ parameter, name: one(named.resources, type).name }).toEqual({
          parameter,
          name: `custom${parameter.toLowerCase().slice(0, 8)}`,
        });
      expect(all(named.resources, STORAGE_KINDS.CONTAINERS).map((c) => c.name.split('/').pop())).toContain('custom-package');
    });

    it('main.parameters.json and main.bicep agree: every given parameter exists with a compatible type, every required one is given', () => {
      const given = parametersFile();
      const declared = template.parameters as Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>;
      for (const [name, { value }] of Object.entries(given)) {
        const spec = declared[name];
        // An object parameter holds substituted strings; azd substitutes text, and ARM converts text only for string parameters.
        const isObject = typeof value === 'object';
        const substitutions = isObject ? Object.values(value as object) : [value];
        expect({ name, declared: Boolean(spec), azdSubstitution: substitutions.every((v) => AZD_SUBSTITUTION.test(v as string)) }).toEqual({
          name,
          declared: true,
          azdSubstitution: true,
        });
        expect({ name, type: spec.type.toLowerCase() }).toEqual({
          name,
          type: isObject ? 'object' : expect.stringMatching(/^(string|securestring)$/),
        });
        const m = isObject ? null : AZD_SUBSTITUTION.exec(value as string);
        if (m?.[2] !== undefined && spec.allowedValues)
          expect({ name, default: m[2], allowed: spec.allowedValues.includes(m[2]) }).toEqual({ name, default: m[2], allowed: true });
      }
      const required = Object.entries(declared)
        .filter(([, spec]) => !('defaultValue' in spec))
        .map(([name]) => name);
      expect(required.filter((name) => !(name in given))).toEqual([]);
    });

    it('the postprovision hook reads only outputs main.bicep declares', () => {
      const hook = readRepoFile('infra/hooks/postprovision.sh');
      const needed = /for name in ([^;]+); do/
        .exec(hook)![1]
        .split(/[\s\\]+/)
        .filter(Boolean);
      expect(needed.length).toBeGreaterThan(5);
      expect(needed.filter((name) => !(name in secretMode.outputs))).toEqual([]);
    });
  });
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('infra: no secret, no key, no shared-key access anywhere in infra/ (source text)', () => {
  const files = infraFiles().map((name) => ({ name, content: readFileSync(join(INFRA_DIR, name), 'utf8') }));
  const FORBIDDEN: Array<[string, RegExp]> = [
    ['a storage account key', /AccountKey\s*=/i],
    ['a SAS token', /SharedAccessSignature\s*=|[?&]sig=/i],
    ['a key-based connection string', /DefaultEndpointsProtocol\s*=/i],
    ['shared-key access', /allowSharedKeyAccess\s*:\s*true/i],
    ['a key read out of a resource', /\blist(Keys|ConnectionStrings|AccountSas|ServiceSas)\s*\(/i],
    ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ['a key-like literal', /(?=[A-Za-z0-9+/]*[0-9])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])[A-Za-z0-9+/]{32,}={0,2}/],
  ];

  it.each(FORBIDDEN)('no %s', (_what, pattern) => {
    expect(files.filter((f) => pattern.test(f.content)).map((f) => f.name)).toEqual([]);
  });

  it('the scan does catch a key-like literal', () => {
    expect(
      FORBIDDEN.some(([, p]) =>
        p.test("value: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='"),
      ),
    ).toBe(true);
  });

  it('main.parameters.json only substitutes azd environment values', () => {
    const values = Object.entries(parametersFile()).flatMap(([name, { value }]) =>
      typeof value === 'object' ? Object.entries(value as object).map(([key, v]) => [`${name}.${key}`, v]) : [[name, value]],
    );
    expect(values.length).toBeGreaterThan(20);
    for (const [name, value] of values)
      expect({ name, value }).toEqual({ name, value: expect.stringMatching(/^\$\{[A-Z0-9_]+(=[A-Za-z-]*)?\}$/) });
  });

  it('the code refuses to start on a Key Vault reference the platform could not resolve', () => {
    const sample = JSON.parse(readRepoFile('local.settings.sample.json')).Values;
    const unresolved = '@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/platform-state-signing-key/)';
    expect(() => loadConfig({ ...sample, STATE_SIGNING_KEY: unresolved })).toThrow(ConfigError);
    expect(() => loadConfig({ ...sample, STATE_SIGNING_KEY: unresolved })).toThrow(
      /^Setting STATE_SIGNING_KEY is malformed \(an unresolved Key Vault reference\)/,
    );
  });
});
