/**
 * The bench's options and the pure arithmetic behind its fairness, memory and per-sender figures
 * (bench/options.ts, bench/measure.ts, bench/report.ts, bench/mailboxes.ts). Counts and logic
 * only: no duration is measured or asserted.
 */
import { BENCH_DEFAULTS, includes, parseBenchOptions } from '../../bench/options';
import { dueByRate, fifoWaitSeconds, interleavedFlood, ownRateFloorMs, percentile, statusMiB } from '../../bench/measure';
import { floodMailbox, MAX_FLOOD_MAILBOXES } from '../../bench/mailboxes';
import { parseProfiles } from '../../bench/profiles';
import { profileRows, ROWS } from '../../bench/report';
import { perSenderPer1000, ProfileFigures } from '../../bench/figures';
import type { FairnessResult } from '../../bench/fairness';

const parse = (...args: string[]) => parseBenchOptions(args, parseProfiles);

describe('npm run bench options (bench/options.ts)', () => {
  it('defaults: both profiles, ten flooding orgs, ten quiet messages, 2,000 for the memory run and the directory', () => {
    const options = parse();
    expect(options).toEqual(BENCH_DEFAULTS);
    expect(options).toMatchObject({ profiles: 'both', floodOrgs: 10, quiet: 10, memoryMessages: 2000, users: 2000 });
    expect(options.only).toBeUndefined();
    expect(includes(options, 'directory') && includes(options, 'fairness')).toBe(true);
  });

  it('takes the flood options beside --rate, and every numeric one', () => {
    const options = parse(
      '--flood-orgs',
      '3',
      '--flood',
      '40',
      '--quiet',
      '7',
      '--rate',
      '120',
      '--users',
      '10000',
      '--memory-messages',
      '50',
      '--profile',
      'azure',
    );
    expect(options).toMatchObject({
      floodOrgs: 3,
      flood: 40,
      quiet: 7,
      ratePerMinute: 120,
      users: 10000,
      memoryMessages: 50,
      profiles: 'azure',
    });
  });

  it('the scale-out takes its mailboxes (default 20, at most the sandbox has) and its message counts', () => {
    expect(parse()).toMatchObject({ scaleMailboxes: 20, scaleMessages: 400, scaleFlood: 60 });
    expect(parse('--scale-mailboxes', '5', '--scale-messages', '40', '--scale-flood', '12')).toMatchObject({
      scaleMailboxes: 5,
      scaleMessages: 40,
      scaleFlood: 12,
    });
    expect(() => parse('--scale-mailboxes', String(MAX_FLOOD_MAILBOXES + 1))).toThrow(/usage: npm run bench/);
    expect(() => parse('--scale-mailboxes', '0')).toThrow(/usage: npm run bench/);
  });

  it('--only selects parts (comma list or repeated), and --scale-out-only still means the scale-out alone', () => {
    expect(parse('--only', 'directory').only).toEqual(['directory']);
    expect(parse('--only', 'fairness,memory', '--flood', '10').only).toEqual(['memory', 'fairness']);
    expect(parse('--only', 'delivery', '--only', 'scaleout').only).toEqual(['delivery', 'scaleout']);
    expect(parse('--scale-out-only').only).toEqual(['scaleout']);
    expect(parse('--only', 'cold').only).toEqual(['cold']);
    const fairnessOnly = parse('--only', 'fairness');
    expect([includes(fairnessOnly, 'fairness'), includes(fairnessOnly, 'delivery'), includes(fairnessOnly, 'directory')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('refuses unknown options, unknown parts, bad numbers and values over their bounds', () => {
    for (const bad of [
      ['--floods', '3'],
      ['--only', 'coldstart'],
      ['--only', ''],
      ['--flood', '0'],
      ['--flood', '1.5'],
      ['--flood', 'many'],
      ['--quiet'],
      ['--rate', '10001'],
      ['--rounds', '6'],
      ['--flood-orgs', String(MAX_FLOOD_MAILBOXES + 1)],
      ['--messages', '20001'],
    ]) {
      expect({
        bad,
        threw: (() => {
          try {
            parse(...bad);
            return false;
          } catch (error) {
            return /usage: npm run bench/.test(String(error));
          }
        })(),
      }).toEqual({ bad, threw: true });
    }
    expect(() => parse('--profile', 'fast')).toThrow(/zero, azure or both/);
    expect(parse('--flood-orgs', String(MAX_FLOOD_MAILBOXES)).floodOrgs).toBe(MAX_FLOOD_MAILBOXES);
  });
});

describe('fairness arithmetic (bench/measure.ts)', () => {
  it("p95 of the quiet org's ten latencies is its slowest (nearest rank), p50 the fifth", () => {
    const latencies = [900, 1100, 1300, 1500, 1700, 1900, 2100, 2300, 2500, 2700];
    expect(percentile(latencies, 95)).toBe(2700);
    expect(percentile(latencies, 50)).toBe(1700);
  });

  it("the FIFO estimate drains the unsent floods at the mailboxes' combined rate, or the worker's throughput when lower", () => {
    // 10 mailboxes at 300/min: 50 per second.
    expect(fifoWaitSeconds({ unsent: 1000, mailboxes: 10, ratePerMinute: 300 })).toBe(20);
    expect(fifoWaitSeconds({ unsent: 1000, mailboxes: 10, ratePerMinute: 300, workerPerSecond: 25 })).toBe(40);
    expect(fifoWaitSeconds({ unsent: 1000, mailboxes: 10, ratePerMinute: 300, workerPerSecond: 80 })).toBe(20);
    expect(fifoWaitSeconds({ unsent: 1000, mailboxes: 10, ratePerMinute: 300, workerPerSecond: 0 })).toBe(20);
    expect(fifoWaitSeconds({ unsent: 0, mailboxes: 1, ratePerMinute: 30 })).toBe(0);
  });

  it("the quiet org's own rate puts its last message (q - 1) slots after its first", () => {
    expect(ownRateFloorMs(10, 300)).toBe(1800);
    expect(ownRateFloorMs(10, 30)).toBe(18_000);
    expect(ownRateFloorMs(1, 30)).toBe(0);
  });

  it('counts the flood messages due by their slots, never more than the flood', () => {
    expect(dueByRate(-1, 100, 300)).toBe(0);
    expect(dueByRate(0, 100, 300)).toBe(1);
    expect(dueByRate(199, 100, 300)).toBe(1);
    expect(dueByRate(200, 100, 300)).toBe(2);
    expect(dueByRate(10_000, 100, 300)).toBe(51);
    expect(dueByRate(60_000, 100, 300)).toBe(100);
  });

  it("interleaves the floods org by org, each org's ids once and in order", () => {
    const items = interleavedFlood(['a', 'b', 'c'], 2);
    expect(items).toEqual([
      { orgId: 'a', id: 'flood-0' },
      { orgId: 'b', id: 'flood-0' },
      { orgId: 'c', id: 'flood-0' },
      { orgId: 'a', id: 'flood-1' },
      { orgId: 'b', id: 'flood-1' },
      { orgId: 'c', id: 'flood-1' },
    ]);
  });

  it('gives every flooding org its own sandbox mailbox', () => {
    const mailboxes = Array.from({ length: MAX_FLOOD_MAILBOXES }, (_, i) => floodMailbox(i));
    expect(new Set(mailboxes).size).toBe(MAX_FLOOD_MAILBOXES);
    expect(mailboxes[0]).toBe('bench-flood-01@contoso.example');
  });
});

describe('per-sender and memory figures', () => {
  it('requests per 1,000 messages per sender: a run of 1,000 or more per sender scales, a shorter one counts as 1,000', () => {
    expect(perSenderPer1000(1, 2000)).toBe(0.5);
    expect(perSenderPer1000(2, 2000, 2)).toBe(1);
    expect(perSenderPer1000(1, 400)).toBe(1);
    expect(perSenderPer1000(400, 400)).toBe(400);
  });

  it('reads VmRSS and VmHWM from /proc/<pid>/status in MiB', () => {
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n';
    expect(statusMiB(status, 'VmHWM')).toBe(200);
    expect(statusMiB(status, 'VmRSS')).toBe(100);
    expect(statusMiB('', 'VmRSS')).toBeUndefined();
  });
});

describe('the report table (bench/report.ts)', () => {
  const fairness: FairnessResult = {
    floodOrgs: 10,
    flood: 200,
    ratePerMinute: 300,
    quiet: 10,
    profile: { name: 'zero', origins: {}, graphSendMs: 0, storageMs: 0 },
    floodEnqueueSeconds: 90,
    quietEnqueueMs: 500,
    quietAttempts: 10,
    quietRetryCodes: [],
    quietP50Ms: 1500,
    quietP95Ms: 2500,
    quietMaxMs: 2500,
    quietOwnRateFloorMs: 1800,
    floodSentByThen: 1500,
    floodSentByThenPerOrg: { min: 140, max: 160 },
    floodSentBeforeQuiet: 1400,
    floodDueUnsentAtQuiet: 30,
    workerPerSecond: 20,
    fifoWaitSeconds: 30,
  };
  const side = { sandboxCpuMs: 0, storageRequests: { queue: 0, table: 0, blob: 0 } };

  it('shows a part run under one profile only as `not run` under the other, and leaves out rows no profile ran', () => {
    const profiles: ProfileFigures[] = [
      { profile: 'zero', rounds: 1, fairness: { result: fairness, side } },
      { profile: 'azure', rounds: 1 },
    ];
    const rows = profileRows(profiles);
    expect(rows.map((r) => r[0])).toEqual(ROWS.filter((r) => r.name.startsWith('4. fairness')).map((r) => r.name));
    expect(rows[0][1]).toContain('p95 2,500 ms');
    expect(rows[0][1]).toContain('per org 140-160 of 200');
    expect(rows[0][2]).toBe('not run');
  });
});
