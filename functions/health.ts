/** `GET /api/health` (anonymous): liveness plus Storage and Key Vault checks, 200 or 503. */
import type { HttpHandler } from '@azure/functions';
import { checkHealth } from '@shared/health';
import { getServices } from '@shared/services';
import { defineHttp } from './registry';

export const health: HttpHandler = async () => {
  const report = await checkHealth(getServices());
  return {
    status: report.status === 'ok' ? 200 : 503,
    // Probes and load balancers must see the live answer, never a cached one.
    headers: { 'cache-control': 'no-store' },
    jsonBody: report,
  };
};

defineHttp({
  name: 'health',
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: health,
});
