/**
 * Directory connections (docs/directory.md): `/orgs/{orgId}/directory/connections[/{id}[/consent-link]]`
 * with the function key, and their settings-page twins `/manage/directory/connections...`, guarded by
 * the admin link's token like functions/adminSender.ts (the org is the token's; consent links
 * return to the settings page). Thin: each route reads its input and calls the connection service
 * (shared/directory/connections). `POST .../sync` lives in directorySync.ts.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { AdminSession, pageConsentRequest } from '@shared/adminLinks';
import { CONNECTION_ID_PATTERN } from '@shared/model/directory';
import { MailerError } from '@shared/errors';
import { getServices } from '@shared/services';
import { asAdmin } from './adminSender';
import { handle, json, orgIdFrom, readJson } from './http';
import { defineHttp } from './registry';

const connections = () => getServices().directory.connections;

/** `{id}`: a generated id, else 404 (nothing else can name a connection). */
function idFrom(request: HttpRequest): string {
  const id = request.params.id ?? '';
  if (!CONNECTION_ID_PATTERN.test(id)) throw new MailerError('DIRECTORY_CONNECTION_NOT_FOUND', 'No directory connection has this id.');
  return id;
}

const page = (session: AdminSession) => (body: unknown) => pageConsentRequest(body ?? {}, getServices().config, session);

/** The three actions of each route, for an org and a way to read consent bodies (as given, or returning to the settings page). */
const collection = async (orgId: string, request: HttpRequest, consentBody: (body: unknown) => unknown): Promise<HttpResponseInit> =>
  request.method === 'POST'
    ? json(201, await connections().create(orgId, consentBody(await readJson(request))))
    : json(200, { connections: await connections().list(orgId) });

const item = async (orgId: string, request: HttpRequest): Promise<HttpResponseInit> => {
  const id = idFrom(request);
  if (request.method === 'DELETE') {
    await connections().remove(orgId, id);
    return { status: 204 };
  }
  return json(200, { connection: await connections().get(orgId, id) });
};

const consentLink = async (orgId: string, request: HttpRequest, consentBody: (body: unknown) => unknown): Promise<HttpResponseInit> =>
  json(200, await connections().consentLink(orgId, idFrom(request), consentBody(await readJson(request))));

const asGiven = (body: unknown) => body;

export const directoryConnectionList: HttpHandler = handle((request) => collection(orgIdFrom(request), request, asGiven));
defineHttp({
  name: 'directoryConnectionList',
  route: 'orgs/{orgId}/directory/connections',
  methods: ['GET', 'POST'],
  authLevel: 'function',
  handler: directoryConnectionList,
});

export const directoryConnection: HttpHandler = handle((request) => item(orgIdFrom(request), request));
defineHttp({
  name: 'directoryConnection',
  route: 'orgs/{orgId}/directory/connections/{id}',
  methods: ['GET', 'DELETE'],
  authLevel: 'function',
  handler: directoryConnection,
});

export const directoryConnectionConsentLink: HttpHandler = handle((request) => consentLink(orgIdFrom(request), request, asGiven));
defineHttp({
  name: 'directoryConnectionConsentLink',
  route: 'orgs/{orgId}/directory/connections/{id}/consent-link',
  methods: ['POST'],
  authLevel: 'function',
  handler: directoryConnectionConsentLink,
});

export const adminDirectoryConnectionList: HttpHandler = asAdmin((session, request) => collection(session.orgId, request, page(session)));
defineHttp({
  name: 'adminDirectoryConnectionList',
  route: 'manage/directory/connections',
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: adminDirectoryConnectionList,
});

export const adminDirectoryConnection: HttpHandler = asAdmin(({ orgId }, request) => item(orgId, request));
defineHttp({
  name: 'adminDirectoryConnection',
  route: 'manage/directory/connections/{id}',
  methods: ['GET', 'DELETE'],
  authLevel: 'anonymous',
  handler: adminDirectoryConnection,
});

export const adminDirectoryConnectionConsentLink: HttpHandler = asAdmin((session, request) =>
  consentLink(session.orgId, request, page(session)),
);
defineHttp({
  name: 'adminDirectoryConnectionConsentLink',
  route: 'manage/directory/connections/{id}/consent-link',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: adminDirectoryConnectionConsentLink,
});
