/**
 * `npm test`: type-checks, starts the local stack on test ports (Azurite in memory and the sandbox,
 * so a running `npm start` is not disturbed), then runs Jest with the settings and the sandbox CA
 * in its environment (Node reads NODE_EXTRA_CA_CERTS only at start-up, so it must be set for the
 * child). Extra arguments go to Jest: `npm test -- test/unit`; the whole suite runs in shards (`shardCount`).
 */
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const args = jestArgs.filter((a) => a !== '--no-typecheck');
  const shards = shardCount(args);
  const results = await Promise.all(Array.from({ length: shards }, (_, i) => runShard(args, i + 1, shards)));
  if (shards > 1) {
    const total = results.reduce(
      (sum, r) => ({ passed: sum.passed + r.counts.passed, failed: sum.failed + r.counts.failed, skipped: sum.skipped + r.counts.skipped }),
      {
        passed: 0,
        failed: 0,
        skipped: 0,
      },
    );
    process.stdout.write(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
  }
  return results.some((r) => r.code !== 0) ? 1 : 0;
}

/**
 * The whole suite runs as TEST_SHARDS Jest processes (default 2, one per core of the reference
 * machine), each in band against a stack of its own, so no two test files ever share Azurite or the
 * sandbox. A run narrowed to some files (`npm test -- test/unit/x`) is one shard.
 */
function shardCount(args: string[]): number {
  if (args.some((a) => !a.startsWith('-'))) return 1;
  const wanted = Number(process.env.TEST_SHARDS ?? 2);
  return Number.isInteger(wanted) && wanted >= 1 && wanted <= 8 ? wanted : 1;
}

interface ShardResult {
  code: number;
  counts: { passed: number; failed: number; skipped: number };
}

async function runShard(args: string[], index: number, of: number): Promise<ShardResult> {
  const ports: StoragePorts = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  const azurite = await startAzurite(ports);
  const sandbox = await startSandbox({ ports: { entra: 0, graph: 0, googleAccounts: 0, googleOAuth: 0, gmail: 0, keyVault: 0 } });
  const summaryFile = join(tmpdir(), `org-mailer-tests-${process.pid}-${index}.json`);
  try {
    const env = {
      ...process.env,
      ...readLocalSettings(),
      ...stackSettings(sandbox.urls, ports),
      SANDBOX_URLS: JSON.stringify(sandbox.urls),
      TEST_STORAGE_PORTS: JSON.stringify(ports),
      ...(of > 1 ? { TEST_SUMMARY_FILE: summaryFile } : {}),
    };
    const shard = of > 1 ? [`--shard=${index}/${of}`] : [];
    const jest = spawn(process.execPath, [require.resolve('jest/bin/jest', { paths: [process.cwd()] }), '--runInBand', ...shard, ...args], {
      stdio: 'inherit',
      env,
    });
    const code = await new Promise<number>((resolveExit) => jest.on('exit', (exit) => resolveExit(exit ?? 1)));
    // A shard that died before its reporter ran counts as one failure.
    const counts =
      of > 1 && existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : { passed: 0, failed: of > 1 ? 1 : 0, skipped: 0 };
    return { code, counts };
  } finally {
    rmSync(summaryFile, { force: true });
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
