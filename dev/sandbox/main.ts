/**
 * Runs the sandbox as its own process: `node dist/dev/sandbox.js [--ports 0]`. Prints one JSON line
 * `{"sandbox":{...urls}}` on stdout when every origin listens, so a parent can read the URLs.
 */
import { Sandbox, DEFAULT_PORTS, SERVICE_NAMES, ServiceName } from './server';
import { SERVICE_MODULES } from './services';

async function main(): Promise<void> {
  const anyPort = process.argv.includes('--ephemeral-ports');
  const ports = Object.fromEntries(SERVICE_NAMES.map((s) => [s, anyPort ? 0 : DEFAULT_PORTS[s]])) as Record<ServiceName, number>;
  const sandbox = new Sandbox();
  for (const register of SERVICE_MODULES) register(sandbox);
  await sandbox.start({ ports });
  process.stdout.write(JSON.stringify({ sandbox: sandbox.urls }) + '\n');
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(`sandbox failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
