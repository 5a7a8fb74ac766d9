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
  // Some SDK packages pick their ESM build under esbuild (import condition) and read
  // `import.meta.url` (e.g. @azure/storage-common's crc64.js), which a CJS bundle leaves undefined:
  // give it the bundle's own file URL.
  define: { 'import.meta.url': '__bundleFileUrl' },
  banner: { js: 'var __bundleFileUrl = require("node:url").pathToFileURL(__filename).href;' },
};

const entries = {
  'dist/main.js': 'functions/index.ts',
  'dist/dev/start.js': 'dev/start.ts',
  'dev-sandbox': 'dev/sandbox/main.ts',
  'dist/dev/host.js': 'dev/host/main.ts',
  'dist/dev/test-runner.js': 'dev/test-runner.ts',
  'dist/bench/run.js': 'bench/run.ts',
  // The typed client, package entry `org-mailer/client` (package.json "exports").
  'dist/client/index.js': 'shared/client/index.ts',
};
entries['dist/dev/sandbox.js'] = entries['dev-sandbox'];
delete entries['dev-sandbox'];

await Promise.all(
  Object.entries(entries)
    .filter(([, source]) => existsSync(source))
    .map(([outfile, entryPoint]) => build({ ...common, entryPoints: [entryPoint], outfile })),
);
