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
 * Cold start (measured in bench/README.md): the heavy SDKs the app uses (Storage, Key Vault,
 * identity, telemetry export) go to one file of their own, dist/sdk.js, which the app requires on
 * the first use of any of their exports, not at load. One file for all of them, so their common
 * dependencies (@azure/core-*) exist once. In dist/app.js (below) and dist/main.js each package
 * becomes a stand-in whose export names are known at build time (read from the built dist/sdk.js);
 * reading any export loads dist/sdk.js and answers from the real package. shared/ keeps its plain
 * imports; it must only not read an SDK export at module load, which would make the load eager
 * again (test/unit/provider-loading.test.ts checks that loading main.js loads neither dist/sdk.js
 * nor dist/app.js). The provider files keep their own copies (they load on first use already).
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
const sdkEntry = LAZY_PACKAGES.map(
  (name) => `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(name)}) });`,
).join('\n');

/**
 * A stand-in module (CommonJS, so esbuild's interop reads its keys without running anything) for
 * `real`, whose export names are read at build time from the very object it will load, so no name
 * can be missing: reading any export runs `load` (a require of the file that holds the real module)
 * and answers from the real module.
 */
function standInSource(real, load) {
  const keys = Object.keys(real).filter((key) => key !== 'default' && key !== '__esModule');
  return `let loaded;
const load = () => (loaded ??= ${load});
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

/** The stand-in for package `name` in main.js: the package from the built dist/sdk.js. */
function lazyPackageSource(name, sdkPath) {
  return standInSource(requireHere(`./${SDK_FILE}`)[name], `require(${JSON.stringify(sdkPath)})[${JSON.stringify(name)}]`);
}

function lazyPackages(outfile) {
  const sdkPath = `./${relative(dirname(outfile), SDK_FILE).split('\\').join('/')}`;
  const names = new Set(LAZY_PACKAGES);
  return {
    name: 'lazy-packages',
    setup(builder) {
      builder.onResolve({ filter: /^@/ }, (args) => (names.has(args.path) ? { path: args.path, namespace: 'lazy-package' } : undefined));
      builder.onResolve({ filter: /^\.\//, namespace: 'lazy-package' }, (args) => ({ path: args.path, external: true }));
      builder.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({
        contents: lazyPackageSource(args.path, sdkPath),
        loader: 'js',
      }));
    },
  };
}

/**
 * Cold start, second step: dist/main.js holds only what registering the
 * functions runs: functions/*.ts (the thin triggers), functions/registry.ts, `@azure/functions`
 * and the constants read at registration (LIGHT_MODULES: queue names, timer schedules). Every
 * other shared module a trigger imports (the composition root `@shared/services` and all behind
 * it: stores, delivery, senders, directory, telemetry, the zod schemas built at module load, the
 * settings page text) is in dist/app.js, which main.js requires on the first read of any of their
 * exports, i.e. on the first invocation; in main.js each such module is a stand-in like the SDKs'
 * above. Compiling and running that code was most of the remaining load (zod alone about half).
 * dist/app.js is one file so the app's modules exist once (one AsyncLocalStorage for the log
 * context, one cache per service); classes that both files use stay in dist/errors.js.
 * test/unit/provider-loading.test.ts checks that loading main.js loads neither app.js nor zod.
 */
const APP_FILE = 'dist/app.js';
const LIGHT_MODULES = new Set(['shared/store/names.ts', 'shared/schedules.ts']);
const repoPath = (path) => relative(process.cwd(), path).split('\\').join('/');

/** Whether a trigger's import of the shared module at `path` goes to dist/app.js. */
const goesToAppFile = (importer, path) =>
  repoPath(importer).startsWith('functions/') && path.startsWith('shared/') && !LIGHT_MODULES.has(path) && !(path in APP_FILES);

/** Resolves `@shared/...` imports of the triggers in `builder`; `use(path)` answers for the heavy ones. */
function onTriggerImport(builder, use) {
  builder.onResolve({ filter: /^@shared\// }, async (args) => {
    if (args.pluginData) return undefined; // a nested resolve (this plugin's or app-files')
    const { kind, importer, resolveDir } = args;
    const path = repoPath((await builder.resolve(args.path, { kind, importer, resolveDir, pluginData: 'lazy-app' })).path);
    return goesToAppFile(importer, path) ? use(path) : undefined;
  });
}

/** The shared modules that go to dist/app.js: a first pass over functions/ alone (nothing written). */
async function appModules() {
  const found = new Set();
  const plugin = {
    name: 'find-app-modules',
    setup: (builder) => onTriggerImport(builder, (path) => (found.add(path), { path, external: true })),
  };
  await build({ ...common, entryPoints: ['functions/index.ts'], write: false, sourcemap: false, packages: 'external', plugins: [plugin] });
  return [...found].sort();
}

/** dist/app.js: each module behind a getter (keyed by its source path), so requiring the file runs only the modules read. */
const appEntry = (modules) =>
  modules
    .map(
      (path) =>
        `Object.defineProperty(exports, ${JSON.stringify(path)}, { enumerable: true, get: () => require(${JSON.stringify(`./${path}`)}) });`,
    )
    .join('\n');

/** In main.js, each module of dist/app.js becomes a stand-in whose export names come from the built dist/app.js. */
function lazyApp(outfile) {
  const appPath = `./${relative(dirname(outfile), APP_FILE).split('\\').join('/')}`;
  return {
    name: 'lazy-app',
    setup(builder) {
      onTriggerImport(builder, (path) => ({ path, namespace: 'lazy-app' }));
      builder.onLoad({ filter: /.*/, namespace: 'lazy-app' }, (args) => ({
        contents: standInSource(
          requireHere(`./${APP_FILE}`)[args.path],
          `require(${JSON.stringify(appPath)})[${JSON.stringify(args.path)}]`,
        ),
        loader: 'js',
      }));
      builder.onResolve({ filter: /^\.\//, namespace: 'lazy-app' }, (args) => ({ path: args.path, external: true }));
    },
  };
}

const appEntries = {
  'dist/main.js': 'functions/index.ts',
  ...Object.fromEntries(Object.entries(APP_FILES).map(([source, file]) => [file, source])),
};

const entries = {
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

/** App files: `import()` of another file becomes a lazy `require`, so the app stays plain CommonJS; main.js and app.js use the SDKs' stand-ins. */
const appOptions = (outfile) => ({
  plugins: [
    ...(outfile === 'dist/main.js' || outfile === APP_FILE ? [lazyPackages(outfile)] : []),
    ...(outfile === 'dist/main.js' ? [lazyApp(outfile)] : []),
    appFiles(outfile),
  ],
  supported: { 'dynamic-import': false },
});
const bundle = (outfile) =>
  build({ ...common, entryPoints: [entries[outfile]], outfile, ...(outfile in appEntries ? appOptions(outfile) : {}) });

// dist/sdk.js first: the stand-ins read their export names from it. Then dist/app.js (with
// dist/errors.js, which it requires at load): main.js's stand-ins read theirs from it.
await build({
  ...common,
  stdin: { contents: sdkEntry, resolveDir: process.cwd(), loader: 'js', sourcefile: 'sdk-entry.js' },
  outfile: SDK_FILE,
});
const appSource = appEntry(await appModules());
await Promise.all([
  bundle('dist/errors.js'),
  build({
    ...common,
    stdin: { contents: appSource, resolveDir: process.cwd(), loader: 'js', sourcefile: 'app-entry.js' },
    outfile: APP_FILE,
    ...appOptions(APP_FILE),
  }),
]);
await Promise.all(
  Object.keys(entries)
    .filter((outfile) => outfile !== 'dist/errors.js' && existsSync(entries[outfile]))
    .map(bundle),
);
