/**
 * Control API of the sandbox's directories, under `/_sandbox/directory/` on every origin. `{dir}` is
 * `contoso` (or its tenant id) or `fabrikam` (or `fabrikam.example`). JSON in and out; errors 400/404
 * `{ error: "text" }`. `POST /_sandbox/reset` restores the seed (dev/sandbox/directory-seed.ts).
 *
 *   GET    /_sandbox/directory/{dir}                          summary: version, counts, disabled Admin SDK projects
 *   GET    /_sandbox/directory/{dir}/users/{id|principal}     one user as the model holds it
 *   POST   /_sandbox/directory/{dir}/users                    add: { local | principal, id?, mail?, displayName?, jobTitle?, department?, enabled? } -> 201 user
 *   PATCH  /_sandbox/directory/{dir}/users/{id}               change: { mail?, displayName?, jobTitle?, department?, enabled? } ("" clears)
 *   DELETE /_sandbox/directory/{dir}/users/{id}[?permanent=true]   remove (Graph delta: @removed reason changed | deleted)
 *   POST   /_sandbox/directory/{dir}/groups                   add: { name, id?, mail?, members?: ids } -> 201
 *   DELETE /_sandbox/directory/{dir}/groups/{id}
 *   POST   /_sandbox/directory/{dir}/groups/{id}/members      add a member: { id } (a user or group id / mail)
 *   DELETE /_sandbox/directory/{dir}/groups/{id}/members/{memberId}
 *   POST   /_sandbox/directory/{dir}/grow                     { users: N, group?: id } -> { added, users }: N live users in total
 *   POST   /_sandbox/directory/{dir}/grow-groups              { groups: N, membersPerGroup: M } -> { added, groups }: N generated groups of M users each
 *   GET    /_sandbox/directory/{dir}/export                   { users, groups (with members) }: every live object
 *   POST   /_sandbox/directory/{dir}/expire-delta-tokens      every delta/next link handed out so far answers 410
 *   POST   /_sandbox/directory/{dir}/admin-sdk                { enabled: false, project?: "platform" | "fabrikam-project" } (default both) -> accessNotConfigured
 *   POST   /_sandbox/directory/throttle                       { provider: "microsoft" | "google", count?: 1, retryAfter?: "2" } -> 201 fault (429s)
 *   GET    /_sandbox/directory/requests?provider=microsoft|google   { total, byKind: { "users/delta:initial": 1, "users/delta:next": 3, "users/delta:delta": 1, ... } }
 * Request kinds: Graph `users`, `groups`, `users/{id}`, `groups/{id}`, `groups/{id}/members`,
 * `groups/{id}/transitiveMembers`, `users/delta`, `groups/delta`; Admin SDK `users.list`,
 * `groups.list`, `members.list`; suffixed `:initial`, `:next` (a nextLink / pageToken) or `:delta`
 * (a deltaLink). `DELETE /_sandbox/requests` clears the counts with the request log.
 */
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import {
  addGroup,
  addMember,
  addUser,
  changeUser,
  Directory,
  directoryOf,
  DirUser,
  expireDeltaTokens,
  exportDirectory,
  findDirGroup,
  findDirUser,
  grow,
  growGroups,
  liveGroups,
  liveUsers,
  removeGroup,
  removeMember,
  removeUser,
  UserInput,
  ADMIN_SDK_PROJECTS,
} from './directory-world';

const bad = (error: string): SandboxResponse => ({ status: 400, body: { error } });
const notFound = (what: string): SandboxResponse => ({ status: 404, body: { error: `${what} not found` } });
const view = (user: DirUser) => ({ ...user, seq: undefined, version: undefined });

const USER_KEYS: Record<string, 'string' | 'boolean'> = {
  id: 'string',
  local: 'string',
  principal: 'string',
  mail: 'string',
  displayName: 'string',
  jobTitle: 'string',
  department: 'string',
  enabled: 'boolean',
};

function userInput(body: unknown): UserInput | string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object';
  for (const [key, value] of Object.entries(body)) {
    if (!(key in USER_KEYS)) return `unknown field ${key}`;
    if (typeof value !== USER_KEYS[key]) return `${key} must be a ${USER_KEYS[key]}`;
  }
  return body as UserInput;
}

/** The request kind a directory call counts as (see the header). */
export function requestKind(path: string, query: Record<string, string>): string | undefined {
  const suffix = '$deltatoken' in query ? ':delta' : '$skiptoken' in query || 'pageToken' in query ? ':next' : ':initial';
  const graph = /^\/v1\.0\/(users|groups)(?:\/([^/]+))?(?:\/(members|transitiveMembers))?\/?$/.exec(path);
  if (graph) {
    const [, set, id, members] = graph;
    if (id === 'delta') return `${set}/delta${suffix}`;
    return `${set}${id ? '/{id}' : ''}${members ? `/${members}` : ''}${suffix}`;
  }
  const google = /^\/admin\/directory\/v1\/(users|groups)(?:\/[^/]+\/(members))?\/?$/.exec(path);
  if (google) return `${google[2] ?? google[1]}.list${suffix}`;
  return undefined;
}

export function registerDirectoryControl(sandbox: Sandbox): void {
  sandbox.route('*', 'GET', '/_sandbox/directory/requests', (req) => {
    const provider = req.url.searchParams.get('provider');
    const service = provider === 'microsoft' ? 'graph' : provider === 'google' ? 'gmail' : undefined;
    const byKind: Record<string, number> = {};
    let total = 0;
    for (const row of sandbox.requests) {
      if (service && row.service !== service) continue;
      const kind = row.method === 'GET' ? requestKind(row.path, row.query) : undefined;
      if (!kind) continue;
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      total += 1;
    }
    return { status: 200, body: { total, byKind } };
  });

  sandbox.route('*', 'POST', '/_sandbox/directory/throttle', (req) => {
    const input = req.json() ?? {};
    if (input.provider !== 'microsoft' && input.provider !== 'google') return bad('provider must be "microsoft" or "google"');
    const count = input.count ?? 1;
    if (!Number.isInteger(count) || count < 1) return bad('count must be a whole number >= 1');
    const retryAfter = String(input.retryAfter ?? '1');
    const fault = sandbox.addFault({
      service: input.provider === 'microsoft' ? 'graph' : 'gmail',
      method: 'GET',
      path: input.provider === 'microsoft' ? '^/v1\\.0/(users|groups)(/|$)' : '^/admin/directory/v1/',
      status: 429,
      retryAfter,
      count,
    });
    return { status: 201, body: fault };
  });

  const withDir = (handle: (req: SandboxRequest, dir: Directory) => SandboxResponse) => (req: SandboxRequest) => {
    const dir = directoryOf(sandbox, req.params.dir);
    return dir ? handle(req, dir) : notFound(`directory ${req.params.dir}`);
  };

  sandbox.route(
    '*',
    'GET',
    '/_sandbox/directory/:dir',
    withDir((_req, dir) => ({
      status: 200,
      body: {
        key: dir.key,
        version: dir.version,
        users: liveUsers(dir).length,
        groups: liveGroups(dir).length,
        adminSdkDisabled: [...dir.adminSdkDisabled],
      },
    })),
  );

  sandbox.route(
    '*',
    'GET',
    '/_sandbox/directory/:dir/users/:id',
    withDir((req, dir) => {
      const user = findDirUser(dir, req.params.id);
      return user ? { status: 200, body: view(user) } : notFound('user');
    }),
  );
  sandbox.route(
    '*',
    'POST',
    '/_sandbox/directory/:dir/users',
    withDir((req, dir) => {
      const input = userInput(req.json());
      if (typeof input === 'string') return bad(input);
      const user = addUser(dir, input);
      return typeof user === 'string' ? bad(user) : { status: 201, body: view(user) };
    }),
  );
  sandbox.route(
    '*',
    'PATCH',
    '/_sandbox/directory/:dir/users/:id',
    withDir((req, dir) => {
      const user = findDirUser(dir, req.params.id);
      if (!user) return notFound('user');
      const input = userInput(req.json());
      if (typeof input === 'string') return bad(input);
      if (input.id || input.local || input.principal) return bad('id and principal cannot change');
      return { status: 200, body: view(changeUser(dir, user, input)) };
    }),
  );
  sandbox.route(
    '*',
    'DELETE',
    '/_sandbox/directory/:dir/users/:id',
    withDir((req, dir) => {
      const user = findDirUser(dir, req.params.id);
      if (!user) return notFound('user');
      removeUser(dir, user, req.url.searchParams.get('permanent') === 'true');
      return { status: 204 };
    }),
  );

  sandbox.route(
    '*',
    'POST',
    '/_sandbox/directory/:dir/groups',
    withDir((req, dir) => {
      const input = req.json() ?? {};
      if (typeof input.name !== 'string' || (input.mail !== undefined && typeof input.mail !== 'string'))
        return bad('name (and mail, if given) must be strings');
      if (input.members !== undefined && !(Array.isArray(input.members) && input.members.every((m: unknown) => typeof m === 'string')))
        return bad('members must be a list of ids');
      const group = addGroup(dir, {
        id: typeof input.id === 'string' ? input.id : undefined,
        name: input.name,
        mail: input.mail,
        members: input.members,
      });
      return typeof group === 'string'
        ? bad(group)
        : { status: 201, body: { id: group.id, name: group.name, mail: group.mail, members: [...group.members] } };
    }),
  );
  sandbox.route(
    '*',
    'DELETE',
    '/_sandbox/directory/:dir/groups/:id',
    withDir((req, dir) => {
      const group = findDirGroup(dir, req.params.id);
      if (!group) return notFound('group');
      removeGroup(dir, group);
      return { status: 204 };
    }),
  );
  sandbox.route(
    '*',
    'POST',
    '/_sandbox/directory/:dir/groups/:id/members',
    withDir((req, dir) => {
      const group = findDirGroup(dir, req.params.id);
      if (!group) return notFound('group');
      const id = req.json()?.id;
      if (typeof id !== 'string') return bad('id must name a user or group');
      const error = addMember(dir, group, id);
      return error ? bad(error) : { status: 200, body: { id: group.id, members: [...group.members] } };
    }),
  );
  sandbox.route(
    '*',
    'DELETE',
    '/_sandbox/directory/:dir/groups/:id/members/:memberId',
    withDir((req, dir) => {
      const group = findDirGroup(dir, req.params.id);
      if (!group) return notFound('group');
      const member = findDirUser(dir, req.params.memberId)?.id ?? findDirGroup(dir, req.params.memberId)?.id ?? req.params.memberId;
      return removeMember(dir, group, member) ? { status: 204 } : notFound('member');
    }),
  );

  sandbox.route(
    '*',
    'POST',
    '/_sandbox/directory/:dir/grow',
    withDir((req, dir) => {
      const input = req.json() ?? {};
      if (!Number.isInteger(input.users) || input.users < 0 || input.users > 200_000) return bad('users must be a whole number 0-200000');
      if (input.group !== undefined && typeof input.group !== 'string') return bad('group must be a group id');
      const result = grow(dir, input.users, input.group);
      return typeof result === 'string' ? bad(result) : { status: 200, body: result };
    }),
  );
  sandbox.route(
    '*',
    'POST',
    '/_sandbox/directory/:dir/grow-groups',
    withDir((req, dir) => {
      const input = req.json() ?? {};
      if (!Number.isInteger(input.groups) || input.groups < 1 || input.groups > 20_000) return bad('groups must be a whole number 1-20000');
      if (!Number.isInteger(input.membersPerGroup) || input.membersPerGroup < 0 || input.membersPerGroup > 1000)
        return bad('membersPerGroup must be a whole number 0-1000');
      return { status: 200, body: growGroups(dir, input.groups, input.membersPerGroup) };
    }),
  );
  sandbox.route(
    '*',
    'GET',
    '/_sandbox/directory/:dir/export',
    withDir((_req, dir) => ({ status: 200, body: exportDirectory(dir) })),
  );
  sandbox.route(
    '*',
    'POST',
    '/_sandbox/directory/:dir/expire-delta-tokens',
    withDir((_req, dir) => {
      expireDeltaTokens(dir);
      return { status: 204 };
    }),
  );
  sandbox.route(
    '*',
    'POST',
    '/_sandbox/directory/:dir/admin-sdk',
    withDir((req, dir) => {
      const input = req.json() ?? {};
      if (typeof input.enabled !== 'boolean') return bad('enabled must be true or false');
      const projects = input.project === undefined ? Object.keys(ADMIN_SDK_PROJECTS) : [input.project];
      if (!projects.every((p) => p in ADMIN_SDK_PROJECTS))
        return bad(`project must be one of ${Object.keys(ADMIN_SDK_PROJECTS).join(', ')}`);
      for (const project of projects) {
        if (input.enabled) dir.adminSdkDisabled.delete(project);
        else dir.adminSdkDisabled.add(project);
      }
      return { status: 200, body: { adminSdkDisabled: [...dir.adminSdkDisabled] } };
    }),
  );
}
