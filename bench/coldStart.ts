/**
 * Benchmark 3 (bench/README.md): cold start. Loads the deployed bundle (dist/main.js, every
 * function registered) in a fresh Node process, side by side with an empty `@azure/functions` app,
 * alternating the two so machine noise hits both alike. Reports medians and their ratio, and where
 * the time would go: each heavy package's own load time (required from node_modules in a fresh
 * process after `@azure/functions`), which is what the bundle avoids by loading them on first use.
 *
 * Loading on first use only moves that time to the first invocation, so the time to the FIRST
 * ANSWER is measured beside it (fresh process: load dist/main.js, then invoke FIRST_ANSWER's handler
 * through the registry's definition, as a host does, until its response). That request builds the
 * whole composition root (`getServices()`: config, stores and their SDK clients, so dist/app.js and
 * dist/sdk.js) and validates the body with the zod schema, then answers 422: everything a first
 * message pays except the network, which is no part of a cold start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The packages whose load the app defers to first use (dev/build.mjs LAZY_PACKAGES), and zod, which it cannot. */
export const MEASURED_PACKAGES = [
  'zod',
  '@azure/data-tables',
  '@azure/storage-queue',
  '@azure/storage-blob',
  '@azure/keyvault-secrets',
  '@azure/identity',
  '@microsoft/microsoft-graph-client',
  '@googleapis/gmail',
  'nodemailer/lib/mail-composer',
  'jose',
  '@opentelemetry/sdk-metrics',
  '@azure/monitor-opentelemetry-exporter',
] as const;

export interface ColdStartResult {
  runs: number;
  appMedianMs: number;
  emptyMedianMs: number;
  ratio: number;
  bundleKiB: number;
  /** Load, then FIRST_ANSWER's handler until its response, fresh process each (alternated with the two above). */
  firstAnswerMedianMs: number;
  /** firstAnswerMedianMs over the empty app's load. */
  firstAnswerRatio: number;
  /** dist/app.js, what the first invocation requires. */
  appFileKiB: number;
  moduleRuns: number;
  /** Each package's load time alone, highest first. */
  modules: Array<{ name: string; medianMs: number }>;
}

function timeLoad(script: string, env: NodeJS.ProcessEnv = {}): number {
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' } });
  if (run.status !== 0) throw new Error(`load failed: ${run.stderr.slice(0, 500)}`);
  const match = /LOAD_MS=([\d.]+)/.exec(run.stdout);
  if (!match) throw new Error(`no timing in output: ${run.stdout.slice(0, 200)}`);
  return Number(match[1]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A script that times `require(target)`, after `before` (already loaded, not timed). */
const probe = (target: string, before?: string) =>
  (before ? `require(${JSON.stringify(before)});` : '') +
  `const t=process.hrtime.bigint();require(${JSON.stringify(target)});` +
  `process.stdout.write('LOAD_MS='+(Number(process.hrtime.bigint()-t)/1e6)+'\\n');`;

/**
 * The first request: `POST /api/orgs/bench/messages` with an empty object, which the message schema
 * refuses (422 INVALID_MESSAGE). The request and context carry only what the triggers read (functions/http.ts).
 */
export const FIRST_ANSWER = { functionName: 'messages', status: 422 } as const;

/** A script that times loading `bundle` and answering FIRST_ANSWER's request; fails unless the answer has FIRST_ANSWER's status. */
const firstAnswerProbe = (bundle: string) => `const t=process.hrtime.bigint();
const main=require(${JSON.stringify(bundle)});
const definition=main.listFunctions().find((d)=>d.name===${JSON.stringify(FIRST_ANSWER.functionName)});
const request={method:'POST',params:{orgId:'bench'},headers:new Headers({'content-type':'application/json'}),query:new URLSearchParams(),text:async()=>'{}'};
const context={invocationId:'bench',functionName:definition.name,log(){},warn(){},error(line){process.stderr.write(line+'\\n')}};
main.invocationOf(definition)(request,context).then((answer)=>{
  const ms=Number(process.hrtime.bigint()-t)/1e6;
  if(answer.status!==${FIRST_ANSWER.status}){process.stderr.write('answered '+answer.status+': '+JSON.stringify(answer.jsonBody));process.exit(1);}
  process.stdout.write('LOAD_MS='+ms+'\\n');process.exit(0);
});`;

export function benchColdStart(runs = 20, moduleRuns = 3): ColdStartResult {
  const bundle = resolve('dist/main.js');
  const functions = resolve('node_modules/@azure/functions');
  const dir = mkdtempSync(join(tmpdir(), 'cold-'));
  const empty = join(dir, 'empty.js');
  // The empty app: what every Functions app pays anyway.
  writeFileSync(empty, `require(${JSON.stringify(functions)});`);
  // The settings the services read (the local sample's; this request makes no network call).
  const settings = JSON.parse(readFileSync('local.settings.sample.json', 'utf8')).Values as Record<string, string>;
  const app: number[] = [];
  const bare: number[] = [];
  const firstAnswer: number[] = [];
  for (let i = 0; i < runs; i++) {
    app.push(timeLoad(probe(bundle)));
    bare.push(timeLoad(probe(empty)));
    firstAnswer.push(timeLoad(firstAnswerProbe(bundle), settings));
  }
  const modules = MEASURED_PACKAGES.map((name) => {
    const path = require.resolve(name, { paths: [process.cwd()] });
    return { name, medianMs: median(Array.from({ length: moduleRuns }, () => timeLoad(probe(path, functions)))) };
  }).sort((a, b) => b.medianMs - a.medianMs);
  const appMedianMs = median(app);
  const emptyMedianMs = median(bare);
  const firstAnswerMedianMs = median(firstAnswer);
  return {
    runs,
    appMedianMs,
    emptyMedianMs,
    ratio: appMedianMs / emptyMedianMs,
    bundleKiB: statSync(bundle).size / 1024,
    firstAnswerMedianMs,
    firstAnswerRatio: firstAnswerMedianMs / emptyMedianMs,
    appFileKiB: statSync(resolve('dist/app.js')).size / 1024,
    moduleRuns,
    modules,
  };
}
