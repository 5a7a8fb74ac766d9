import { defineHttp } from './registry';

// Placeholder until the health module lands: answers liveness only.
defineHttp({
  name: 'health',
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ status: 200, jsonBody: { status: 'ok', checks: {} } }),
});
