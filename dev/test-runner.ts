/**
 * `npm test`: type-checks, starts the local stack on test ports (Azurite in memory and the sandbox,
 * so a running `npm start` is not disturbed), then runs Jest with the settings and the sandbox CA
 * in its environment (Node reads NODE_EXTRA_CA_CERTS only at start-up, so it must be set for the
 * child). Extra arguments go to Jest: `npm test -- test/unit`.
 */
import { spawnSync, spawn } from 'node:child_process';
import { freePort, readLocalSettings, stackSettings, startAzurite, startSandbox, StoragePorts } from './stack';

async function main(): Promise<number> {
  const jestArgs = process.argv.slice(2);
  if (!jestArgs.includes('--no-typecheck')) {
    // The Node project, then the settings page's browser script (DOM types: a project of its own).
    for (const project of ['tsconfig.json', 'shared/adminLinks/page/client/tsconfig.json']) {
      const tsc = spawnSync(
        process.execPath,
        [require.resolve('typescript/bin/tsc', { paths: [process.cwd()] }), '--noEmit', '-p', project],
        {
          stdio: 'inherit',
        },
      );
      if (tsc.status !== 0) {
        console.error(`type check failed (${project})`);
        return 1;
      }
    }
  }
  const TEST_STORAGE_PORTS: StoragePorts = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  const azurite = await startAzurite(TEST_STORAGE_PORTS);
  const sandbox = await startSandbox({ ports: { entra: 0, graph: 0, googleAccounts: 0, googleOAuth: 0, gmail: 0, keyVault: 0 } });
  try {
    const env = {
      ...process.env,
      ...readLocalSettings(),
      ...stackSettings(sandbox.urls, TEST_STORAGE_PORTS),
      SANDBOX_URLS: JSON.stringify(sandbox.urls),
      TEST_STORAGE_PORTS: JSON.stringify(TEST_STORAGE_PORTS),
    };
    const jest = spawn(
      process.execPath,
      [require.resolve('jest/bin/jest', { paths: [process.cwd()] }), '--runInBand', ...jestArgs.filter((a) => a !== '--no-typecheck')],
      { stdio: 'inherit', env },
    );
    return await new Promise<number>((resolveExit) => jest.on('exit', (code) => resolveExit(code ?? 1)));
  } finally {
    await sandbox.close();
    azurite.kill();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`test stack failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
