/**
 * Holds infra/ (Bicep, azd) and the code together, so neither can drift from the other: settings,
 * storage names, roles, the no-secrets rules, the syntax of every .bicep file, and the local sample
 * settings. The code's own lists (SETTINGS, shared/store/names.ts, the SDKs shared/store imports) are
 * read here, never copied.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, SETTINGS } from '../../shared/config';
import * as storeNames from '../../shared/store/names';
import {
  allProperties, BicepFile, INFRA_DIR, infraFiles, modules, Node, objectProperties, outputNames, parameterNames,
  parseBicep, parseBicepSource, propertyAt, REPO_DIR, resources, stringLiterals, syntaxErrors, variableValue,
} from '../support/infra-bicep';

const main = parseBicep('main.bicep');
const functionApp = parseBicep('app/function.bicep');
const readRepoFile = (path: string): string => readFileSync(join(REPO_DIR, path), 'utf8');
const infraReadme = readRepoFile('infra/README.md');

/** Settings the Bicep may set that the app's code does not read: the Functions host reads them. Keep it short. */
const PLATFORM_SETTINGS: Record<string, string> = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'where the host sends telemetry',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'makes the host authenticate to Application Insights with the managed identity',
};

/** The `appsettings` config resource's properties: every key any branch of the expression can set. */
function appSettings(): Map<string, Node> {
  const config = resources(functionApp).find((r) => r.type === 'Microsoft.Web/sites/config');
  expect(stringLiterals(propertyAt(config!.body, 'name')!)).toEqual(['appsettings']);
  const value = propertyAt(config!.body, 'properties')!;
  return new Map(allProperties(value.type === 'identifier' ? variableValue(functionApp, value.text) : value));
}

function resourceOfType(file: BicepFile, type: string) {
  const found = resources(file).filter((r) => r.type === type);
  expect(found).toHaveLength(1);
  return found[0];
}

const text = (node: Node | undefined): string | undefined => node?.text;

describe('infra: every .bicep file parses (tree-sitter-bicep)', () => {
  const bicepFiles = infraFiles().filter((f) => f.endsWith('.bicep'));

  it('finds main.bicep and the modules it uses', () => {
    expect(bicepFiles).toEqual(expect.arrayContaining(['main.bicep', ...modules(main).map((m) => m.path)]));
  });

  it.each(bicepFiles)('%s has no syntax errors', (name) => {
    expect(syntaxErrors(parseBicep(name))).toEqual([]);
  });

  it('the parser does report a broken file', () => {
    const broken = parseBicepSource('broken.bicep', "resource r 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x' 'y'\n");
    expect(syntaxErrors(broken).length).toBeGreaterThan(0);
  });
});

describe('infra: app settings against SETTINGS in shared/config.ts', () => {
  const settings = appSettings();
  const specs = new Map(SETTINGS.map((s) => [s.name, s]));

  it('every app setting the Bicep sets is read by the code, or is a listed platform setting', () => {
    const unknown = [...settings.keys()].filter((name) => !specs.has(name) && !(name in PLATFORM_SETTINGS));
    expect(unknown).toEqual([]);
  });

  it('every setting the code reads in Azure is set by the Bicep, or is optional / defaulted and documented as such', () => {
    for (const spec of SETTINGS.filter((s) => !s.localOnly && !settings.has(s.name))) {
      expect({ name: spec.name, optionalOrDefaulted: spec.optional === true || spec.default !== undefined }).toEqual({ name: spec.name, optionalOrDefaulted: true });
      expect({ name: spec.name, documented: infraReadme.includes(`\`${spec.name}\``) }).toEqual({ name: spec.name, documented: true });
    }
  });

  it('local-only settings (a service principal secret, the local function key) are never set in Azure', () => {
    expect(SETTINGS.filter((s) => s.localOnly && settings.has(s.name)).map((s) => s.name)).toEqual([]);
  });

  it('every secret setting is a versionless Key Vault reference to a secret named in main.bicep', () => {
    const secretNames = objectProperties(variableValue(main, 'secretNames'));
    const secrets = SETTINGS.filter((s) => s.secret && !s.localOnly);
    expect(secrets.length).toBeGreaterThan(0);
    for (const spec of secrets) {
      const value = text(settings.get(spec.name));
      const reference = /^'@Microsoft\.KeyVault\(SecretUri=\$\{keyVaultUri\}secrets\/\$\{secretNames\.(\w+)\}\/\)'$/.exec(value ?? '');
      expect({ setting: spec.name, value, reference: Boolean(reference) }).toEqual({ setting: spec.name, value, reference: true });
      expect(secretNames.has(reference![1])).toBe(true);
    }
    const api = modules(main).find((m) => m.path === 'app/function.bicep')!;
    expect(text(api.params.get('secretNames'))).toBe('secretNames');
  });

  it('no other setting holds a Key Vault reference or a literal that looks like a credential', () => {
    for (const [name, value] of settings) {
      if (specs.get(name)?.secret) continue;
      expect({ name, value: value.text }).not.toEqual({ name, value: expect.stringMatching(/@Microsoft\.KeyVault|AccountKey|SharedAccessSignature|InstrumentationKey=/) });
    }
  });

  it('MICROSOFT_CLIENT_SECRET is set only when microsoftCredential is "secret" (a managed identity needs none)', () => {
    let node: Node | null = settings.get('MICROSOFT_CLIENT_SECRET')!;
    while (node && node.type !== 'ternary_expression') node = node.parent;
    expect(text(node?.childForFieldName('condition') ?? undefined)).toBe("microsoftCredential == 'secret'");
    expect(text(settings.get('MICROSOFT_CREDENTIAL'))).toBe('microsoftCredential');
  });

  it('storage and telemetry connections are identity-based, with the identity the code uses', () => {
    expect(text(settings.get('AzureWebJobsStorage__credential'))).toBe("'managedidentity'");
    expect(text(settings.get('AzureWebJobsStorage__clientId'))).toBe('identityClientId');
    expect(text(settings.get('AZURE_CLIENT_ID'))).toBe('identityClientId');
    for (const service of ['blob', 'queue', 'table']) {
      expect(text(settings.get(`AzureWebJobsStorage__${service}ServiceUri`))).toBe(`${service}Endpoint`);
    }
    expect(settings.has('AzureWebJobsStorage')).toBe(false);
    expect(text(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING'))).toBe("'ClientId=${identityClientId};Authorization=AAD'");
    expect(text(settings.get('PUBLIC_BASE_URL'))).toBe("'https://${site.properties.defaultHostName}'");
  });

  it('the code refuses to start on a Key Vault reference the platform could not resolve', () => {
    const sample = JSON.parse(readRepoFile('local.settings.sample.json')).Values;
    const unresolved = '@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/platform-state-signing-key/)';
    expect(() => loadConfig({ ...sample, STATE_SIGNING_KEY: unresolved })).toThrow(ConfigError);
    expect(() => loadConfig({ ...sample, STATE_SIGNING_KEY: unresolved })).toThrow(/^Setting STATE_SIGNING_KEY is malformed \(an unresolved Key Vault reference\)/);
  });
});

/** Which list in main.bicep's storageNames holds each kind of name that shared/store/names.ts exports. */
const STORAGE_KINDS: Record<string, string> = { QUEUES: 'queues', TABLES: 'tables', CONTAINERS: 'containers' };

describe('infra: storage names from shared/store/names.ts', () => {
  const bicepNames = objectProperties(variableValue(main, 'storageNames'));

  it('each exported group of names is a kind the infra knows', () => {
    const groups = Object.entries(storeNames).filter(([, value]) => typeof value === 'object').map(([key]) => key);
    expect(groups.sort()).toEqual(Object.keys(STORAGE_KINDS).sort());
  });

  it.each(Object.entries(STORAGE_KINDS))('%s: the Bicep creates exactly the names the code uses', (group, kind) => {
    const codeNames = Object.values((storeNames as unknown as Record<string, Record<string, string>>)[group]).sort();
    expect(stringLiterals(bicepNames.get(kind)!).sort()).toEqual(codeNames);
  });

  it('the storage module turns each list into queues, tables and containers', () => {
    const storage = modules(main).find((m) => m.path === 'app/storage.bicep')!;
    expect(text(storage.params.get('queueNames'))).toBe('storageNames.queues');
    expect(text(storage.params.get('tableNames'))).toBe('storageNames.tables');
    expect(text(storage.params.get('containerNames'))).toBe('concat(storageNames.containers, [names.deploymentContainer])');
    const created = new Map(resources(parseBicep('app/storage.bicep')).filter((r) => r.loop).map((r) => [r.type, r.loop!.namedChildren[1].text]));
    expect(created.get('Microsoft.Storage/storageAccounts/queueServices/queues')).toBe('queueNames');
    expect(created.get('Microsoft.Storage/storageAccounts/tableServices/tables')).toBe('tableNames');
    expect(created.get('Microsoft.Storage/storageAccounts/blobServices/containers')).toBe('containerNames');
  });

  it('Flex deploys from the container the storage module creates', () => {
    const api = modules(main).find((m) => m.path === 'app/function.bicep')!;
    expect(text(api.params.get('deploymentContainerName'))).toBe('names.deploymentContainer');
    const site = resourceOfType(functionApp, 'Microsoft.Web/sites');
    expect(text(propertyAt(site.body, 'properties.functionAppConfig.deployment.storage.value'))).toBe("'${blobEndpoint}${deploymentContainerName}'");
  });
});

const roleCatalog: Record<string, { roleName: string; id: string }> = JSON.parse(readRepoFile('infra/app/roles.json'));

/** Roles each SDK that shared/store imports needs on the resource it talks to. */
const SDK_ROLES: Record<string, string> = {
  '@azure/storage-queue': 'Storage Queue Data Contributor',
  '@azure/data-tables': 'Storage Table Data Contributor',
  // Owner, not Contributor: the Functions host also needs it (below), and one blob role is enough.
  '@azure/storage-blob': 'Storage Blob Data Owner',
  // The app writes and deletes org secrets; Secrets User could only read.
  '@azure/keyvault-secrets': 'Key Vault Secrets Officer',
};
/** Roles the platform needs whatever the code does: identity-based AzureWebJobsStorage with queue triggers, and Entra-only telemetry. */
const PLATFORM_ROLES = ['Storage Blob Data Owner', 'Storage Queue Data Contributor', 'Monitoring Metrics Publisher'];

function requiredRoles(): string[] {
  const storeDir = join(REPO_DIR, 'shared/store');
  const sources = readdirSync(storeDir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(storeDir, f), 'utf8')).join('\n');
  const imported = Object.keys(SDK_ROLES).filter((sdk) => sources.includes(`from '${sdk}'`));
  return [...new Set([...imported.map((sdk) => SDK_ROLES[sdk]), ...PLATFORM_ROLES])].sort();
}

describe('infra: roles of the function identity', () => {
  const functionRoles = objectProperties(variableValue(main, 'functionRoles'));
  const roleKey = (reference: Node) => /^roles\.(\w+)\.id$/.exec(reference.text)![1];
  const assigned = [...functionRoles.values()].flatMap((list) => list.namedChildren.map(roleKey));

  it('the role ids live in infra/app/roles.json, each a GUID with its built-in role name', () => {
    const entries = Object.entries(roleCatalog).filter(([, value]) => typeof value === 'object');
    expect(entries.length).toBeGreaterThan(0);
    for (const [, role] of entries) expect(role.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(text(variableValue(main, 'roles'))).toBe("loadJsonContent('app/roles.json')");
  });

  it('every role the code and the platform need is assigned', () => {
    const assignedNames = assigned.map((key) => roleCatalog[key].roleName).sort();
    expect(requiredRoles().filter((name) => !assignedNames.includes(name))).toEqual([]);
    expect(requiredRoles()).toContain('Key Vault Secrets Officer');
  });

  it.each([
    ['storage', 'app/storage.bicep', 'Microsoft.Storage/storageAccounts', /^Storage /],
    ['keyVault', 'app/keyvault.bicep', 'Microsoft.KeyVault/vaults', /^Key Vault /],
    ['monitoring', 'app/monitoring.bicep', 'Microsoft.Insights/components', /^Monitoring /],
  ])('functionRoles.%s goes to the function identity on the resource in %s', (group, path, scopeType, roleName) => {
    for (const reference of functionRoles.get(group)!.namedChildren) expect(roleCatalog[roleKey(reference)].roleName).toMatch(roleName);
    const module = modules(main).find((m) => m.path === path)!;
    expect(text(module.params.get('roleAssignments'))).toBe(`grants(principals, functionRoles.${group})`);
    const file = parseBicep(path);
    const grants = resourceOfType(file, 'Microsoft.Authorization/roleAssignments');
    expect(grants.loop!.namedChildren[1].text).toBe('roleAssignments');
    const scope = text(propertyAt(grants.body, 'scope'));
    expect(resources(file).find((r) => r.symbol === scope)?.type).toBe(scopeType);
  });

  it('the principals that get those roles start with the function identity', () => {
    expect(text(variableValue(main, 'principals'))).toContain("[{ id: identity.outputs.principalId, type: 'ServicePrincipal' }]");
    expect([...functionRoles.keys()].sort()).toEqual(['keyVault', 'monitoring', 'storage']);
  });
});

describe('infra: no secret, no key, no shared-key access anywhere in infra/', () => {
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
    expect(FORBIDDEN.some(([, p]) => p.test("value: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='"))).toBe(true);
  });

  it('the templates never write a secret value into Key Vault and take no secret parameter', () => {
    const bicep = infraFiles().filter((f) => f.endsWith('.bicep')).map(parseBicep);
    expect(bicep.flatMap(resources).filter((r) => r.type.startsWith('Microsoft.KeyVault/vaults/secrets'))).toEqual([]);
    // Secret *names* (secretNames) are fine; a parameter carrying a secret value is not.
    expect(bicep.flatMap(parameterNames).filter((p) => /secret|password|signingkey/i.test(p) && !/Names?$/.test(p))).toEqual([]);
  });

  it('main.parameters.json only substitutes azd environment values', () => {
    const parameters = JSON.parse(readRepoFile('infra/main.parameters.json')).parameters as Record<string, { value: string }>;
    for (const [name, { value }] of Object.entries(parameters)) expect({ name, value }).toEqual({ name, value: expect.stringMatching(/^\$\{[A-Z0-9_]+(=[A-Za-z-]*)?\}$/) });
    expect(Object.keys(parameters).sort()).toEqual(parameterNames(main).filter((p) => !['maximumInstanceCount', 'instanceMemoryMB'].includes(p)).sort());
  });

  it('Storage, Key Vault and monitoring are locked down as issue 6 asks', () => {
    const storage = resourceOfType(parseBicep('app/storage.bicep'), 'Microsoft.Storage/storageAccounts').body;
    expect(text(propertyAt(storage, 'properties.allowSharedKeyAccess'))).toBe('false');
    expect(text(propertyAt(storage, 'properties.minimumTlsVersion'))).toBe("'TLS1_2'");
    expect(text(propertyAt(storage, 'properties.allowBlobPublicAccess'))).toBe('false');
    const vault = resourceOfType(parseBicep('app/keyvault.bicep'), 'Microsoft.KeyVault/vaults').body;
    for (const flag of ['enableRbacAuthorization', 'enableSoftDelete', 'enablePurgeProtection']) expect(text(propertyAt(vault, `properties.${flag}`))).toBe('true');
    const monitoring = parseBicep('app/monitoring.bicep');
    expect(text(propertyAt(resourceOfType(monitoring, 'Microsoft.Insights/components').body, 'properties.DisableLocalAuth'))).toBe('true');
    expect(text(propertyAt(resourceOfType(monitoring, 'Microsoft.OperationalInsights/workspaces').body, 'properties.features.disableLocalAuth'))).toBe('true');
  });

  it('the function app: Flex Consumption, Node 22, one user-assigned identity for everything, no basic auth', () => {
    const plan = resourceOfType(functionApp, 'Microsoft.Web/serverfarms').body;
    expect(text(propertyAt(plan, 'sku.tier'))).toBe("'FlexConsumption'");
    const site = resourceOfType(functionApp, 'Microsoft.Web/sites').body;
    expect(text(propertyAt(site, 'properties.functionAppConfig.runtime.name'))).toBe("'node'");
    expect(text(propertyAt(site, 'properties.functionAppConfig.runtime.version'))).toBe("'22'");
    expect(text(propertyAt(site, 'identity.type'))).toBe("'UserAssigned'");
    expect(text(propertyAt(site, 'properties.keyVaultReferenceIdentity'))).toBe('identityId');
    expect(text(propertyAt(site, 'properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId'))).toBe('identityId');
    expect(text(propertyAt(site, 'properties.httpsOnly'))).toBe('true');
    const basicAuth = resources(functionApp).filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(basicAuth.map((r) => [stringLiterals(propertyAt(r.body, 'name')!)[0], text(propertyAt(r.body, 'properties.allow'))]).sort()).toEqual([['ftp', 'false'], ['scm', 'false']]);
  });

  it('azd tags: the environment on every resource group, the service name on the function app', () => {
    expect(text(variableValue(main, 'tags'))).toBe("{ 'azd-env-name': environmentName }");
    expect(text(propertyAt(resourceOfType(functionApp, 'Microsoft.Web/sites').body, 'tags'))).toBe("union(tags, { 'azd-service-name': 'api' })");
  });

  it('every generated resource name can be overridden', () => {
    const names = objectProperties(variableValue(main, 'names'));
    for (const [key, value] of names) {
      const override = /^!empty\((\w+)\) \? \1 : /.exec(value.text);
      expect({ key, overridable: Boolean(override) && parameterNames(main).includes(override![1]) }).toEqual({ key, overridable: true });
    }
  });
});

describe('azure.yaml and packaging: the project\'s real build', () => {
  it('the postprovision hook reads only outputs main.bicep declares', () => {
    const hook = readRepoFile('infra/hooks/postprovision.sh');
    const required = /for name in ([^;]+); do/.exec(hook)![1].split(/[\s\\]+/).filter(Boolean);
    expect(required.length).toBeGreaterThan(5);
    expect(required.filter((name) => !outputNames(main).includes(name))).toEqual([]);
  });

  const azureYaml = readRepoFile('azure.yaml');
  const packageJson = JSON.parse(readRepoFile('package.json'));

  it('service api is a TypeScript function app deployed as built (no remote build)', () => {
    expect(azureYaml).toMatch(/^services:\n {2}api:\n(?: {4}.*\n)*? {4}host: function\n/m);
    expect(azureYaml).toMatch(/^ {4}language: ts$/m);
    expect(azureYaml).toMatch(/^ {4}remoteBuild: false$/m);
    expect(azureYaml).toMatch(/^ {2}provider: bicep$/m);
    expect(packageJson.main).toBe('dist/main.js');
    expect(packageJson.scripts.build).toBe('node dev/build.mjs');
    expect(readRepoFile('dev/build.mjs')).toContain("'dist/main.js': 'functions/index.ts'");
  });

  it('the postprovision hook azure.yaml runs exists and is a POSIX shell script', () => {
    const runs = [...azureYaml.matchAll(/^ +run: (.+)$/gm)].map((m) => m[1]);
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(readRepoFile(run).startsWith('#!/bin/sh\n')).toBe(true);
  });

  it('.funcignore keeps host.json, package.json and the bundle, and leaves out node_modules and the dev tools', () => {
    const ignored = funcignoreMatcher(readRepoFile('.funcignore'));
    // dist/errors.js and dist/providers/*.js: the app files dist/main.js requires (dev/build.mjs APP_FILES).
    for (const kept of ['host.json', 'package.json', 'dist/main.js', 'dist/main.js.map', 'dist/errors.js', 'dist/providers/google.js', 'dist/providers/microsoft.js']) {
      expect({ kept, ignored: ignored(kept) }).toEqual({ kept, ignored: false });
    }
    for (const dropped of ['node_modules/@azure/functions/package.json', 'dist/dev/sandbox.js', 'dist/bench/run.js', 'shared/config.ts', 'local.settings.json', 'infra/main.bicep']) {
      expect({ dropped, ignored: ignored(dropped) }).toEqual({ dropped, ignored: true });
    }
  });
});

/** The subset of gitignore syntax .funcignore uses: `dir/`, `name`, `*.ext`, `a/b/` (anchored when it has a slash). */
function funcignoreMatcher(content: string): (path: string) => boolean {
  const patterns = content.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const toRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return (path) => {
    const parts = path.split('/');
    return patterns.some((pattern) => {
      const directoryOnly = pattern.endsWith('/');
      const glob = pattern.replace(/^\/|\/$/g, '');
      const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/')).filter((_, i) => !directoryOnly || i < parts.length - 1);
      return glob.includes('/')
        ? candidates.some((c) => toRegExp(glob).test(c))
        : candidates.some((c) => toRegExp(glob).test(c.split('/').pop()!));
    });
  };
}

describe('local.settings.sample.json: every setting, with sandbox values', () => {
  const values: Record<string, string> = JSON.parse(readRepoFile('local.settings.sample.json')).Values;
  /** Azure's identity-based form of AzureWebJobsStorage; locally the sample gives the Azurite connection string. */
  const azureOnly = (name: string) => name.startsWith('AzureWebJobsStorage__');

  it('has every setting the code reads (but the Azure-only identity form of AzureWebJobsStorage), none empty', () => {
    const missing = SETTINGS.filter((s) => !azureOnly(s.name) && !values[s.name]?.trim()).map((s) => s.name);
    expect(missing).toEqual([]);
  });

  it('has nothing the code does not read, but the Functions runtime name the local tools expect', () => {
    expect(Object.keys(values).filter((k) => !SETTINGS.some((s) => s.name === k) && k !== 'FUNCTIONS_WORKER_RUNTIME')).toEqual([]);
  });

  it('points every service at this machine (Azurite and the sandbox), never at a real cloud', () => {
    expect(values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    for (const [name, value] of Object.entries(values).filter(([, v]) => /^https?:\/\//.test(v))) {
      expect({ name, host: new URL(value).hostname }).toEqual({ name, host: expect.stringMatching(/^(localhost|127\.0\.0\.1)$/) });
    }
    const realHosts = /\.(azure\.net|windows\.net|microsoftonline\.com|microsoft\.com|googleapis\.com|google\.com|azurewebsites\.net)\b/;
    expect(Object.entries(values).filter(([, v]) => realHosts.test(v))).toEqual([]);
  });

  it('is a configuration the code accepts as it is', () => {
    expect(() => loadConfig(values)).not.toThrow();
  });
});

describe('infra/README.md', () => {
  it('covers what an operator needs for "Deploy to Azure"', () => {
    for (const topic of [
      'azd up', 'Mail.Send', 'redirect URI', 'Publishing status', 'az keyvault secret set', 'Rotat', 'managed-identity',
      'api://AzureADTokenExchange', 'https://login.microsoftonline.com/<tenant>/v2.0', 'RBAC for Applications', 'host.json',
    ]) expect({ topic, found: infraReadme.includes(topic) }).toEqual({ topic, found: true });
  });
});
