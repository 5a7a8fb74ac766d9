/**
 * The local Functions host as a process: `node dist/dev/host.js` (what `npm start` runs).
 * Settings come from the environment (npm start passes local.settings.json's values plus the local
 * stack's URLs); a bad one stops start-up with the one-line ConfigError. Listens on
 * ORG_MAILER_PORT (default 7071).
 */
import { ConfigError, loadConfig } from '@shared/config';

async function main(): Promise<void> {
  try {
    loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  // Outside the Azure host, @azure/functions warns once per registration that it "skips" it; here
  // that is expected (this host serves the registry itself), so those lines would only mislead.
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (
      typeof args[0] === 'string' &&
      /^WARNING: (Failed to detect the Azure Functions runtime|Skipping call to register function)/.test(args[0])
    )
      return;
    warn(...args);
  };
  // Imported only now: the function modules may read the config as they load.
  const { startLocalHost, DEFAULT_PORT } = await import('./localHost');
  const port = process.env.ORG_MAILER_PORT ? Number(process.env.ORG_MAILER_PORT) : DEFAULT_PORT;
  let host: Awaited<ReturnType<typeof startLocalHost>>;
  try {
    host = await startLocalHost({ port });
  } catch (error) {
    if (error instanceof Error && error.name === 'HostConformanceError') {
      console.error(error.message);
      process.exit(1);
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Port ${port} is in use: stop the other process or set ORG_MAILER_PORT.`);
      process.exit(1);
    }
    throw error;
  }
  console.log(`org-mailer local host listening on ${host.url}/api`);
  // Locally there is no Application Insights: one line of metrics a minute instead (shared/telemetry/setup.ts).
  const { startConsoleSummary } = await import('@shared/telemetry/setup');
  startConsoleSummary((line) => console.log(line));

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void host.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started by npm start with a stdin pipe: when that parent dies without signalling, the pipe
  // closes and we go too, instead of holding port 7071 as an orphan.
  if (process.env.ORG_MAILER_EXIT_WITH_PARENT === '1') {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

main().catch((error) => {
  console.error(`local host failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
