/**
 * `npm start` smoke test: the real bundle (dist/dev/start.js) on free ports, started the way a
 * developer starts it (without NODE_EXTRA_CA_CERTS, so it re-runs itself trusting the sandbox CA),
 * must serve /api/health with 200 within 60 s, and SIGINT must stop it and every child (ports free
 * again). `npm start -- --real` with a settings file naming this run's sandbox and Azurite must work
 * the same (health, a sender connected and tested through the API) and say which mode it is in.
 * Also: the host process refuses a bad setting with one line and exit code 1.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from '../../dev/sandbox/world';
import { sandboxControl } from '../support/env';
import { freePort, isListening } from '../support/ports';

const root = resolve(__dirname, '../..');

function collect(child: ChildProcess): () => string {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return () => output;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

beforeAll(() => {
  // `npm test` has just built dist/; build here only when run some other way.
  if (['dist/dev/start.js', 'dist/dev/host.js'].every((f) => existsSync(resolve(root, f)))) return;
  const build = spawnSync(process.execPath, ['dev/build.mjs'], { cwd: root, encoding: 'utf8' });
  expect(build.status).toBe(0);
});

test('npm start serves /api/health with 200 within 60 s, and SIGINT stops it and its children', async () => {
  const ports = { api: await freePort(), blob: await freePort(), queue: await freePort(), table: await freePort() };
  const { NODE_EXTRA_CA_CERTS: _notInherited, ...env } = process.env;
  const start = spawn(process.execPath, ['--enable-source-maps', 'dist/dev/start.js'], {
    cwd: root,
    env: {
      ...env,
      ORG_MAILER_PORT: String(ports.api),
      ORG_MAILER_BLOB_PORT: String(ports.blob),
      ORG_MAILER_QUEUE_PORT: String(ports.queue),
      ORG_MAILER_TABLE_PORT: String(ports.table),
      ORG_MAILER_SANDBOX_PORTS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(start);
  try {
    const deadline = Date.now() + 60_000;
    let health: { status: number; body: unknown } | undefined;
    while (!health && Date.now() < deadline && start.exitCode === null) {
      try {
        const response = await fetch(`http://localhost:${ports.api}/api/health`);
        if (response.status === 200) health = { status: response.status, body: await response.json() };
      } catch {
        // not listening yet
      }
      if (!health) await new Promise((r) => setTimeout(r, 250));
    }
    expect(output()).not.toMatch(/npm start failed/);
    expect(health).toEqual({ status: 200, body: { status: 'ok', checks: { storage: 'ok', keyVault: 'ok' } } });
    while (!output().includes('org-mailer is running') && start.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(output()).toContain(`http://localhost:${ports.api}/api/health`);
    expect(output()).toMatch(/Sandbox outbox\s+https:\/\/localhost:\d+\/_sandbox\/outbox/);
    expect(output()).toContain('org-mailer is running in sandbox mode');
  } finally {
    start.kill('SIGINT');
  }
  expect(await exitOf(start)).toBe(0);
  for (const port of Object.values(ports)) expect(await isListening(port)).toBe(false);
});

test('the local host process refuses a missing setting with one line naming it, exit code 1', async () => {
  const { KEY_VAULT_URL: _removed, ...env } = process.env;
  const host = spawn(process.execPath, ['dist/dev/host.js'], {
    cwd: root,
    env: { ...env, ORG_MAILER_PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(host);
  expect(await exitOf(host)).toBe(1);
  expect(output().trim().split('\n')).toEqual([expect.stringMatching(/^Setting KEY_VAULT_URL is missing: expected /)]);
});

test('npm start refuses a malformed port override before starting anything', async () => {
  const start = spawn(process.execPath, ['dist/dev/start.js'], {
    cwd: root,
    env: { ...process.env, ORG_MAILER_PORT: 'seventy' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(start);
  expect(await exitOf(start)).toBe(1);
  expect(output().trim()).toBe('ORG_MAILER_PORT must be a port number, not "seventy".');
});

/** Polls until /api/health answers 200 (or the process exits, or 60 s pass); then waits for the banner. */
async function healthAndBanner(
  start: ChildProcess,
  output: () => string,
  apiPort: number,
): Promise<{ status: number; body: unknown } | undefined> {
  const deadline = Date.now() + 60_000;
  let health: { status: number; body: unknown } | undefined;
  while (!health && Date.now() < deadline && start.exitCode === null) {
    try {
      const response = await fetch(`http://localhost:${apiPort}/api/health`);
      if (response.status === 200) health = { status: response.status, body: await response.json() };
    } catch {
      // not listening yet
    }
    if (!health) await new Promise((r) => setTimeout(r, 250));
  }
  while (health && !output().includes('org-mailer is running') && start.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  return health;
}

describe('npm start -- --real', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'org-mailer-start-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The sample's values, with this run's sandbox URLs and Storage in place of the fixed local ports. */
  function settingsFile(apiPort: number, storage: Record<string, string>): string {
    const sample = JSON.parse(readFileSync(resolve(root, 'local.settings.sample.json'), 'utf8'));
    const names = [
      'KEY_VAULT_URL',
      'MICROSOFT_AUTHORITY_HOST',
      'MICROSOFT_GRAPH_URL',
      'GOOGLE_AUTH_URL',
      'GOOGLE_TOKEN_URL',
      'GMAIL_API_URL',
      'GOOGLE_ADMIN_API_URL',
    ];
    const values = {
      ...sample.Values,
      ...Object.fromEntries(names.map((n) => [n, process.env[n]!])),
      PUBLIC_BASE_URL: `http://localhost:${apiPort}`,
      ...storage,
    };
    const file = join(dir, `local.settings.${apiPort}.json`);
    writeFileSync(file, JSON.stringify({ IsEncrypted: false, Values: values }, null, 2));
    return file;
  }

  test("with the sandbox's URLs and a Storage connection of its own, it works like the default: health, connect, test send", async () => {
    const apiPort = await freePort();
    const file = settingsFile(apiPort, { AzureWebJobsStorage: process.env.AzureWebJobsStorage! });
    // The operator's own CA bundle (here: this run's sandbox CA) is passed through as it is.
    const start = spawn(process.execPath, ['--enable-source-maps', 'dist/dev/start.js', '--real', '--settings', file], {
      cwd: root,
      env: { ...process.env, ORG_MAILER_PORT: String(apiPort), ORG_MAILER_SANDBOX_PORTS: '1,2' /* must not be read */ },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collect(start);
    try {
      expect(await healthAndBanner(start, output, apiPort)).toEqual({
        status: 200,
        body: { status: 'ok', checks: { storage: 'ok', keyVault: 'ok' } },
      });
      expect(output()).toContain('org-mailer is running in real mode');
      expect(output()).toMatch(/Storage\s+the account named by AzureWebJobsStorage/);
      expect(output()).toContain(`Key Vault        ${process.env.KEY_VAULT_URL}`);
      expect(output()).toContain(`http://localhost:${apiPort}/api/oauth/microsoft/callback`);
      expect(output()).toContain(`http://localhost:${apiPort}/api/oauth/google/callback`);
      expect(output()).toMatch(/Settings page\s+http:\/\/localhost:\d+\/api\/settings#token=/);
      expect(output()).not.toMatch(/Default sender|Sandbox outbox/); // no demo in a real tenant

      const orgId = `real-${apiPort}`;
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`http://localhost:${apiPort}/api/orgs/${orgId}/sender${path}`, {
          method,
          headers: { 'x-functions-key': process.env.LOCAL_FUNCTION_KEY!, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const saved = await api('PUT', '', {
        provider: 'microsoft',
        mode: 'app_registration',
        senderEmail: 'notifications@contoso.example',
        senderName: 'Real mode',
        tenantId: CONTOSO_TENANT_ID,
        clientId: CONTOSO_APP_ID,
        clientSecret: CONTOSO_APP_SECRET,
      });
      expect(saved.status).toBe(200);
      const tested = await api('POST', '/test', { to: 'real-mode@contoso.example' });
      expect(tested.status).toBe(200);
      const sent = await sandboxControl<Array<{ to: string[] }>>('GET', 'messages?mailbox=notifications@contoso.example');
      expect(sent.some((m) => m.to.includes('real-mode@contoso.example'))).toBe(true);
    } finally {
      start.kill('SIGINT');
    }
    expect(await exitOf(start)).toBe(0);
    expect(await isListening(apiPort)).toBe(false);
  });

  test('with UseDevelopmentStorage=true it starts Azurite (and only Azurite) and says so', async () => {
    const ports = { api: await freePort(), blob: await freePort(), queue: await freePort(), table: await freePort() };
    const file = settingsFile(ports.api, { AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
    const start = spawn(process.execPath, ['dist/dev/start.js', '--real', '--settings', file], {
      cwd: root,
      env: {
        ...process.env,
        ORG_MAILER_PORT: String(ports.api),
        ORG_MAILER_BLOB_PORT: String(ports.blob),
        ORG_MAILER_QUEUE_PORT: String(ports.queue),
        ORG_MAILER_TABLE_PORT: String(ports.table),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collect(start);
    try {
      expect(await healthAndBanner(start, output, ports.api)).toEqual({
        status: 200,
        body: { status: 'ok', checks: { storage: 'ok', keyVault: 'ok' } },
      });
      expect(output()).toMatch(/Storage\s+Azurite \(in memory\), started for this run/);
      expect(await isListening(ports.table)).toBe(true);
    } finally {
      start.kill('SIGINT');
    }
    expect(await exitOf(start)).toBe(0);
    for (const port of Object.values(ports)) expect(await isListening(port)).toBe(false);
  });

  test('a settings file that does not exist is refused in one line', async () => {
    const start = spawn(process.execPath, ['dist/dev/start.js', '--real', '--settings', join(dir, 'missing.json')], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collect(start);
    expect(await exitOf(start)).toBe(1);
    expect(output().trim()).toBe(`The settings file ${join(dir, 'missing.json')} does not exist.`);
  });
});
