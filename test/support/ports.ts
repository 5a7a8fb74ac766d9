/** Ports for tests that need a service to be absent, or a port nobody else uses. */
import { createServer } from 'node:net';

/** A port that was free a moment ago (one implementation, shared with the test runner and bench). */
export { freePort } from '../../dev/stack';

/** Whether something accepts connections on the port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}
