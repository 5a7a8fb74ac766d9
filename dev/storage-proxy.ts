/**
 * A switchable HTTP proxy in front of one Azurite service, so a test can make that service
 * unreachable and bring it back while the app keeps its endpoint, and the benchmark can count the
 * requests of each service and delay each one as a Storage account in Azure would (`delayMs`, the
 * `azure` profile of `npm run bench`). Dev and test only: the app just sees another endpoint. `down()` cuts cleanly between
 * requests: requests already forwarded get their answer (with `Connection: close`), any later
 * request on a kept-alive connection has its connection destroyed (ECONNRESET), and new
 * connections are refused (ECONNREFUSED) because nothing listens. `up()` listens on the same port again.
 */
import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface StorageProxy {
  port: number;
  /** Requests forwarded so far (each service call of the app is one). */
  forwarded: number;
  /** Requests forwarded so far by `METHOD resource` (see `requestKind`). */
  counts: Record<string, number>;
  /** Starts `forwarded` and `counts` from zero. */
  reset(): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a request touches, without its keys: `POST outbox/messages`, `DELETE outbox/messages/*`,
 * `POST $batch`, `GET deliveries(...)`, `PUT payloads/*`. The account segment of an Azurite path
 * (`/devstoreaccount1/...`) is dropped.
 */
export function requestKind(method: string, url: string): string {
  const path = url.split('?')[0].split('/').filter(Boolean).slice(1);
  const [resource = '', sub, ...rest] = path.map((part) => decodeURIComponent(part));
  const table = /^([^(]+)\(.+\)$/.exec(resource);
  const name = table ? `${table[1]}(...)` : resource;
  const tail = sub === undefined ? '' : sub === 'messages' ? `/messages${rest.length ? '/*' : ''}` : '/*';
  return `${method} ${name}${tail}`;
}

export interface StorageProxyOptions {
  /** Each request waits this long before it is forwarded (added latency; 0 = none). */
  delayMs?: number;
}

export async function startStorageProxy(targetPort: number, options: StorageProxyOptions = {}): Promise<StorageProxy> {
  const delayMs = options.delayMs ?? 0;
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  let isDown = false;
  let server: Server | undefined;
  let port = 0;
  const state = { forwarded: 0, counts: {} as Record<string, number> };

  function forward(req: IncomingMessage, res: ServerResponse): void {
    if (isDown) {
      req.socket.destroy();
      return;
    }
    state.forwarded += 1;
    const kind = requestKind(req.method ?? 'GET', req.url ?? '/');
    state.counts[kind] = (state.counts[kind] ?? 0) + 1;
    // The request body stays buffered in the paused stream until it is piped.
    if (delayMs > 0) setTimeout(() => send(req, res), delayMs);
    else send(req, res);
  }

  function send(req: IncomingMessage, res: ServerResponse): void {
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        const headers = { ...answer.headers };
        if (isDown) headers.connection = 'close';
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  async function listen(): Promise<void> {
    const next = createServer(forward);
    next.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  }

  await listen();
  return {
    get port() {
      return port;
    },
    get forwarded() {
      return state.forwarded;
    },
    get counts() {
      return state.counts;
    },
    reset() {
      state.forwarded = 0;
      state.counts = {};
    },
    async down() {
      isDown = true;
      const closing = server;
      server = undefined;
      closing?.close();
      closing?.closeIdleConnections();
    },
    async up() {
      isDown = false;
      if (!server) await listen();
    },
    async close() {
      isDown = true;
      server?.close();
      for (const socket of sockets) socket.destroy();
      agent.destroy();
    },
  };
}
