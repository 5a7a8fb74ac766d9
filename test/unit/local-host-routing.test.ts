/**
 * The local host's HTTP routing in the Functions host's order: routes are tried in function-name
 * order (OrdinalIgnoreCase) and the first match wins, with no literal-before-parameter precedence
 * (dev/host/conformance/httpRules.ts cites the host's source). The conformance check refuses an app
 * whose routes depend on this; the handler itself routes as Azure would regardless.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpFunction } from '../../functions/registry';
import { createHttpHandler } from '../../dev/host/http';

const answering = (name: string, route: string): HttpFunction => ({
  kind: 'http',
  name,
  route,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ body: name }),
});

let server: Server;
let base: string;

beforeAll(async () => {
  const handle = createHttpHandler({
    functions: [
      answering('zLiteral', 'x/special'),
      answering('aParameter', 'x/{id}'),
      answering('mOther', 'y/special'),
      answering('Bparameter', 'y/{id}'),
    ],
    routePrefix: 'api',
    maxRequestBytes: 1024,
    log: () => undefined,
  });
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('the earlier-named function answers, even when a later one has the more specific literal route', async () => {
  expect(await (await fetch(`${base}/x/special`)).text()).toBe('aParameter');
  // Names compare case-insensitively: "Bparameter" comes before "mOther".
  expect(await (await fetch(`${base}/y/special`)).text()).toBe('Bparameter');
});
