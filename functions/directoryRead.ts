/**
 * Reading the org's synced directory, function-key protected: users, groups and a
 * group's members, paged with opaque cursors, from the synced copy only (shared/directory/reader.ts).
 */
import type { HttpHandler, HttpRequest } from '@azure/functions';
import { getServices } from '@shared/services';
import { handle, json, orgIdFrom } from './http';
import { defineHttp } from './registry';

const reader = () => getServices().directory.reader;
const queryOf = (request: HttpRequest, names: string[]) =>
  Object.fromEntries(names.map((name) => [name, request.query.get(name) ?? undefined]));
const LIST = ['search', 'cursor', 'limit'];

export const directoryUsers: HttpHandler = handle(async (request) =>
  json(200, await reader().users(orgIdFrom(request), queryOf(request, LIST))),
);

defineHttp({
  name: 'directoryUsers',
  route: 'orgs/{orgId}/directory/users',
  methods: ['GET'],
  authLevel: 'function',
  handler: directoryUsers,
});

export const directoryGroups: HttpHandler = handle(async (request) =>
  json(200, await reader().groups(orgIdFrom(request), queryOf(request, LIST))),
);

defineHttp({
  name: 'directoryGroups',
  route: 'orgs/{orgId}/directory/groups',
  methods: ['GET'],
  authLevel: 'function',
  handler: directoryGroups,
});

export const directoryGroupMembers: HttpHandler = handle(async (request) =>
  json(
    200,
    await reader().members(
      orgIdFrom(request),
      request.params.groupId ?? '',
      queryOf(request, ['cursor', 'limit', 'transitive', 'connection']),
    ),
  ),
);

defineHttp({
  name: 'directoryGroupMembers',
  route: 'orgs/{orgId}/directory/groups/{groupId}/members',
  methods: ['GET'],
  authLevel: 'function',
  handler: directoryGroupMembers,
});
