/**
 * What azd builds and deploys besides the templates (azure.yaml, .funcignore, the bundle), the local
 * sample settings, and the operator README. None of it needs the Bicep compiler.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, SETTINGS } from '@shared/config';
import { REPO_DIR } from '../support/infra-bicep';

const readRepoFile = (path: string): string => readFileSync(join(REPO_DIR, path), 'utf8');
const infraReadme = readRepoFile('infra/README.md');

describe("azure.yaml and packaging: the project's real build", () => {
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
    // dist/errors.js, dist/app.js, dist/providers/*.js and dist/sdk.js: the files dist/main.js requires (dev/build.mjs APP_FILES, APP_FILE, LAZY_PACKAGES).
    for (const kept of [
      'host.json',
      'package.json',
      'dist/main.js',
      'dist/main.js.map',
      'dist/errors.js',
      'dist/app.js',
      'dist/app.js.map',
      'dist/providers/google.js',
      'dist/providers/microsoft.js',
      'dist/sdk.js',
    ]) {
      expect({ kept, ignored: ignored(kept) }).toEqual({ kept, ignored: false });
    }
    for (const dropped of [
      'node_modules/@azure/functions/package.json',
      'dist/dev/sandbox.js',
      'dist/bench/run.js',
      'dist/bench-profiles/pipeline-zero-1000.cpuprofile',
      'shared/config.ts',
      'local.settings.json',
      'infra/main.bicep',
    ]) {
      expect({ dropped, ignored: ignored(dropped) }).toEqual({ dropped, ignored: true });
    }
  });
});

/** The subset of gitignore syntax .funcignore uses: `dir/`, `name`, `*.ext`, `a/b/` (anchored when it has a slash). */
function funcignoreMatcher(content: string): (path: string) => boolean {
  const patterns = content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
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
  /**
   * Azure's identity-based form of AzureWebJobsStorage (locally the sample gives the Azurite connection
   * string), and Application Insights, which only exists in Azure (locally metrics print to the console).
   */
  const azureOnly = (name: string) => name.startsWith('AzureWebJobsStorage__') || name === 'APPLICATIONINSIGHTS_CONNECTION_STRING';

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
      'azd up',
      'Mail.Send',
      'redirect URI',
      'Publishing status',
      'az keyvault secret set',
      'Rotat',
      'managed-identity',
      'api://AzureADTokenExchange',
      'https://login.microsoftonline.com/<tenant>/v2.0',
      'RBAC for Applications',
      'host.json',
    ])
      expect({ topic, found: infraReadme.includes(topic) }).toEqual({ topic, found: true });
  });
});
