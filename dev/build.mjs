// Bundles the function app for Azure (dist/main.js, the package's "main") and the local tools
// (sandbox, local host, start, test runner, benchmarks) with esbuild. The Functions host provides
// @azure/functions-core, so it stays external.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['@azure/functions-core'],
};

const entries = {
  'dist/main.js': 'functions/index.ts',
  'dist/dev/start.js': 'dev/start.ts',
  'dev-sandbox': 'dev/sandbox/main.ts',
  'dist/dev/host.js': 'dev/host/main.ts',
  'dist/dev/test-runner.js': 'dev/test-runner.ts',
  'dist/bench/run.js': 'bench/run.ts',
};
entries['dist/dev/sandbox.js'] = entries['dev-sandbox'];
delete entries['dev-sandbox'];

await Promise.all(
  Object.entries(entries)
    .filter(([, source]) => existsSync(source))
    .map(([outfile, entryPoint]) => build({ ...common, entryPoints: [entryPoint], outfile })),
);
