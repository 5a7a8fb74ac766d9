/**
 * The OAuth callback's 16 KB form limit holds for a chunked body (no Content-Length): the local host
 * streams bodies to handlers as the Functions host does with `enableHttpStream`, and the callback's
 * counting reader answers 413 while the client is still sending. The client sends 64 KB of a 1 MB
 * body and then waits: a server that buffered the body whole could not answer before the end.
 */
import { request } from 'node:http';
import { startLocalHost, LocalHost } from '../../dev/host/localHost';

let host: LocalHost;

beforeAll(async () => {
  host = await startLocalHost({ port: 0, queues: false, timers: false, log: () => undefined });
});

afterAll(async () => {
  await host?.close();
});

const CHUNK = Buffer.alloc(16 * 1024, 'a');
const BODY_BYTES = 1024 * 1024;

it('a chunked 1 MB form body at the callback is refused with 413 before the body ends', async () => {
  const url = new URL(`${host.url}/api/oauth/microsoft/callback`);
  const call = request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    call.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on('error', reject);
  });
  let sent = 0;
  for (let i = 0; i < 4; i++) {
    call.write(CHUNK);
    sent += CHUNK.length;
  }
  // Not ended: the rest of the 1 MB is never sent unless the server waits for it.
  const answer = await answered;
  call.destroy();
  expect(sent).toBeLessThan(BODY_BYTES);
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body).error.code).toBe('PAYLOAD_TOO_LARGE');
});
