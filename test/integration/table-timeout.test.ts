/**
 * A Table request that Storage accepts but never answers must fail (and so be retried or
 * classified) rather than hold an invocation until the host's functionTimeout.
 */
import { createServer, Socket } from 'node:net';
import { TableClient } from '@azure/data-tables';
import { tableTryTimeoutPolicy } from '@shared/store/storageClients';
import { storageFailure } from '@shared/store/storageErrors';
import { fakeOnly } from '../support/fake-clock';

describe('Table per-try timeout', () => {
  const sockets = new Set<Socket>();
  let requestArrived: () => void = () => undefined;
  const nextRequest = () => new Promise<void>((resolve) => (requestArrived = resolve));
  const silent = createServer((socket) => {
    sockets.add(socket); // accept, read, never answer
    socket.on('data', () => requestArrived());
  });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  const client = (withPolicy: boolean) =>
    TableClient.fromConnectionString(
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from('k').toString('base64')};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
      'senders',
      {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
        additionalPolicies: withPolicy ? [{ policy: tableTryTimeoutPolicy(300), position: 'perRetry' }] : [],
      },
    );

  it('a silent server fails the call with the policy, classified STORAGE_UNAVAILABLE', async () => {
    const error = await client(true)
      .getEntity('org', 'sender')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeDefined();
    expect(storageFailure(error, 'read the sender').code).toBe('STORAGE_UNAVAILABLE');
  });

  it('without it the same call is still pending after the policy would have fired', async () => {
    // A second passes on Jest's clock once the request has reached the server, not on the wall clock.
    fakeOnly(['setTimeout', 'clearTimeout']);
    try {
      let settled = false;
      const abort = new AbortController();
      const arrived = nextRequest();
      const pending = client(false)
        .getEntity('org', 'sender', { abortSignal: abort.signal })
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => (settled = true));
      await arrived;
      await jest.advanceTimersByTimeAsync(1000);
      expect(settled).toBe(false);
      abort.abort();
      await pending;
    } finally {
      jest.useRealTimers();
    }
  });
});
