/**
 * `npm start` demo: a settings-page link for a demo org, made by the same admin-link service that
 * `POST /api/orgs/{orgId}/admin-links` uses. The link works for 60 minutes; the printed line says
 * how to get a new one.
 */
import type { Seeder } from './seed-types';

export const DEMO_SETTINGS_ORG = 'demo-org';

export const seedSettingsLink: Seeder = async ({ services, apiUrl }) => {
  const link = await services.adminLinks.create(DEMO_SETTINGS_ORG, undefined);
  return [
    `Settings page    ${link.url}`,
    `                 (org "${DEMO_SETTINGS_ORG}", until ${link.expiresAt}; a new link: POST ${apiUrl}/api/orgs/<orgId>/admin-links with the function key)`,
  ];
};
