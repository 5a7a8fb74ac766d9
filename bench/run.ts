/**
 * `npm run bench`: the benchmarks of design.md section 11, measured side by side in one run (the
 * machine is noisy: compare ratios, not absolute numbers). Prints a Markdown table for the README.
 */
import { benchColdStart } from './coldStart';

async function main(): Promise<void> {
  const lines: string[] = ['| benchmark | figure |', '|---|---|'];
  const cold = benchColdStart();
  lines.push(
    `| cold start: load dist/main.js (${cold.bundleKiB.toFixed(0)} KiB) vs empty @azure/functions app, median of ${cold.runs} | ${cold.appMedianMs.toFixed(0)} ms vs ${cold.emptyMedianMs.toFixed(0)} ms (x${cold.ratio.toFixed(2)}) |`,
  );
  console.log(lines.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
