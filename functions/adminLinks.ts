/**
 * `POST /api/orgs/{orgId}/admin-links {returnUrl?}` (function key) -> `{url, expiresAt}`: the SaaS
 * backend gets a 60-minute link to the settings page of one org, to hand to that org's admin.
 * `POST /api/orgs/{orgId}/admin-links/revoke` (function key): every link of the org issued so far
 * stops working (a Reset does the same).
 */
import type { HttpHandler } from '@azure/functions';
import { getServices } from '@shared/services';
import { handle, json, orgIdFrom, readJson } from './http';
import { defineHttp } from './registry';

export const adminLinks: HttpHandler = handle(async (request) =>
  json(200, await getServices().adminLinks.create(orgIdFrom(request), await readJson(request))),
);

defineHttp({
  name: 'adminLinks',
  route: 'orgs/{orgId}/admin-links',
  methods: ['POST'],
  authLevel: 'function',
  handler: adminLinks,
});

defineHttp({
  name: 'adminLinksRevoke',
  route: 'orgs/{orgId}/admin-links/revoke',
  methods: ['POST'],
  authLevel: 'function',
  handler: handle(async (request) => json(200, await getServices().adminLinks.revoke(orgIdFrom(request)))),
});
