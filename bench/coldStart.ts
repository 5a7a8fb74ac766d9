/**
 * Benchmark 3 (README "Benchmarks"): cold start. Loads the deployed bundle (dist/main.js, every
 * function registered) in a fresh Node process, side by side with an empty `@azure/functions` app,
 * alternating the two so machine noise hits both alike. Reports medians and their ratio, and where
 * the time would go: each heavy package's own load time (required from node_modules in a fresh
 * process after `@azure/functions`), which is what the bundle avoids by loading them on first use.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
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
  moduleRuns: number;
  /** Each package's load time alone, highest first. */
  modules: Array<{ name: string; medianMs: number }>;
}

function timeLoad(script: string): number {
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
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

export function benchColdStart(runs = 20, moduleRuns = 3): ColdStartResult {
  const bundle = resolve('dist/main.js');
  const functions = resolve('node_modules/@azure/functions');
  const dir = mkdtempSync(join(tmpdir(), 'cold-'));
  const empty = join(dir, 'empty.js');
  // The empty app: what every Functions app pays anyway.
  writeFileSync(empty, `require(${JSON.stringify(functions)});`);
  const app: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    app.push(timeLoad(probe(bundle)));
    bare.push(timeLoad(probe(empty)));
  }
  const modules = MEASURED_PACKAGES.map((name) => {
    const path = require.resolve(name, { paths: [process.cwd()] });
    return { name, medianMs: median(Array.from({ length: moduleRuns }, () => timeLoad(probe(path, functions)))) };
  }).sort((a, b) => b.medianMs - a.medianMs);
  const appMedianMs = median(app);
  const emptyMedianMs = median(bare);
  return { runs, appMedianMs, emptyMedianMs, ratio: appMedianMs / emptyMedianMs, bundleKiB: statSync(bundle).size / 1024, moduleRuns, modules };
}
