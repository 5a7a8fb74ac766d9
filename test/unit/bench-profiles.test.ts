/**
 * What the bench's latency profiles, Storage proxy, CPU-profile summary and cost model do
 * (bench/profiles.ts, dev/storage-proxy.ts, bench/cpuProfile.ts, bench/cost.ts, the sandbox's
 * per-origin latency). Counts and arithmetic only: no duration is asserted.
 */
import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox } from '../../dev/stack';
import type { Sandbox } from '../../dev/sandbox/server';
import { startStorageProxy } from '../../dev/storage-proxy';
import {
  costPerMillion,
  QUEUE_USD_PER_10K,
  TABLE_USD_PER_10K,
  KEY_VAULT_USD_PER_10K,
  FLEX_ON_DEMAND_USD_PER_GB_SECOND,
  INSTANCE_MEMORY_GB,
} from '../../bench/cost';
import { areaOf, topSelfTime } from '../../bench/cpuProfile';
import { parseProfiles, PROFILES } from '../../bench/profiles';

describe('latency profiles', () => {
  it('zero adds nothing; azure delays every dependency the issue names', () => {
    expect(PROFILES.zero).toEqual({ name: 'zero', origins: {}, graphSendMs: 0, storageMs: 0 });
    const { origins, graphSendMs, storageMs } = PROFILES.azure;
    expect(Object.keys(origins).sort()).toEqual(['entra', 'gmail', 'googleOAuth', 'keyVault']);
    for (const ms of [...Object.values(origins), graphSendMs, storageMs]) expect(ms).toBeGreaterThan(0);
  });

  it('--profile takes zero, azure or both', () => {
    expect(parseProfiles('both')).toEqual(['zero', 'azure']);
    expect(parseProfiles('azure')).toEqual(['azure']);
    expect(() => parseProfiles('fast')).toThrow(/zero, azure or both/);
  });
});

describe('the Storage proxy (dev/storage-proxy.ts)', () => {
  let target: Server;
  let targetPort: number;
  beforeAll(async () => {
    target = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    targetPort = (target.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => target.close(() => r())));

  const call = (port: number, method: string, body = '') =>
    new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path: '/devstoreaccount1/q' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString())).on('end', () => resolve(text));
      });
      req.on('error', reject).end(body);
    });

  it('with a delay, forwards each request whole (body included) and counts it', async () => {
    const proxy = await startStorageProxy(targetPort, { delayMs: 5 });
    try {
      expect(await call(proxy.port, 'PUT', 'payload')).toBe('PUT /devstoreaccount1/q payload');
      await Promise.all([call(proxy.port, 'GET'), call(proxy.port, 'DELETE'), call(proxy.port, 'POST', 'x')]);
      expect(proxy.forwarded).toBe(4);
    } finally {
      await proxy.close();
    }
  });
});

describe('the sandbox per-origin latency (Sandbox.latencyMs, /_sandbox/latency)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      ports: { entra: 0, graph: 0, googleAccounts: 0, googleOAuth: 0, gmail: 0, keyVault: 0 },
      latencyMs: { entra: 2 },
    });
  });
  afterAll(() => sandbox.close());

  const control = async (method: string, body?: unknown) => {
    const response = await fetch(`${sandbox.urls.graph}/_sandbox/latency`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

  it('starts with the start options, takes a new map, and refuses unknown origins and bad values', async () => {
    expect(await control('GET')).toEqual({ status: 200, body: { entra: 2 } });
    expect(await control('POST', { keyVault: 3, gmail: 0 })).toEqual({ status: 200, body: { keyVault: 3, gmail: 0 } });
    expect(sandbox.latencyMs).toEqual({ keyVault: 3, gmail: 0 });
    for (const bad of [{ storage: 1 }, { entra: -1 }, { entra: 1.5 }, { entra: '5' }, [1]]) {
      const answer = await control('POST', bad);
      expect({ bad, status: answer.status }).toEqual({ bad, status: 400 });
    }
    expect(sandbox.latencyMs).toEqual({ keyVault: 3, gmail: 0 });
  });

  it('a shaped origin still answers normally, and reset restores the start options', async () => {
    await control('POST', { keyVault: 3 });
    const answer = await fetch(`${sandbox.urls.keyVault}/secrets/nothing?api-version=7.6`);
    expect(answer.status).toBe(401); // the real challenge, after the wait
    expect(sandbox.requests.some((r) => r.service === 'keyVault' && r.status === 401)).toBe(true);
    sandbox.reset();
    expect(sandbox.latencyMs).toEqual({ entra: 2 });
  });
});

describe('topSelfTime (bench/cpuProfile.ts)', () => {
  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(idle)') },
      { id: 2, callFrame: frame('writev') },
      { id: 3, callFrame: frame('parse', 'file:///repo/node_modules/fast-xml-parser/lib/x.js') },
      { id: 4, callFrame: frame('parse', 'file:///repo/node_modules/fast-xml-parser/lib/x.js') },
      { id: 5, callFrame: frame('', 'node:internal/streams/y') },
    ],
    samples: [1, 2, 3, 4, 3, 5, 1, 2],
    timeDeltas: [9000, 1000, 2000, 2000, 2000, 500, 9000, 1000],
  };

  it('sums self time per function and file, leaves idle out, and lists JavaScript frames apart', () => {
    const { top, topJs, sampledMs } = topSelfTime(profile, 2);
    expect(sampledMs).toBe(8.5);
    expect(top).toEqual([
      { name: 'parse', file: 'fast-xml-parser/lib/x.js', selfMs: 6, percent: (100 * 6) / 8.5 },
      { name: 'writev', file: '(native)', selfMs: 2, percent: (100 * 2) / 8.5 },
    ]);
    expect(topJs.map((item) => item.name)).toEqual(['parse']);
  });

  it('gives each sample to an area: native frames to their nearest JavaScript caller, else native', () => {
    const tree = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 5] },
        { id: 2, callFrame: frame('transition', `file://${process.cwd()}/shared/store/deliveryStore.ts`), children: [3] },
        { id: 3, callFrame: frame('submitTransaction', 'file:///repo/node_modules/@azure/data-tables/dist/x.js'), children: [4] },
        { id: 4, callFrame: frame('writev'), children: [] },
        { id: 5, callFrame: frame('(garbage collector)'), children: [6] },
        { id: 6, callFrame: frame('poll', `file://${process.cwd()}/dev/host/queues.ts`), children: [] },
      ],
      samples: [2, 3, 4, 5, 6, 4],
      timeDeltas: [1000, 2000, 3000, 500, 700, 1000],
    };
    const { areas, sampledMs } = topSelfTime(tree, 3);
    expect(areas.app).toBe(1);
    // data-tables' own time and the socket write under it
    expect(areas['storage-sdk']).toBe(6);
    expect(areas.native).toBe(0.5);
    expect(areas.host).toBe(0.7);
    expect(Object.values(areas).reduce((a, b) => a + b, 0)).toBeCloseTo(sampledMs);
  });

  it('names the area of a file', () => {
    expect(areaOf('shared/delivery/worker.ts')).toBe('app');
    expect(areaOf('functions/outbox.ts')).toBe('app');
    expect(areaOf('@typespec/ts-http-runtime/src/nodeHttpClient.ts')).toBe('storage-sdk');
    expect(areaOf('fast-xml-parser/src/x.js')).toBe('storage-sdk');
    expect(areaOf('@microsoft/microsoft-graph-client/lib/x.js')).toBe('provider-sdk');
    expect(areaOf('dev/host/queues.ts')).toBe('host');
    expect(areaOf('bench/measure.ts')).toBe('bench');
    expect(areaOf('node:_http_client')).toBe('node');
    expect(areaOf('(native)')).toBe('native');
  });
});

describe('costPerMillion (bench/cost.ts)', () => {
  it('prices each measured use per message at its unit price', () => {
    const { lines, totalBusyUsd, totalMeasuredUsd } = costPerMillion({
      cpuMs: 3,
      wallMs: 10,
      executions: 2,
      queue: 3,
      table: 2,
      blob: 0,
      keyVault: 0.001,
    });
    const usd = Object.fromEntries(lines.map((line) => [line.item.split(' ').slice(0, 3).join(' '), line.usd]));
    expect(lines[0].quantity).toBeCloseTo(3e-3 * INSTANCE_MEMORY_GB * 1e6);
    expect(lines[0].usd).toBeCloseTo(3e-3 * INSTANCE_MEMORY_GB * 1e6 * FLEX_ON_DEMAND_USD_PER_GB_SECOND);
    expect(lines[1].usd).toBeCloseTo(10e-3 * INSTANCE_MEMORY_GB * 1e6 * FLEX_ON_DEMAND_USD_PER_GB_SECOND);
    expect(usd['Queue Storage requests']).toBeCloseTo(300 * QUEUE_USD_PER_10K);
    expect(usd['Table Storage requests']).toBeCloseTo(200 * TABLE_USD_PER_10K);
    expect(usd['Key Vault operations']).toBeCloseTo(0.1 * KEY_VAULT_USD_PER_10K);
    const rest = lines.slice(2).reduce((sum, line) => sum + line.usd, 0);
    expect(totalBusyUsd).toBeCloseTo(lines[0].usd + rest);
    expect(totalMeasuredUsd).toBeCloseTo(lines[1].usd + rest);
  });
});
