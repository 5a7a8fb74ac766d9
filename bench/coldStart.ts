/**
 * Benchmark 3 (README "Benchmarks"): cold start. Loads the deployed bundle (dist/main.js, every
 * function registered) in a fresh Node process, side by side with an empty `@azure/functions` app,
 * alternating the two so machine noise hits both alike. Reports medians and their ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ColdStartResult {
  runs: number;
  appMedianMs: number;
  emptyMedianMs: number;
  ratio: number;
  bundleKiB: number;
}

function timeLoad(script: string): number {
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  if (run.status !== 0) throw new Error(`load failed: ${run.stderr.slice(0, 500)}`);
  const match = /LOAD_MS=([\d.]+)/.exec(run.stdout);
  if (!match) throw new Error(`no timing in output: ${run.stdout.slice(0, 200)}`);
  return Number(match[1]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export function benchColdStart(runs = 15): ColdStartResult {
  const bundle = resolve('dist/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'cold-'));
  const empty = join(dir, 'empty.js');
  // The empty app: what every Functions app pays anyway.
  writeFileSync(empty, `require(${JSON.stringify(resolve('node_modules/@azure/functions'))});`);
  const probe = (file: string) =>
    `const t=process.hrtime.bigint();require(${JSON.stringify(file)});` +
    `process.stdout.write('LOAD_MS='+(Number(process.hrtime.bigint()-t)/1e6)+'\\n');`;
  const app: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    app.push(timeLoad(probe(bundle)));
    bare.push(timeLoad(probe(empty)));
  }
  const appMedianMs = median(app);
  const emptyMedianMs = median(bare);
  return { runs, appMedianMs, emptyMedianMs, ratio: appMedianMs / emptyMedianMs, bundleKiB: statSync(bundle).size / 1024 };
}
