/**
 * The local Functions host (Azure Functions Core Tools cannot be installed on these machines:
 * docs/providers.md). It serves the ONE function list of `functions/registry.ts`: HTTP routes under
 * `/api`, queue triggers polling Storage, and timer triggers, with host.json's settings.
 *
 * In-process for tests:
 *   const host = await startLocalHost({ port: 0, queueSettings: { maxPollingIntervalMs: 200 } });
 *   await fetch(`${host.url}/api/health`); await host.drain(); await host.close();
 * As a process: `dev/host/main.ts` (bundled to dist/dev/host.js, started by `npm start`).
 */
import { createServer, Server } from 'node:http';

/** How long an idle keep-alive connection stays open (see where the server is created). */
export const IDLE_KEEP_ALIVE_MS = 120_000;
import type { AddressInfo } from 'node:net';
import '../../functions/index';
import {
  FunctionDefinition,
  HttpFunction,
  listFunctions,
  listTerminateHooks,
  QueueFunction,
  TimerFunction,
} from '../../functions/registry';
import { getConfig } from '@shared/config';
import { getServices, resetServicesForTests, useServicesOptionsForTests, type ServicesOptions } from '@shared/services';
import { HostSettings, QueueSettings, readHostSettings } from './hostJson';
import { assertHostConformance, hostMetadataOf } from './conformance';
import { createHttpHandler, requestBodyLimit } from './http';
import { consoleLog, describeError, HostLog } from './invocation';
import { QueuePoller } from './queues';
import { TimerRunner } from './timers';

export const DEFAULT_PORT = 7071;

export interface LocalHostOptions {
  /** Default 7071; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (the host is for this machine only). */
  hostname?: string;
  /**
   * Settings to put into process.env before the app reads its config (the process-wide config and
   * services are rebuilt from it). Values override what the environment already has; `close()`
   * puts the previous values back.
   */
  env?: Record<string, string>;
  /** Which functions to serve; default every function `functions/index.ts` declares. */
  functions?: readonly FunctionDefinition[];
  /** Overrides of host.json's queue settings (tests shorten maxPollingInterval and visibilityTimeout). */
  queueSettings?: Partial<QueueSettings>;
  functionTimeoutMs?: number;
  /** Run queue triggers (default true) and timer triggers (default true). */
  queues?: boolean;
  timers?: boolean;
  maxRequestBytes?: number;
  /** Where host and function logs go; default stdout. */
  log?: HostLog;
  /** Test seams handed to the process-wide services (e.g. a `sleep` that moves the sandbox clock). */
  services?: ServicesOptions;
}

export interface LocalHost {
  /** e.g. http://localhost:7071 (routes are under `${url}/api`). */
  url: string;
  port: number;
  settings: HostSettings;
  /** Resolves when every queue trigger found its queue empty with no invocation running. */
  drain(): Promise<void>;
  /** Stops listening, stops polling and timers, and waits for running invocations. */
  close(): Promise<void>;
}

/** Puts `env` into process.env and rebuilds config and services from it; returns the undo. */
function applyEnv(env: Record<string, string> | undefined): () => void {
  if (!env) return () => undefined;
  const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  resetServicesForTests();
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetServicesForTests();
  };
}

export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  const restoreEnvOnly = applyEnv(options.env);
  const forgetServicesOptions = options.services ? useServicesOptionsForTests(options.services) : () => undefined;
  const restoreEnv = () => {
    forgetServicesOptions();
    restoreEnvOnly();
  };
  const log = options.log ?? consoleLog;
  const fromFile = readHostSettings();
  const settings: HostSettings = {
    queues: { ...fromFile.queues, ...options.queueSettings },
    functionTimeoutMs: options.functionTimeoutMs ?? fromFile.functionTimeoutMs,
    routePrefix: fromFile.routePrefix,
  };
  const functions = options.functions ?? listFunctions();
  try {
    // What Azure's host would refuse stops us here too (HostConformanceError), and so does a bad
    // setting, before anything listens.
    assertHostConformance({
      functions: functions.map(hostMetadataOf),
      appSettings: process.env,
      routePrefix: settings.routePrefix,
      messageEncoding: settings.queues.messageEncoding,
    });
    getConfig();
  } catch (error) {
    restoreEnv();
    throw error;
  }
  const functionKey = process.env.LOCAL_FUNCTION_KEY?.trim() || undefined;
  if (!functionKey) log('warning: LOCAL_FUNCTION_KEY is not set: every function-level route will answer 401');

  const handle = createHttpHandler({
    functions: functions.filter((f): f is HttpFunction => f.kind === 'http'),
    routePrefix: settings.routePrefix,
    functionKey,
    maxRequestBytes: options.maxRequestBytes ?? requestBodyLimit(process.env),
    log,
  });
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      log(`error: request ${req.method} failed in the host: ${describeError(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  // Idle keep-alive connections stay open long (as Azure's front ends keep them): with Node's 5 s
  // default, a client whose event loop was busy for a few seconds (Jest compiling the next test file)
  // reuses a socket the server has just closed and gets "other side closed".
  server.keepAliveTimeout = IDLE_KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, options.hostname ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const services = getServices();
  const pollers =
    options.queues === false
      ? []
      : functions
          .filter((f): f is QueueFunction => f.kind === 'queue')
          .map(
            (fn) =>
              new QueuePoller({
                fn,
                queue: services.queues.named,
                settings: settings.queues,
                functionTimeoutMs: settings.functionTimeoutMs,
                log,
              }),
          );
  const timers =
    options.timers === false
      ? []
      : functions.filter((f): f is TimerFunction => f.kind === 'timer').map((fn) => new TimerRunner(fn, settings.functionTimeoutMs, log));
  pollers.forEach((p) => p.start());
  timers.forEach((t) => t.start());

  for (const fn of functions) log(`  ${fn.name}: ${describeTrigger(fn, port, settings.routePrefix)}`);

  return {
    url: `http://localhost:${port}`,
    port,
    settings,
    drain: async () => {
      await Promise.all(pollers.map((p) => p.whenIdle()));
    },
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
        ...pollers.map((p) => p.stop()),
        ...timers.map((t) => t.stop()),
      ]);
      // The app's terminate hooks, as Azure's host runs them on a graceful shutdown: mailbox permits go
      // back now rather than when their leases end (another instance may be waiting).
      for (const hook of listTerminateHooks()) await hook();
      restoreEnv();
    },
  };
}

function describeTrigger(fn: FunctionDefinition, port: number, routePrefix: string): string {
  switch (fn.kind) {
    case 'http':
      return `[${fn.methods.join(',')}] http://localhost:${port}/${[routePrefix, fn.route].filter(Boolean).join('/')} (${fn.authLevel})`;
    case 'queue':
      return `queue ${fn.queueName}`;
    case 'timer':
      return `timer ${fn.schedule}`;
  }
}
