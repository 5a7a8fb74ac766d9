/**
 * `GET /api/health` (anonymous): liveness plus Storage and Key Vault checks, 200 or 503. The checks
 * are this instance's last ones, at most HEALTH_CACHE_MS old (shared/health.ts), said in `Age`.
 */
import type { HttpHandler } from '@azure/functions';
import { getServices } from '@shared/services';
import { defineHttp } from './registry';

export const health: HttpHandler = async () => {
  const { report, ageSeconds } = await getServices().health();
  return {
    status: report.status === 'ok' ? 200 : 503,
    // No shared cache may keep it: each instance answers for itself (RFC 9111 section 5.2.2.5).
    headers: { 'cache-control': 'no-store', age: String(ageSeconds) },
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
