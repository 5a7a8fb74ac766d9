/** The directory connections API's bodies for the OpenAPI document (see schemas.ts): the request is the handler's own zod schema. */
import { z } from 'zod';
import type { ConnectionView } from '../directory/connections/view';
import { connectionInputSchema } from '../directory/connections/schema';
import { DIRECTORY_MODES } from '../model/directory';
import { describes } from './webhookSchemas';

const instant = z.string().describe('ISO 8601 instant');

const modes = [...new Set(Object.values(DIRECTORY_MODES).flat())] as [string, ...string[]];
const connectionView = describes<ConnectionView>()(
  z.object({
    id: z.string().describe('dc + 10 characters, generated'),
    name: z.string(),
    provider: z.enum(['microsoft', 'google']),
    mode: z.enum(modes as ['delegated', 'application', 'oauth', 'service_account']),
    status: z.enum(['connecting', 'active', 'needs_attention']),
    tenantId: z.string().optional().describe('Microsoft: the tenant proven by a verified sign-in'),
    domain: z.string().optional().describe('Google: the Workspace domain'),
    adminEmail: z.string().optional().describe('Google: the admin who consented, or whom the service account impersonates'),
    consentedBy: z.object({ oid: z.string().optional(), username: z.string() }).optional(),
    createdAt: instant,
    lastSyncAt: instant.optional(),
    lastSyncOutcome: z.enum(['ok', 'failed']).optional(),
    lastSyncKind: z.enum(['full', 'delta']).optional(),
    counts: z.object({ users: z.number().int(), groups: z.number().int() }).optional(),
    lastError: z.object({ code: z.string(), message: z.string(), hint: z.string(), at: instant }).optional(),
    sync: z.object({ running: z.boolean(), startedAt: instant.optional() }),
  }),
);

export const DIRECTORY_CONNECTION_SCHEMAS = {
  DirectoryConnectionCreate: connectionInputSchema,
  DirectoryConnectionCreated: z.object({
    connection: connectionView,
    consentUrl: z
      .string()
      .optional()
      .describe('delegated, application, oauth: open it as an administrator; the connection is `connecting` until then'),
  }),
  DirectoryConnection: z.object({ connection: connectionView }),
  DirectoryConnectionList: z.object({ connections: z.array(connectionView) }),
  DirectoryConsentLinkRequest: z.object({ returnUrl: z.string().optional(), loginHint: z.string().optional() }),
  DirectoryConsentLink: z.object({ consentUrl: z.string() }),
};
