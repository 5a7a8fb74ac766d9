/**
 * `npm start`: the whole product on this machine. Starts Azurite (in memory) and the cloud sandbox,
 * then the local Functions host as a child with local.settings.json's values (or the sample's)
 * pointed at both, waits for /api/health, seeds the demo, and prints where everything is.
 * Ctrl-C (SIGINT) or SIGTERM stops every child.
 *
 * `npm start -- --real` talks to real services instead: no sandbox, no demo, and local.settings.json's
 * provider URLs, Key Vault and credentials are used as they are. Only Azurite is started, and only
 * when the settings name no Storage account of their own (`UseDevelopmentStorage=true` or nothing).
 * `--settings <file>` reads another settings file (in either mode).
 *
 * Ports (defaults as in docs/development.md), overridable for tests and for machines where they are taken:
 *   ORG_MAILER_PORT (7071), ORG_MAILER_BLOB_PORT / _QUEUE_PORT / _TABLE_PORT (10000-10002),
 *   ORG_MAILER_SANDBOX_PORTS: "0" for free ports, or six ports in the order
 *   entra,graph,googleAccounts,googleOAuth,gmail,keyVault (8441-8446).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@shared/config';
import { createServices } from '@shared/services';
import { ensureCertificates } from './sandbox/ca';
import { DEFAULT_PORTS, Sandbox, SERVICE_NAMES, ServiceName } from './sandbox/server';
import { seedDemo, seedReal } from './seed';
import {
  azuriteConnectionString,
  DEFAULT_STORAGE_PORTS,
  hasOwnStorage,
  localSettingsFile,
  readLocalSettings,
  stackSettings,
  startAzurite,
  startSandbox,
  StoragePorts,
} from './stack';

const DEFAULT_API_PORT = 7071;
const HEALTH_DEADLINE_MS = 60_000;

class StartError extends Error {}

interface StartOptions {
  /** Real services (local.settings.json as it is) instead of the sandbox. */
  real: boolean;
  /** `--settings <file>`: the settings file to read instead of local.settings.json. */
  settingsFile?: string;
}

function parseArgs(args: string[]): StartOptions {
  const options: StartOptions = { real: false };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--real') options.real = true;
    else if (args[i] === '--sandbox') options.real = false;
    else if (args[i] === '--settings' && args[i + 1]) options.settingsFile = args[++i];
    else throw new StartError(`Unknown option "${args[i]}": npm start [-- --real] [--settings <file>]`);
  }
  return options;
}

function settingsFileOf(options: StartOptions): string | undefined {
  const file = localSettingsFile(options.settingsFile);
  if (options.settingsFile && (!file || !existsSync(file)))
    throw new StartError(`The settings file ${options.settingsFile} does not exist.`);
  return file;
}

/** The settings file of a real run: never the sample, whose URLs name the sandbox. */
function realSettingsFile(options: StartOptions): string {
  const file = settingsFileOf(options);
  if (!file || (!options.settingsFile && file.endsWith('local.settings.sample.json'))) {
    throw new StartError(
      "npm start -- --real needs a local.settings.json: copy local.settings.sample.json and put in your tenant's URLs and credentials.",
    );
  }
  return file;
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartError(`${name} must be a port number, not "${raw}".`);
  return port;
}

function sandboxPorts(): Record<ServiceName, number> {
  const raw = process.env.ORG_MAILER_SANDBOX_PORTS?.trim();
  if (!raw) return { ...DEFAULT_PORTS };
  const list = raw === '0' ? SERVICE_NAMES.map(() => 0) : raw.split(',').map((p) => Number(p.trim()));
  if (list.length !== SERVICE_NAMES.length || list.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
    throw new StartError(
      `ORG_MAILER_SANDBOX_PORTS must be "0" or ${SERVICE_NAMES.length} comma-separated ports (${SERVICE_NAMES.join(',')}).`,
    );
  }
  return Object.fromEntries(SERVICE_NAMES.map((s, i) => [s, list[i]])) as Record<ServiceName, number>;
}

/** Refuses to start on a taken port: a stray Azurite on 10000 would otherwise silently serve us. */
function assertFree(port: number, setting: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', () => reject(new StartError(`Port ${port} is in use: stop what holds it or set ${setting}.`)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

function exited(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
  });
}

async function waitForHealth(url: string, host: ChildProcess): Promise<void> {
  const deadline = Date.now() + HEALTH_DEADLINE_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (host.exitCode !== null) throw new StartError(`The local host exited with code ${host.exitCode} before it was healthy.`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new StartError(`${url} did not answer 200 within ${HEALTH_DEADLINE_MS / 1000} s (last: ${last}).`);
}

/** The sample's PUBLIC_BASE_URL names port 7071; follow an overridden API port. */
function publicBaseUrl(current: string | undefined, apiPort: number): string | undefined {
  if (apiPort === DEFAULT_API_PORT || current !== `http://localhost:${DEFAULT_API_PORT}`) return current;
  return `http://localhost:${apiPort}`;
}

async function run(options: StartOptions): Promise<void> {
  const apiPort = portFromEnv('ORG_MAILER_PORT', DEFAULT_API_PORT);
  const storagePorts: StoragePorts = {
    blob: portFromEnv('ORG_MAILER_BLOB_PORT', DEFAULT_STORAGE_PORTS.blob),
    queue: portFromEnv('ORG_MAILER_QUEUE_PORT', DEFAULT_STORAGE_PORTS.queue),
    table: portFromEnv('ORG_MAILER_TABLE_PORT', DEFAULT_STORAGE_PORTS.table),
  };
  const ports = options.real ? undefined : sandboxPorts();
  const local = readLocalSettings(options.real ? realSettingsFile(options) : settingsFileOf(options));
  const withAzurite = !options.real || !hasOwnStorage(local);
  await assertFree(apiPort, 'ORG_MAILER_PORT');
  if (withAzurite) {
    await assertFree(storagePorts.blob, 'ORG_MAILER_BLOB_PORT');
    await assertFree(storagePorts.queue, 'ORG_MAILER_QUEUE_PORT');
    await assertFree(storagePorts.table, 'ORG_MAILER_TABLE_PORT');
  }
  if (ports) for (const service of SERVICE_NAMES) await assertFree(ports[service], 'ORG_MAILER_SANDBOX_PORTS');

  let azurite: ChildProcess | undefined;
  let sandbox: Sandbox | undefined;
  let host: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      if (host) {
        host.kill('SIGTERM');
        await exited(host, 5000);
      }
      await sandbox?.close();
      if (azurite) {
        azurite.kill('SIGTERM');
        await exited(azurite, 5000);
      }
      process.exit(code);
    }
    return new Promise<never>(() => undefined);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    if (withAzurite) azurite = await startAzurite(storagePorts);
    if (ports) sandbox = await startSandbox({ ports });
    const settings: Record<string, string> = {
      ...local,
      ...(sandbox ? stackSettings(sandbox.urls, storagePorts) : {}),
      ...(options.real && withAzurite ? { AzureWebJobsStorage: azuriteConnectionString(storagePorts) } : {}),
      ORG_MAILER_PORT: String(apiPort),
    };
    const base = publicBaseUrl(local.PUBLIC_BASE_URL, apiPort);
    if (base) settings.PUBLIC_BASE_URL = base;
    const config = loadConfig(settings);

    host = spawn(process.execPath, ['--enable-source-maps', join(__dirname, 'host.js')], {
      env: { ...process.env, ...settings, ORG_MAILER_EXIT_WITH_PARENT: '1' },
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    host.once('exit', (code) => {
      if (!stopping) {
        console.error(`The local host exited (code ${code}); stopping.`);
        void stop(code || 1);
      }
    });

    const apiUrl = `http://localhost:${apiPort}`;
    await waitForHealth(`${apiUrl}/api/health`, host);
    const services = createServices(config);
    if (!sandbox) {
      console.log(
        realBanner(
          apiUrl,
          config.publicBaseUrl,
          settings,
          withAzurite,
          await seedReal({ services, apiUrl, functionKey: settings.LOCAL_FUNCTION_KEY }),
        ),
      );
      return;
    }
    const extra = await seedDemo({ services, sandbox, apiUrl, functionKey: settings.LOCAL_FUNCTION_KEY });

    console.log(
      [
        '',
        'org-mailer is running in sandbox mode (Microsoft, Google and Key Vault are the local sandbox; `npm start -- --real` for real ones). Ctrl-C stops everything.',
        `  API              ${apiUrl}/api   (function key: LOCAL_FUNCTION_KEY in local.settings.json)`,
        `  Health           ${apiUrl}/api/health`,
        `  Sandbox outbox   ${sandbox.urls.graph}/_sandbox/outbox`,
        `  Sandbox control  ${sandbox.urls.entra}/_sandbox/   (messages, requests, faults, reset; on every sandbox origin)`,
        ...extra.map((line) => `  ${line}`),
        `  The sandbox's HTTPS certificate comes from ${ensureCertificates().caPath}: trust it in your browser to open sandbox pages without a warning.`,
        '',
      ].join('\n'),
    );
  } catch (error) {
    report(error);
    await stop(1);
  }
}

/** What a real run prints: which services it talks to, and the redirect URIs to register for them. */
function realBanner(
  apiUrl: string,
  publicBaseUrl: string,
  settings: Record<string, string>,
  withAzurite: boolean,
  extra: string[],
): string {
  return [
    '',
    "org-mailer is running in real mode (local.settings.json's URLs and credentials, no sandbox). Ctrl-C stops everything.",
    `  API              ${apiUrl}/api   (function key: LOCAL_FUNCTION_KEY)`,
    `  Health           ${apiUrl}/api/health`,
    `  Storage          ${withAzurite ? 'Azurite (in memory), started for this run' : 'the account named by AzureWebJobsStorage'}`,
    `  Key Vault        ${settings.KEY_VAULT_URL}`,
    `  Microsoft        ${settings.MICROSOFT_AUTHORITY_HOST ?? 'https://login.microsoftonline.com'} · ${settings.MICROSOFT_GRAPH_URL ?? 'https://graph.microsoft.com'}`,
    `  Google           ${settings.GOOGLE_AUTH_URL ?? 'https://accounts.google.com/o/oauth2/v2/auth'} · ${settings.GMAIL_API_URL ?? 'https://gmail.googleapis.com'}`,
    ...extra.map((line) => `  ${line}`),
    '  Register these redirect URIs (the platform apps must know them before consent works):',
    `    Entra app registration, platform "Web":  ${publicBaseUrl}/api/oauth/microsoft/callback`,
    `    Google OAuth web client:                  ${publicBaseUrl}/api/oauth/google/callback`,
    '',
  ].join('\n');
}

/** Our own failures (a taken port, a bad setting) are one line; anything else gets its stack. */
function report(error: unknown): void {
  console.error(
    error instanceof StartError || error instanceof ConfigError
      ? error.message
      : `npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
}

/**
 * Node reads NODE_EXTRA_CA_CERTS only at start-up (docs/providers.md), and the demo seeders talk to
 * the sandbox over HTTPS from this process: so without the sandbox CA we run ourselves again with it.
 */
function rerunTrustingSandbox(caPath: string): void {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function main(): void {
  let options: StartOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    report(error);
    process.exit(1);
  }
  const started = () =>
    run(options).catch((error) => {
      report(error);
      process.exit(1);
    });
  // A real run trusts what Node trusts (plus the operator's own NODE_EXTRA_CA_CERTS, if set), never the sandbox's CA.
  if (options.real) return void started();
  const caPath = ensureCertificates().caPath;
  if (process.env.NODE_EXTRA_CA_CERTS === caPath) void started();
  else rerunTrustingSandbox(caPath);
}

main();
