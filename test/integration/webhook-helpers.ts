/**
 * A local HTTPS webhook receiver for the tests (the sandbox's certificate, for 127.0.0.1), whose
 * answer per path is scripted: a list of statuses to answer in turn (then 200), or `hang` to never
 * answer. It records every request it received with its raw body and headers.
 */
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ensureCertificates } from '../../dev/sandbox/ca';

export interface ReceivedHook {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

type Behaviour = number[] | 'hang' | 'endless' | 'redirect';

export interface Receiver {
  url(path: string): string;
  /** Statuses answered in turn on `path` (then 200); 'hang' never answers; 'endless' answers 200 with a body that never ends; 'redirect' answers 302 to `${path}-moved`. */
  script(path: string, behaviour: Behaviour): void;
  received(path?: string): ReceivedHook[];
  /** The CA that issued its certificate (for the dispatcher's `ca` option). */
  ca: string;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const certs = ensureCertificates();
  const scripts = new Map<string, Behaviour>();
  const received: ReceivedHook[] = [];
  const server: Server = createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      received.push({ path, headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const script = scripts.get(path);
      if (script === 'hang') return; // never answers
      if (script === 'redirect') return void res.writeHead(302, { location: `${path}-moved` }).end();
      if (script === 'endless') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(16 * 1024, 'x');
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        return pump();
      }
      const status = (Array.isArray(script) ? script.shift() : undefined) ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `https://127.0.0.1:${port}${path}`,
    script: (path, behaviour) => scripts.set(path, Array.isArray(behaviour) ? [...behaviour] : behaviour),
    received: (path) => received.filter((r) => path === undefined || r.path === path),
    ca: certs.ca,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
