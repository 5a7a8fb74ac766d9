/**
 * `GET /api/settings` (and `/api/settings/app.js`, `/api/settings/app.css`): the org admin's
 * settings page, anonymous and static. It acts through `/api/manage/*` (adminSender.ts) with the
 * token from its link's fragment.
 */
import type { HttpHandler } from '@azure/functions';
import { explainCode } from '@shared/adminLinks';
import { settingsPageResponse } from '@shared/adminLinks/page';
import { getConfig } from '@shared/config';
import { handle, json } from './http';
import { defineHttp } from './registry';

export const settingsPage: HttpHandler = handle(async (request) => settingsPageResponse(request.params.asset, getConfig()));

defineHttp({
  name: 'settingsPage',
  route: 'settings/{asset?}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: settingsPage,
});

/**
 * The plain-words hint of an error code, for the page when all it has is a code (a consent that
 * came back as `?consent=failed&code=...`, possibly in a tab without the token). Static registry
 * text, like the page itself: nothing org-specific, so no token.
 */
export const settingsErrorHint: HttpHandler = handle(async (request) =>
  json(200, explainCode(request.params.code ?? ''), { 'Cache-Control': 'public, max-age=300' }),
);

defineHttp({
  name: 'settingsErrorHint',
  route: 'settings/errors/{code}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: settingsErrorHint,
});
