/**
 * `npm start` demo: the operator's default sender (`_default`) as Contoso's own app registration,
 * saved and tested through the same sender service the API uses, so messages of orgs without a
 * sender of their own go out at once, and the sandbox outbox shows the test message.
 */
import { CONTOSO_APP_ID, CONTOSO_APP_SECRET, CONTOSO_TENANT_ID } from './sandbox/world';
import type { DemoSeeder } from './seed-types';

export const seedMicrosoftDemo: DemoSeeder = async ({ services, apiUrl }) => {
  const senders = services.senders.service;
  try {
    const existing = await senders.get('_default').catch(() => undefined);
    if (existing?.status !== 'active') {
      await senders.save('_default', {
        provider: 'microsoft',
        mode: 'app_registration',
        senderEmail: 'notifications@contoso.example',
        senderName: 'org-mailer demo (default sender)',
        tenantId: CONTOSO_TENANT_ID,
        clientId: CONTOSO_APP_ID,
        clientSecret: CONTOSO_APP_SECRET,
      });
      await senders.test('_default', { to: 'operator@contoso.example' });
    }
    return [
      'Default sender: notifications@contoso.example (Contoso app registration, active)',
      `Connect an org:  POST ${apiUrl}/api/orgs/<orgId>/sender/consent-link {"provider":"microsoft","mode":"admin_consent"}, then open its url in a browser, sign in as admin@contoso.example and Confirm`,
    ];
  } catch (error) {
    return [`Default sender: not seeded (${error instanceof Error ? error.message : String(error)})`];
  }
};
