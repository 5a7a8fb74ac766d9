/**
 * The local stack shared by `npm start` and `npm test`: Azurite (in memory) as a child process, the
 * cloud sandbox in this process, and the settings that point the app at both.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Sandbox, SandboxOptions } from './sandbox/server';
import { SERVICE_MODULES } from './sandbox/services';
import { ensureCertificates } from './sandbox/ca';

export interface StoragePorts {
  blob: number;
  queue: number;
  table: number;
}

export const DEFAULT_STORAGE_PORTS: StoragePorts = { blob: 10000, queue: 10001, table: 10002 };

/**
 * A port that was free a moment ago and has nothing listening on it now (the OS picks it), for
 * stacks and tests that several runs on one machine start at once, so nothing is fixed.
 */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolveWait, reject) => {
    const attempt = () => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolveWait();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on port ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Starts Azurite in memory (flags from docs/providers.md) and waits until all three ports answer. */
export async function startAzurite(ports: StoragePorts = DEFAULT_STORAGE_PORTS): Promise<ChildProcess> {
  const bin = require.resolve('azurite/dist/src/azurite.js', { paths: [process.cwd()] });
  const child = spawn(
    process.execPath,
    [
      bin,
      '--inMemoryPersistence',
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--loose',
      '--blobHost',
      '127.0.0.1',
      '--queueHost',
      '127.0.0.1',
      '--tableHost',
      '127.0.0.1',
      '--blobPort',
      String(ports.blob),
      '--queuePort',
      String(ports.queue),
      '--tablePort',
      String(ports.table),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await Promise.all([waitForPort(ports.blob, 30000), waitForPort(ports.queue, 30000), waitForPort(ports.table, 30000)]);
  return child;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = new Sandbox();
  for (const register of SERVICE_MODULES) register(sandbox);
  return sandbox.start(options);
}

export function azuriteConnectionString(ports: StoragePorts): string {
  const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  return [
    'DefaultEndpointsProtocol=http',
    'AccountName=devstoreaccount1',
    `AccountKey=${key}`,
    `BlobEndpoint=http://127.0.0.1:${ports.blob}/devstoreaccount1`,
    `QueueEndpoint=http://127.0.0.1:${ports.queue}/devstoreaccount1`,
    `TableEndpoint=http://127.0.0.1:${ports.table}/devstoreaccount1`,
  ].join(';');
}

/** The settings file a local run reads: `explicit`, else local.settings.json, else the committed sample. */
export function localSettingsFile(explicit?: string): string | undefined {
  if (explicit) return resolve(process.cwd(), explicit);
  return ['local.settings.json', 'local.settings.sample.json'].map((f) => resolve(process.cwd(), f)).find(existsSync);
}

/** local.settings.json's Values (falling back to the committed sample), or those of `file`. */
export function readLocalSettings(file = localSettingsFile()): Record<string, string> {
  if (!file) throw new Error('local.settings.sample.json is missing');
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  return JSON.parse(readFileSync(file, 'utf8')).Values ?? {};
}

/**
 * Whether settings name a Storage account of their own: a connection string other than the
 * Azurite shortcut, or the identity-based `AzureWebJobsStorage__*ServiceUri` settings.
 */
export function hasOwnStorage(settings: Record<string, string | undefined>): boolean {
  const connection = settings.AzureWebJobsStorage?.trim();
  if (connection && !/^UseDevelopmentStorage=true$/i.test(connection)) return true;
  return ['blob', 'queue', 'table'].some((service) => !!settings[`AzureWebJobsStorage__${service}ServiceUri`]);
}

/** The settings pointing the app at a running sandbox and Azurite (overrides the URL settings). */
export function stackSettings(urls: Sandbox['urls'], ports: StoragePorts): Record<string, string> {
  return {
    AzureWebJobsStorage: azuriteConnectionString(ports),
    KEY_VAULT_URL: urls.keyVault,
    MICROSOFT_AUTHORITY_HOST: urls.entra,
    MICROSOFT_GRAPH_URL: urls.graph,
    GOOGLE_AUTH_URL: `${urls.googleAccounts}/o/oauth2/v2/auth`,
    GOOGLE_TOKEN_URL: `${urls.googleOAuth}/token`,
    GMAIL_API_URL: urls.gmail,
    // The sandbox's Gmail origin also plays admin.googleapis.com (dev/sandbox/google-directory.ts).
    GOOGLE_ADMIN_API_URL: urls.gmail,
    // The sender-domain checks (SPF, DKIM, DMARC) ask the sandbox DNS server.
    ...(urls.dns ? { DNS_SERVERS: urls.dns } : {}),
    NODE_EXTRA_CA_CERTS: ensureCertificates().caPath,
  };
}
