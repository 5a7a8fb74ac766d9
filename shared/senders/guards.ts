/**
 * What the sender API does around the sender service, on both entry points (the function-key routes
 * and the settings page's `/api/manage/*`):
 * - Save and test is rate-limited per org (testSendLimit.ts). A request whose body is invalid is
 *   refused before it counts; every other one counts, whatever its outcome, since each may send.
 * - Test connection is rate-limited per org the same way: each one reads Key Vault and asks the
 *   provider's token endpoint, whatever its outcome.
 * - Reset also revokes every admin link of the org issued so far (the page that asked for the
 *   Reset included): whoever held an old link loses it with the secrets. The revoke comes first,
 *   so a Reset that fails half-way has still cut the old links off.
 */
import type { AdminLinkGenerations } from '../adminLinks/generations';
import { parseTestInput } from './schema';
import type { SenderService } from './service';
import type { TestSendLimiter } from './testSendLimit';

export interface SenderGuards {
  testSends: TestSendLimiter;
  connectionTests: TestSendLimiter;
  adminLinks: AdminLinkGenerations;
}

export function guardSenderService(service: SenderService, deps: SenderGuards): SenderService {
  return {
    ...service,
    // Per org, whichever of its senders: the limit is about what one org may send through tests.
    async test(orgId, body, key) {
      parseTestInput(body);
      await deps.testSends.take(orgId);
      return service.test(orgId, body, key);
    },
    async verify(orgId, key) {
      await deps.connectionTests.take(orgId);
      return service.verify(orgId, key);
    },
    async reset(orgId, key) {
      await deps.adminLinks.revoke(orgId);
      return service.reset(orgId, key);
    },
  };
}
