/**
 * Cold start: the deployed app (dist/, as dev/build.mjs builds it for `npm test`) registers its
 * functions from dist/main.js alone: the app's own code behind the triggers (the composition root,
 * stores, delivery, zod schemas) is dist/app.js, required on the first invocation, and it loads no
 * provider code until a provider is used. The provider modules and their SDKs (Gmail client and Google auth,
 * Graph client and the Microsoft credentials, nodemailer's MIME builder) live in dist/providers/*.js,
 * which shared/providers/index.ts requires on first use; dist/errors.js is shared, so a MailerError
 * thrown in a provider file is the app's MailerError.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const dist = join(root, 'dist');
/** esbuild marks where each bundled module starts with a `// node_modules/<package>/...` comment. */
const GOOGLE_SDKS = ['node_modules/@googleapis/gmail/', 'node_modules/google-auth-library/', 'node_modules/nodemailer/'];
const MICROSOFT_SDKS = ['node_modules/@microsoft/microsoft-graph-client/'];
/** The SDKs the app uses, which live in dist/sdk.js and load on first use (dev/build.mjs LAZY_PACKAGES). */
const LAZY_SDKS = [
  '@azure/data-tables',
  '@azure/storage-queue',
  '@azure/storage-blob',
  '@azure/keyvault-secrets',
  '@azure/identity',
  '@azure/msal-node',
  '@azure/monitor-opentelemetry-exporter',
  '@opentelemetry/sdk-metrics',
];

/** Loads dist/main.js in a child Node, invokes a handler, then loads each provider file; reports which dist files were required when. */
const PROBE = `
const Module = require('node:module');
const { relative } = require('node:path');
const dist = process.argv[1];
const required = [];
const load = Module._load;
Module._load = function (request, parent) {
  if (parent && parent.filename.startsWith(dist) && request.startsWith('.')) required.push(relative(dist, parent.filename) + ' -> ' + request);
  return load.apply(this, arguments);
};
const take = () => [...new Set(required.splice(0))].sort();
const main = require(dist + '/main.js');
const atStart = take();
// A handler invoked after the load, as a host does (the registry's definition, its invocation): an
// error code's hint, and an unknown code, whose MailerError (thrown in dist/app.js) the trigger's
// error translation (dist/main.js) must recognize, else it would answer 500.
const invoke = (code) => {
  const definition = main.listFunctions().find((d) => d.name === 'settingsErrorHint');
  const request = { method: 'GET', params: { code }, headers: new Headers(), query: new URLSearchParams() };
  const context = { invocationId: 'probe', functionName: definition.name, log() {}, warn() {}, error() {} };
  return main.invocationOf(definition)(request, context).then(({ status, jsonBody }) => ({ status, code: jsonBody.code ?? jsonBody.error?.code }));
};
Promise.all([invoke('BAD_REQUEST'), invoke('NO_SUCH_CODE')]).then(async (answers) => {
  const invocation = { answers, required: take() };
  const { microsoftProvider } = require(dist + '/providers/microsoft.js');
  const { googleProvider } = require(dist + '/providers/google.js');
  const providerFiles = take();
  const { MailerError } = require(dist + '/errors.js');
  // A delegated sender without a saved sign-in fails in the provider file, before any network call.
  const config = { microsoft: { clientId: 'c', credential: 'secret', graphUrl: 'https://graph.microsoft.com', authorityHost: 'https://login.microsoftonline.com' } };
  const sender = { orgId: 'o', provider: 'microsoft', mode: 'delegated', senderEmail: 'a@example.com', senderName: 'A', secretRefs: {}, version: 1 };
  const mail = { id: 'm', to: [{ address: 'b@example.com' }], cc: [], bcc: [], replyTo: [], subject: 's', text: 't', attachments: [], headers: {} };
  const error = await microsoftProvider.create(sender, { config, secrets: {} }).send(mail).catch((thrown) => thrown);
  process.stdout.write('PROBE=' + JSON.stringify({
    atStart, invocation, providerFiles, google: typeof googleProvider.create,
    error: { code: error.code, sameClass: error instanceof MailerError },
  }) + '\\n');
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

interface Probe {
  atStart: string[];
  invocation: { answers: Array<{ status: number; code: string }>; required: string[] };
  providerFiles: string[];
  google: string;
  error: { code: string; sameClass: boolean };
}

let probe: Probe;

beforeAll(() => {
  // `npm test` has just built dist/; build here only when run some other way.
  if (!existsSync(join(dist, 'providers/google.js')) || !existsSync(join(dist, 'app.js'))) {
    expect(spawnSync(process.execPath, ['dev/build.mjs'], { cwd: root }).status).toBe(0);
  }
  const run = spawnSync(process.execPath, ['-e', PROBE, dist], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1' },
  });
  const line = /PROBE=(.*)/.exec(run.stdout);
  if (!line) throw new Error(`probe failed (${run.status}): ${run.stdout.slice(0, 1000)} ${run.stderr.slice(0, 1000)}`);
  probe = JSON.parse(line[1]);
});

const source = (file: string) => readFileSync(join(dist, file), 'utf8');

describe('the deployed app loads provider code only on first use', () => {
  it('dist/main.js holds no provider SDK; the provider files hold them', () => {
    const main = source('main.js');
    for (const sdk of [...GOOGLE_SDKS, ...MICROSOFT_SDKS]) expect({ sdk, inMain: main.includes(sdk) }).toEqual({ sdk, inMain: false });
    for (const sdk of GOOGLE_SDKS) expect(source('providers/google.js')).toContain(sdk);
    for (const sdk of MICROSOFT_SDKS) expect(source('providers/microsoft.js')).toContain(sdk);
  });

  it('loading dist/main.js requires dist/errors.js and no provider file, nor dist/sdk.js, nor the app file dist/app.js', () => {
    expect(probe.atStart).toEqual(['main.js -> ./errors.js']);
  });

  it("the app's own code and zod are in dist/app.js, not in dist/main.js, which holds the triggers", () => {
    const main = source('main.js');
    const app = source('app.js');
    for (const marker of [
      'node_modules/zod/',
      '// shared/services.ts',
      '// shared/delivery/schema.ts',
      '// shared/adminLinks/page/script.ts',
    ]) {
      expect({ marker, inMain: main.includes(marker), inApp: app.includes(marker) }).toEqual({ marker, inMain: false, inApp: true });
    }
    for (const marker of ['// functions/registry.ts', '// functions/messages.ts', '// shared/store/names.ts'])
      expect(main).toContain(marker);
    expect(main).toContain('require("./app.js")');
  });

  it("a handler invoked after the load requires dist/app.js and answers; a MailerError from dist/app.js is main.js's MailerError", () => {
    expect(probe.invocation.required).toEqual(['app.js -> ./errors.js', 'main.js -> ./app.js']);
    expect(probe.invocation.answers).toEqual([
      { status: 200, code: 'BAD_REQUEST' },
      // 404 with its code, not 500 INTERNAL: functions/http.ts's `instanceof MailerError` held across the files.
      { status: 404, code: 'NOT_FOUND' },
    ]);
  });

  it('the Storage, Key Vault, identity and telemetry SDKs are in dist/sdk.js, not in dist/main.js or dist/app.js', () => {
    const main = source('main.js');
    const app = source('app.js');
    const sdk = source('sdk.js');
    for (const name of LAZY_SDKS) {
      const marker = `node_modules/${name}/`;
      expect({ name, inMain: main.includes(marker), inApp: app.includes(marker), inSdk: sdk.includes(marker) }).toEqual({
        name,
        inMain: false,
        inApp: false,
        inSdk: true,
      });
    }
    expect(app).toContain('require("./sdk.js")');
  });

  it("the provider files share dist/errors.js with the app: their MailerError is the app's", () => {
    expect(probe.providerFiles).toEqual(['providers/google.js -> ../errors.js', 'providers/microsoft.js -> ../errors.js']);
    expect(probe.google).toBe('function');
    expect(probe.error).toEqual({ code: 'MS_REAUTH_REQUIRED', sameClass: true });
  });
});
