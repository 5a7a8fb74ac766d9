// Bundles the function app for Azure (dist/main.js, the package's "main") and the local tools
// (sandbox, local host, start, test runner, benchmarks) with esbuild. The Functions host provides
// @azure/functions-core, so it stays external.
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';

/**
 * The settings page's script (shared/adminLinks/page/client/*.ts) for the browser: one IIFE, no
 * Node. Its text is defined as `__SETTINGS_PAGE_JS__` in every bundle below (read by
 * shared/adminLinks/page/script.ts) and written to dist/settings/app.js for runs from the sources.
 */
const SETTINGS_PAGE_ENTRY = 'shared/adminLinks/page/client/main.ts';
const settingsPage = await build({
  entryPoints: [SETTINGS_PAGE_ENTRY],
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['es2020'],
  write: false,
  logLevel: 'warning',
  tsconfig: 'shared/adminLinks/page/client/tsconfig.json',
});
const settingsPageJs = settingsPage.outputFiles[0].text;
mkdirSync('dist/settings', { recursive: true });
writeFileSync('dist/settings/app.js', settingsPageJs);

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
  define: { 'import.meta.url': '__bundleFileUrl', __SETTINGS_PAGE_JS__: JSON.stringify(settingsPageJs) },
  banner: { js: 'var __bundleFileUrl = require("node:url").pathToFileURL(__filename).href;' },
};

/**
 * The function app ships as a few files, so a cold start reads and compiles only what every function
 * needs: compiling one 5 MB bundle was most of its load time, and lazy initialization inside a single
 * file saves only the execution. The provider modules, which shared/providers/index.ts loads on first
 * use (`await import('./microsoft')`, `import('./google')`), become dist/providers/*.js with their
 * SDKs; shared/errors.ts becomes dist/errors.js, required by all of them, so there is one MailerError
 * class and `instanceof` holds across files. The local tools keep single bundles.
 */
const APP_FILES = {
  'shared/errors.ts': 'dist/errors.js',
  'shared/providers/microsoft/index.ts': 'dist/providers/microsoft.js',
  'shared/providers/google/index.ts': 'dist/providers/google.js',
};

/** Resolves imports of the APP_FILES sources to a require of their own file, relative to `outfile`. */
function appFiles(outfile) {
  return {
    name: 'app-files',
    setup(builder) {
      builder.onResolve({ filter: /^(\.\.?\/|@shared\/)/ }, async (args) => {
        if (args.pluginData === 'app-files') return undefined;
        const { kind, importer, resolveDir } = args;
        const resolved = await builder.resolve(args.path, { kind, importer, resolveDir, pluginData: 'app-files' });
        const file = APP_FILES[relative(process.cwd(), resolved.path).split('\\').join('/')];
        if (!file || file === outfile) return undefined; // bundled as usual
        const path = relative(dirname(outfile), file).split('\\').join('/');
        return { path: path.startsWith('.') ? path : `./${path}`, external: true };
      });
    },
  };
}

/**
 * Cold start (README "Benchmarks", issue 17): the heavy SDKs dist/main.js uses (Storage, Key Vault,
 * identity, telemetry export) go to one file of their own, dist/sdk.js, which main.js requires on
 * the first use of any of their exports, not at load: registering the functions then compiles and
 * runs about a third of the code. One file for all of them, so their common dependencies
 * (@azure/core-*) exist once. In main.js each package becomes a stand-in whose export names are
 * known at build time (read from the built dist/sdk.js); reading any export loads dist/sdk.js and
 * answers from the real package. shared/ keeps its plain imports; it must only not read an SDK
 * export at module load, which would make the load eager again (test/unit/provider-loading.test.ts
 * checks that loading main.js does not load dist/sdk.js). The provider files keep their own
 * copies (they load on first use already).
 */
const LAZY_PACKAGES = [
  '@azure/data-tables',
  '@azure/storage-queue',
  '@azure/storage-blob',
  '@azure/keyvault-secrets',
  '@azure/identity',
  '@azure/monitor-opentelemetry-exporter',
  '@opentelemetry/sdk-metrics',
];
const SDK_FILE = 'dist/sdk.js';
const requireHere = createRequire(`${process.cwd()}/`);

/** dist/sdk.js: each package behind a getter, so requiring the file runs only the packages read. */
const sdkEntry = LAZY_PACKAGES.map((name) => `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(name)}) });`).join('\n');

/**
 * The stand-in for `name` in main.js (CommonJS, so esbuild's interop reads its keys without running
 * anything). Its export names come from the built dist/sdk.js itself, the very object it will
 * load, so no name can be missing.
 */
function lazyPackageSource(name, sdkPath) {
  const real = requireHere(`./${SDK_FILE}`)[name];
  const keys = Object.keys(real).filter((key) => key !== 'default' && key !== '__esModule');
  return `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(sdkPath)})[${JSON.stringify(name)}]);
const keys = ${JSON.stringify(keys)};
const has = (key) => keys.includes(key);
module.exports = new Proxy({}, {
  get: (_, key) => (key === '__esModule' ? ${JSON.stringify(!!real.__esModule)} : load()[key]),
  has: (_, key) => has(key),
  ownKeys: () => keys,
  getOwnPropertyDescriptor: (_, key) => (has(key) ? { configurable: true, enumerable: true, get: () => load()[key] } : undefined),
  getPrototypeOf: () => Object.prototype,
});`;
}

function lazyPackages(outfile) {
  const sdkPath = `./${relative(dirname(outfile), SDK_FILE).split('\\').join('/')}`;
  const names = new Set(LAZY_PACKAGES);
  return {
    name: 'lazy-packages',
    setup(builder) {
      builder.onResolve({ filter: /^@/ }, (args) => (names.has(args.path) ? { path: args.path, namespace: 'lazy-package' } : undefined));
      builder.onResolve({ filter: /^\.\// , namespace: 'lazy-package' }, (args) => ({ path: args.path, external: true }));
      builder.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({ contents: lazyPackageSource(args.path, sdkPath), loader: 'js' }));
    },
  };
}

const appEntries = { 'dist/main.js': 'functions/index.ts', ...Object.fromEntries(Object.entries(APP_FILES).map(([source, file]) => [file, source])) };

const entries = {
  'dist/main.js': 'functions/index.ts',
  'dist/dev/start.js': 'dev/start.ts',
  'dev-sandbox': 'dev/sandbox/main.ts',
  'dist/dev/host.js': 'dev/host/main.ts',
  'dist/dev/test-runner.js': 'dev/test-runner.ts',
  'dist/dev/status.js': 'dev/status.ts',
  'dist/bench/run.js': 'bench/run.ts',
  // The typed client, package entry `org-mailer/client` (package.json "exports").
  'dist/client/index.js': 'shared/client/index.ts',
};
entries['dist/dev/sandbox.js'] = entries['dev-sandbox'];
delete entries['dev-sandbox'];
Object.assign(entries, appEntries);

// dist/sdk.js first: main.js's stand-ins read their export names from it.
await build({ ...common, stdin: { contents: sdkEntry, resolveDir: process.cwd(), loader: 'js', sourcefile: 'sdk-entry.js' }, outfile: SDK_FILE });
await Promise.all(
  Object.entries(entries)
    .filter(([, source]) => existsSync(source))
    .map(([outfile, entryPoint]) =>
      build({
        ...common,
        entryPoints: [entryPoint],
        outfile,
        // App files: `import()` of another file becomes a lazy `require`, so the app stays plain CommonJS.
        ...(outfile in appEntries
          ? { plugins: [...(outfile === 'dist/main.js' ? [lazyPackages(outfile)] : []), appFiles(outfile)], supported: { 'dynamic-import': false } }
          : {}),
      })),
);
