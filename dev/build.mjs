// Bundles the function app for Azure (dist/main.js, the package's "main") and the local tools
// (sandbox, local host, start, test runner, benchmarks) with esbuild. The Functions host provides
// @azure/functions-core, so it stays external.
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

await Promise.all(
  Object.entries(entries)
    .filter(([, source]) => existsSync(source))
    .map(([outfile, entryPoint]) =>
      build({
        ...common,
        entryPoints: [entryPoint],
        outfile,
        // App files: `import()` of another file becomes a lazy `require`, so the app stays plain CommonJS.
        ...(outfile in appEntries ? { plugins: [appFiles(outfile)], supported: { 'dynamic-import': false } } : {}),
      })),
);
