/** The directory reading and sync routes' notes for the OpenAPI document (see operations.ts). */
import type { OperationDoc } from './operationTypes';

const page = [
  { name: 'search', description: 'Case-insensitive part of the name or mail', schema: { type: 'string', maxLength: 256 } },
  {
    name: 'cursor',
    description: 'The `nextCursor` of the previous page (a cursor not handed out answers 400 INVALID_CURSOR)',
    schema: { type: 'string' },
  },
  { name: 'limit', description: 'Page size (default 50)', schema: { type: 'integer', minimum: 1, maximum: 200 } },
];

const syncNow: OperationDoc = {
  summary: 'Sync the connection now (one sync per connection at a time)',
  description: "Answers 409 DIRECTORY_SYNC_RUNNING with `runningSince` (the running sync's start) while one runs.",
  tag: 'directory',
  answers: { 202: { description: 'The sync is queued and holds the lease', schema: 'DirectorySyncStarted' } },
  errors: [404, 409],
};

export const DIRECTORY_COPY_OPERATIONS: Record<string, OperationDoc> = {
  'GET orgs/{orgId}/directory/users': {
    summary: "Users of the org's synced directories (every connection), paged",
    description:
      'From the synced copy only (never a live provider call). A page may hold fewer than `limit` users while searching a large directory; follow `nextCursor`.',
    tag: 'directory',
    query: page,
    answers: { 200: { description: 'One page of users', schema: 'DirectoryUserPage' } },
    errors: [422],
  },
  'GET orgs/{orgId}/directory/groups': {
    summary: "Groups of the org's synced directories, paged",
    tag: 'directory',
    query: page,
    answers: { 200: { description: 'One page of groups', schema: 'DirectoryGroupPage' } },
    errors: [422],
  },
  'GET orgs/{orgId}/directory/groups/{groupId}/members': {
    summary: 'Members of a group (by id or mail): direct, or every user reached through nested groups (cycles are safe)',
    tag: 'directory',
    query: [
      {
        name: 'transitive',
        description: '`true`: users of nested groups too, each once',
        schema: { type: 'string', enum: ['true', 'false'] },
      },
      {
        name: 'connection',
        description: 'The directory connection holding the group (default: the first that has it)',
        schema: { type: 'string' },
      },
      ...page.slice(1),
    ],
    answers: { 200: { description: 'One page of members', schema: 'DirectoryMemberPage' } },
    errors: [422],
  },
  'POST orgs/{orgId}/directory/connections/{id}/sync': syncNow,
  'POST manage/directory/connections/{id}/sync': { ...syncNow, summary: "Settings page: sync the admin link's org connection now" },
};
