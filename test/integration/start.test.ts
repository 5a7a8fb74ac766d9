/**
 * `npm start` smoke test: the real bundle (dist/dev/start.js) on free ports, started the way a
 * developer starts it (without NODE_EXTRA_CA_CERTS, so it re-runs itself trusting the sandbox CA),
 * must serve /api/health with 200 within 60 s, and SIGINT must stop it and every child (ports free
 * again). Also: the host process refuses a bad setting with one line and exit code 1.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
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
  } finally {
    start.kill('SIGINT');
  }
  expect(await exitOf(start)).toBe(0);
  for (const port of Object.values(ports)) expect(await isListening(port)).toBe(false);
});

test('the local host process refuses a missing setting with one line naming it, exit code 1', async () => {
  const { KEY_VAULT_URL: _removed, ...env } = process.env;
  const host = spawn(process.execPath, ['dist/dev/host.js'], { cwd: root, env: { ...env, ORG_MAILER_PORT: String(await freePort()) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(host);
  expect(await exitOf(host)).toBe(1);
  expect(output().trim().split('\n')).toEqual([expect.stringMatching(/^Setting KEY_VAULT_URL is missing: expected /)]);
});

test('npm start refuses a malformed port override before starting anything', async () => {
  const start = spawn(process.execPath, ['dist/dev/start.js'], { cwd: root, env: { ...process.env, ORG_MAILER_PORT: 'seventy' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(start);
  expect(await exitOf(start)).toBe(1);
  expect(output().trim()).toBe('ORG_MAILER_PORT must be a port number, not "seventy".');
});
