/**
 * `npm run bench -- --baseline <revision>`: the option (bench/options.ts) and the side-by-side
 * table (bench/comparison.ts). Pure functions over made-up figures; nothing is measured.
 */
import { baselineArgs, BENCH_DEFAULTS, parseBenchOptions } from '../../bench/options';
import { parseProfiles } from '../../bench/profiles';
import { comparisonRows, comparisonTable, meets } from '../../bench/comparison';
import type { ProfileFigures } from '../../bench/figures';

const parse = (...args: string[]) => parseBenchOptions(args, parseProfiles);

describe('--baseline (bench/options.ts)', () => {
  it('takes a commit or ref name, and is absent by default', () => {
    expect(parse().baseline).toBeUndefined();
    expect(parse('--baseline', '30161ab', '--only', 'delivery,fairness').baseline).toBe('30161ab');
    expect(parse('--baseline', 'origin/main').baseline).toBe('origin/main');
  });

  it('refuses what git could read as an option, and a missing or odd revision', () => {
    expect(() => parse('--baseline', '--upload-pack=x')).toThrow(/--baseline GIT_REVISION/);
    expect(() => parse('--baseline')).toThrow(/got --baseline undefined/);
    expect(() => parse('--baseline', 'a b')).toThrow(/got --baseline a b/);
    expect(() => parse('--baseline', 'x;rm')).toThrow(/--baseline/);
  });

  it("gives the baseline's own bench one part, one profile and every size of this run", () => {
    const options = parse('--messages', '200', '--azure-messages', '100', '--flood', '50', '--baseline', '30161ab');
    const args = baselineArgs(options, 'fairness', 'azure');
    expect(args.slice(0, 4)).toEqual(['--only', 'fairness', '--profile', 'azure']);
    const sizes = Object.fromEntries(Array.from({ length: (args.length - 4) / 2 }, (_, i) => [args[4 + 2 * i], args[5 + 2 * i]]));
    expect(sizes).toEqual({
      '--messages': '200',
      '--azure-messages': '100',
      '--rounds': String(BENCH_DEFAULTS.rounds),
      '--flood-orgs': String(BENCH_DEFAULTS.floodOrgs),
      '--flood': '50',
      '--rate': String(BENCH_DEFAULTS.ratePerMinute),
      '--quiet': String(BENCH_DEFAULTS.quiet),
      '--memory-messages': String(BENCH_DEFAULTS.memoryMessages),
    });
    // What it passes on, this tree's parser reads back as the same sizes (the baseline's takes the same flags).
    expect(parseBenchOptions(args, parseProfiles)).toMatchObject({ messages: 200, azureMessages: 100, flood: 50, only: ['fairness'] });
  });
});

/** Figures of one profile with only what the comparison reads; `scale` multiplies the costs. */
function figures(
  profile: 'zero' | 'azure',
  o: { storage: number; typedStorage?: number; pipelineMs: number; p95?: number; appShare: number },
) {
  const usage = (wallMs: number, cpuMs = 0) => ({ wallMs, cpuMs, baseRssMiB: 0, peakRssMiB: 0, baseHeapMiB: 0, peakHeapMiB: 0 });
  const calls = { senderTokens: 1, vaultTokens: 1, entraMetadata: 1, vaultReads: 1, vaultRequests: 2, graphSends: 1000 };
  const side = (requests: number) => ({ sandboxCpuMs: 0, storageRequests: { queue: requests / 2, table: requests / 2, blob: 0 } });
  const delivery = (variant: string, wallMs: number, cpuMs = 0) => ({
    result: { variant, messages: 1000, usage: usage(wallMs, cpuMs), calls },
    side: side(variant === 'pipeline' ? o.storage * 1000 : 0),
  });
  return {
    profile,
    rounds: 1,
    delivery: { pipeline: delivery('pipeline', o.pipelineMs, 20_000), floor: delivery('floor', 60_000), naive: delivery('naive', 250_000) },
    typed: o.typedStorage === undefined ? undefined : { result: { messages: 1000, wallMs: 1 }, side: side(o.typedStorage * 1000) },
    cpuProfiled: {
      result: {
        messages: 1000,
        usage: usage(1),
        calls,
        cpuProfile: { areas: { app: o.appShare }, sampledMs: 100, top: [], topJs: [], path: '' },
      },
      side: side(0),
    },
    fairness: o.p95 === undefined ? undefined : { result: { quietP50Ms: o.p95 / 2, quietP95Ms: o.p95 }, side: side(0) },
  } as unknown as ProfileFigures;
}

describe('the side-by-side table (bench/comparison.ts)', () => {
  const baseline = [figures('azure', { storage: 6.8, pipelineMs: 70_000, p95: 20_614, appShare: 8 })];
  const now = [figures('azure', { storage: 5.1, typedStorage: 4, pipelineMs: 64_000, p95: 2_400, appShare: 10 })];
  const rows = comparisonRows(baseline, now);
  const row = (name: RegExp) => rows.find((r) => name.test(r.figure))!;

  it('puts each figure of both trees side by side, with the ratio now / baseline', () => {
    const storage = row(/messages API path/);
    expect([storage.baseline, storage.now, storage.pass]).toEqual([6.8, 5.1, true]);
    expect(storage.ratio).toBeCloseTo(5.1 / 6.8, 10);
  });

  it('checks the absolute targets on this tree alone: floor ratio, naive ratio, per-sender reads, the p95', () => {
    expect(row(/raw floor/).now).toBeCloseTo(60_000 / 64_000, 10);
    expect(row(/raw floor/).pass).toBe(true); // 0.94 >= 0.9
    expect(row(/raw floor/).baseline).toBeCloseTo(60_000 / 70_000, 10);
    expect(row(/naive/).now).toBeCloseTo(250_000 / 64_000, 10);
    expect(row(/naive/).pass).toBe(true);
    expect([row(/Key Vault secret reads/).now, row(/Key Vault secret reads/).pass]).toEqual([1, true]);
    expect([row(/p95/).baseline, row(/p95/).now, row(/p95/).pass]).toEqual([20_614, 2_400, true]);
    expect(row(/p50/).pass).toBeUndefined();
  });

  it('app code CPU: its profile share applied to the unprofiled CPU per message; higher than the baseline fails', () => {
    // 20 ms per message, 8 % (baseline) vs 10 % (now) of the profile.
    expect(row(/app code CPU/).baseline).toBeCloseTo(1.6, 10);
    expect(row(/app code CPU/).now).toBeCloseTo(2, 10);
    expect(row(/app code CPU/).pass).toBe(false);
  });

  it('with --repeats, app code CPU and both Storage figures are the medians of the repetitions, not the last one', () => {
    const base = { ...baseline[0], runs: { appCpu: [0.9, 0.6, 0.7], apiStorage: [6.4, 6.2, 6.3], typedStorage: [5.3, 5.5, 5.4] } };
    const mine = { ...now[0], runs: { appCpu: [0.65, 0.8, 0.5], apiStorage: [6.1, 6.5, 6.3], typedStorage: [5.6, 5.2, 5.3] } };
    const rows = comparisonRows([base], [mine]);
    const of = (pattern: RegExp) => rows.find((r) => pattern.test(r.figure))!;
    expect([of(/app code CPU/).baseline, of(/app code CPU/).now, of(/app code CPU/).pass]).toEqual([0.7, 0.65, true]);
    expect([of(/API path/).baseline, of(/API path/).now, of(/API path/).pass]).toEqual([6.3, 6.3, true]);
    expect([of(/typed-client/).baseline, of(/typed-client/).now, of(/typed-client/).pass]).toEqual([5.4, 5.3, true]);
    expect(comparisonTable(rows, 'base')).toContain('| 5.40 (5.30 to 5.50, 3 runs) | 5.30 (5.20 to 5.60, 3 runs) | 0.98× |');
  });

  it('a repeated figure with no repetition recorded falls back to the single run', () => {
    const mine = { ...now[0], runs: { appCpu: [0.5] } };
    expect(comparisonRows(baseline, [mine]).find((r) => /API path/.test(r.figure))!.now).toBe(row(/API path/).now);
  });

  it('--repeats is a whole number from 1 to 5, 1 by default', () => {
    expect(parse('--repeats', '3').repeats).toBe(3);
    expect(parse().repeats).toBe(1);
    expect(() => parse('--repeats', '6')).toThrow(/usage: npm run bench/);
  });

  it('a figure only one tree measured shows, without a verdict where it needs both', () => {
    const typed = row(/typed-client path/);
    expect([typed.baseline, typed.now, typed.ratio, typed.pass]).toEqual([undefined, 4, undefined, undefined]);
    expect(comparisonRows([], [])).toEqual([]);
  });

  it('the pipeline ratios are figures of the azure profile only', () => {
    const zero = comparisonRows([figures('zero', { storage: 6, pipelineMs: 1, appShare: 1 })], []);
    expect(zero.some((r) => /raw floor|naive/.test(r.figure))).toBe(false);
    expect(zero.every((r) => r.profile === 'zero')).toBe(true);
  });

  it('meets: at most, at least, no higher than the baseline, and undecided without a value', () => {
    expect(meets({ kind: 'atMost', value: 3000 }, 3000, undefined)).toBe(true);
    expect(meets({ kind: 'atMost', value: 3000 }, 3001, undefined)).toBe(false);
    expect(meets({ kind: 'atLeast', value: 3 }, 2.99, undefined)).toBe(false);
    expect(meets({ kind: 'noHigher' }, 5, 5)).toBe(true);
    expect(meets({ kind: 'noHigher' }, 5.01, 5)).toBe(false);
    expect(meets({ kind: 'noHigher' }, 5, undefined)).toBeUndefined();
    expect(meets({ kind: 'atMost', value: 1 }, undefined, 1)).toBeUndefined();
  });

  it('prints one Markdown row per figure: figure, profile, baseline, now, ratio, target, pass/fail', () => {
    const markdown = comparisonTable(rows, '30161ab').split('\n');
    expect(markdown[0]).toBe('| figure | profile | baseline (30161ab) | now | now / baseline | target | pass/fail |');
    expect(markdown).toHaveLength(rows.length + 2);
    expect(markdown.find((l) => l.includes('p95'))).toBe(
      "| quiet org's p95 to sent | `azure` | 20,614 ms | 2,400 ms | 0.12× | ≤ 3,000 ms | pass |",
    );
    expect(markdown.find((l) => l.includes('app code CPU'))).toMatch(/\| 1\.60 ms \| 2\.00 ms \| 1\.25× \| ≤ baseline \| \*\*fail\*\* \|$/);
    expect(markdown.find((l) => l.includes('typed-client'))).toMatch(/\| not run \| 4\.00 \| — \| ≤ baseline \| — \|$/);
  });
});
