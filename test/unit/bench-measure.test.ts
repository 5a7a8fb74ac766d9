/**
 * The benchmark's measuring tools (bench/measure.ts): the figures in bench/README.md are only as good as
 * these. No timing is asserted, only what is counted and bounded.
 */
import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countStorageRequests, inParallel, percentile, startMeter, waitFor } from '../../bench/measure';

describe('percentile (nearest rank)', () => {
  it('picks the ranked value, not an interpolation', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile([42], 95)).toBe(42);
  });
});

describe('inParallel', () => {
  it('runs every item once and never more than `concurrency` at a time', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await inParallel(
      Array.from({ length: 25 }, (_, i) => i),
      4,
      async (item) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setImmediate(r));
        seen.push(item);
        running -= 1;
      },
    );
    expect(most).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('stops taking new items after a failure and rejects with it', async () => {
    const started: number[] = [];
    await expect(
      inParallel(
        Array.from({ length: 50 }, (_, i) => i),
        2,
        async (item) => {
          started.push(item);
          if (item === 3) throw new Error('boom');
          await new Promise((r) => setImmediate(r));
        },
      ),
    ).rejects.toThrow('boom');
    expect(started.length).toBeLessThan(10);
  });
});

describe('waitFor', () => {
  it('returns the first value the check yields', async () => {
    let calls = 0;
    await expect(waitFor('three calls', () => (++calls >= 3 ? 'done' : undefined), 5000, 1)).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up, naming what it waited for', async () => {
    await expect(waitFor('the impossible', () => undefined, 20, 5)).rejects.toThrow(/the impossible after 20 ms/);
  });
});

describe('startMeter', () => {
  it('reports CPU spent and peaks no lower than the start', () => {
    const meter = startMeter();
    let x = 0;
    for (let i = 0; i < 2_000_000; i++) x += i % 7;
    const usage = meter.stop();
    expect(x).toBeGreaterThan(0);
    expect(usage.cpuMs).toBeGreaterThan(0);
    expect(usage.peakRssMiB).toBeGreaterThanOrEqual(usage.baseRssMiB);
    expect(usage.peakHeapMiB).toBeGreaterThanOrEqual(usage.baseHeapMiB);
  });
});

describe('countStorageRequests', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const call = (method: string, targetPort = port) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: targetPort, method, path: '/devstoreaccount1/x' }, (res) =>
        res.resume().on('end', resolve),
      );
      req.on('error', reject).end();
    });

  it('counts requests to the connection string endpoints by service and method, nothing else, until stopped', async () => {
    const other = createServer((_, res) => res.end('ok'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const otherPort = (other.address() as AddressInfo).port;
    try {
      const counter = countStorageRequests(
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
      );
      await call('GET');
      await call('POST');
      await call('POST');
      await call('GET', otherPort); // not a Storage endpoint
      const counts = counter.stop();
      await call('GET'); // after stop
      expect(counts).toEqual({ 'table GET': 1, 'table POST': 2 });
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });
});
