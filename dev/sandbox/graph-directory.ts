/**
 * The sandbox's Microsoft Graph directory reads on the `graph` origin (MICROSOFT_GRAPH_URL), over
 * the model in `directory-world.ts` (the caller's tenant = the token's `tid`):
 *   GET /v1.0/users, /v1.0/users/{id|upn}
 *   GET /v1.0/groups, /v1.0/groups/{id}
 *   GET /v1.0/groups/{id}/members, /v1.0/groups/{id}/transitiveMembers (nested groups resolved, cycle safe)
 * Delta queries (`/v1.0/users/delta`, `/v1.0/groups/delta`) are in `graph-delta.ts`.
 *
 * As Graph does (https://learn.microsoft.com/graph/api/user-list, .../group-list, .../group-list-members,
 * https://learn.microsoft.com/graph/paging, https://learn.microsoft.com/graph/query-parameters):
 * - `$select` is honoured; without it only the default properties come back (for users that leaves
 *   out `accountEnabled` and `department`); an unknown property is 400 BadRequest;
 * - paging: `$top` (1-999) or `Prefer: odata.maxpagesize=N` (answered with `Preference-Applied`),
 *   default 100; `@odata.nextLink` carries every original parameter plus an opaque `$skiptoken`;
 * - permissions: users need User.Read.All (or User.ReadWrite.All / Directory.*), groups and members
 *   Group.Read.All (or GroupMember.Read.All / Group.ReadWrite.All / Directory.*), as `scp` (delegated)
 *   or `roles` (application); otherwise 403 Authorization_RequestDenied "Insufficient privileges to
 *   complete the operation." (https://learn.microsoft.com/graph/errors).
 * 429s: arm them with `POST /_sandbox/directory/throttle` (directory-control.ts).
 */
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import { answer, authenticate } from './graph';
import { Directory, DirGroup, DirUser, directoryOf, findDirUser, isLive, pageAfter, transitiveMembers } from './directory-world';

export const USER_READ = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
export const GROUP_READ = [
  'Group.Read.All',
  'GroupMember.Read.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

type Json = Record<string, unknown>;

const USER_PROPS: Record<string, (u: DirUser) => unknown> = {
  id: (u) => u.id,
  userPrincipalName: (u) => u.principal,
  displayName: (u) => u.displayName,
  givenName: (u) => u.displayName.split(' ')[0] ?? null,
  surname: (u) => u.displayName.split(' ').slice(1).join(' ') || null,
  mail: (u) => u.mail ?? null,
  jobTitle: (u) => u.jobTitle ?? null,
  department: (u) => u.department ?? null,
  accountEnabled: (u) => u.enabled,
  businessPhones: () => [],
  mobilePhone: () => null,
  officeLocation: () => null,
  preferredLanguage: () => null,
};
const DEFAULT_USER_PROPS = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

const GROUP_PROPS: Record<string, (g: DirGroup) => unknown> = {
  id: (g) => g.id,
  displayName: (g) => g.name,
  mail: (g) => g.mail ?? null,
  mailEnabled: (g) => Boolean(g.mail),
  mailNickname: (g) => g.mail?.split('@')[0] ?? g.name.toLowerCase().replace(/[^a-z0-9]/g, ''),
  securityEnabled: () => true,
  groupTypes: () => [],
  description: () => null,
  visibility: () => null,
};
const DEFAULT_GROUP_PROPS = [
  'id',
  'description',
  'displayName',
  'groupTypes',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'visibility',
];

export type Kind = 'user' | 'group';
const PROPS = { user: USER_PROPS, group: GROUP_PROPS };

/** Canonical property names of `$select` for these entity types, or the 400 message. */
export function parseSelect(raw: string | null, kinds: Kind[], extra: string[] = []): string[] | undefined | { error: string } {
  if (raw === null || raw.trim() === '') return undefined;
  const known = new Map<string, string>();
  for (const kind of kinds) for (const name of Object.keys(PROPS[kind])) known.set(name.toLowerCase(), name);
  for (const name of extra) known.set(name.toLowerCase(), name);
  const out = new Set<string>(['id']);
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const name = known.get(item.toLowerCase());
    if (!name) return { error: `Could not find a property named '${item}' on type 'microsoft.graph.${kinds[0]}'.` };
    out.add(name);
  }
  return [...out];
}

/** One entity as Graph serialises it: the selected (or default) properties. */
export function project(kind: Kind, entity: DirUser | DirGroup, select: string[] | undefined, typed = false): Json {
  const props = PROPS[kind] as Record<string, (e: DirUser | DirGroup) => unknown>;
  const names = (select ?? (kind === 'user' ? DEFAULT_USER_PROPS : DEFAULT_GROUP_PROPS)).filter((n) => n in props);
  const out: Json = typed ? { '@odata.type': `#microsoft.graph.${kind}` } : {};
  for (const name of names) out[name] = props[name](entity);
  return out;
}

/** `$top` or `Prefer: odata.maxpagesize`, 1-999, default 100. */
export function pageSize(req: SandboxRequest): { size: number; applied?: string } | { error: string } {
  const top = req.url.searchParams.get('$top');
  if (top !== null) {
    const n = Number(top);
    if (!Number.isInteger(n) || n < 1 || n > 999)
      return { error: `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.` };
    return { size: n };
  }
  const prefer = /odata\.maxpagesize=(\d+)/i.exec(String(req.headers['prefer'] ?? ''));
  if (prefer) {
    const n = Math.min(Math.max(Number(prefer[1]), 1), 999);
    return { size: n, applied: `odata.maxpagesize=${n}` };
  }
  return { size: 100 };
}

/** Opaque tokens of next/delta links: base64url JSON. Undefined when not one of ours. */
export const encodeToken = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
export function decodeToken<T>(raw: string | null): T | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The same request URL with `key` set to `value` (and `$skiptoken`/`$deltatoken` dropped), on the Graph origin. */
export function linkWith(sandbox: Sandbox, req: SandboxRequest, params: Record<string, string>, keep = true): string {
  const url = new URL(req.path, sandbox.urls.graph);
  if (keep) for (const [k, v] of req.url.searchParams) if (k !== '$skiptoken' && k !== '$deltatoken') url.searchParams.set(k, v);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

export interface DirectoryCaller {
  dir: Directory;
}

/** Bearer token -> the caller's directory, if the token carries one of `needed` (scope or role). */
export async function directoryCaller(sandbox: Sandbox, req: SandboxRequest, needed: string[]): Promise<DirectoryCaller | SandboxResponse> {
  const caller = await authenticate(sandbox, req);
  if ('status' in caller) return caller;
  const granted = caller.kind === 'app' ? caller.roles : caller.scopes;
  if (!granted.some((p) => needed.includes(p))) {
    return answer(sandbox, req, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  return { dir: directoryOf(sandbox, caller.tenantId, true)! };
}

export const graphJson = (sandbox: Sandbox, req: SandboxRequest, body: Json, headers: Record<string, string> = {}): SandboxResponse => {
  const base = answer(sandbox, req, 200);
  return {
    status: 200,
    headers: {
      ...base.headers,
      'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
      ...headers,
    },
    body,
  };
};

const context = (sandbox: Sandbox, entitySet: string, select: string[] | undefined) =>
  `${sandbox.urls.graph}/v1.0/$metadata#${entitySet}${select ? `(${select.join(',')})` : ''}`;

interface ListToken {
  after: number;
}

/** A keyset-paged collection answer; `items` in creation (`seq`) order, `keep` filters. */
function listPage<T extends { seq: number }>(
  sandbox: Sandbox,
  req: SandboxRequest,
  entitySet: string,
  items: Iterable<T>,
  keep: (item: T) => boolean,
  render: (item: T, select: string[] | undefined) => Json,
  kinds: Kind[],
): SandboxResponse {
  const select = parseSelect(req.url.searchParams.get('$select'), kinds);
  if (select && 'error' in select) return answer(sandbox, req, 400, 'BadRequest', select.error);
  const size = pageSize(req);
  if ('error' in size) return answer(sandbox, req, 400, 'BadRequest', size.error);
  const skip = req.url.searchParams.get('$skiptoken');
  const token = skip === null ? { after: 0 } : decodeToken<ListToken>(skip);
  if (!token || typeof token.after !== 'number') return answer(sandbox, req, 400, 'BadRequest', 'Invalid $skiptoken.');
  const { page, more } = pageAfter(items, token.after, size.size, keep);
  const body: Json = { '@odata.context': context(sandbox, entitySet, select) };
  if (more) body['@odata.nextLink'] = linkWith(sandbox, req, { $skiptoken: encodeToken({ after: page[page.length - 1].seq }) });
  body.value = page.map((item) => render(item, select));
  return graphJson(sandbox, req, body, size.applied ? { 'Preference-Applied': size.applied } : {});
}

/** Users and groups of a directory by id, as members are listed: each with its `@odata.type`. */
function memberEntities(dir: Directory, ids: string[]): Array<{ seq: number; kind: Kind; entity: DirUser | DirGroup }> {
  const out: Array<{ seq: number; kind: Kind; entity: DirUser | DirGroup }> = [];
  for (const id of ids) {
    const user = dir.users.get(id);
    if (user && !user.removed) out.push({ seq: user.seq, kind: 'user', entity: user });
    const group = dir.groups.get(id);
    if (group && !group.removed) out.push({ seq: group.seq, kind: 'group', entity: group });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

const notFound = (sandbox: Sandbox, req: SandboxRequest, id: string) =>
  answer(
    sandbox,
    req,
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export function registerGraphDirectory(sandbox: Sandbox): void {
  const get = (path: string, needed: string[], handle: (req: SandboxRequest, caller: DirectoryCaller) => SandboxResponse) =>
    sandbox.route('graph', 'GET', path, async (req) => {
      const caller = await directoryCaller(sandbox, req, needed);
      return 'status' in caller ? caller : handle(req, caller);
    });

  get('/v1.0/users', USER_READ, (req, { dir }) =>
    listPage(sandbox, req, 'users', dir.users.values(), isLive, (u, s) => project('user', u, s), ['user']),
  );
  get('/v1.0/groups', GROUP_READ, (req, { dir }) =>
    listPage(sandbox, req, 'groups', dir.groups.values(), isLive, (g, s) => project('group', g, s), ['group']),
  );

  for (const [suffix, expand] of [
    ['members', (_dir: Directory, g: DirGroup) => [...g.members]],
    ['transitiveMembers', transitiveMembers],
  ] as const) {
    get(`/v1.0/groups/:id/${suffix}`, GROUP_READ, (req, { dir }) => {
      const group = dir.groups.get(req.params.id);
      if (!group || group.removed) return notFound(sandbox, req, req.params.id);
      return listPage(
        sandbox,
        req,
        'directoryObjects',
        memberEntities(dir, expand(dir, group)),
        () => true,
        (m, s) => project(m.kind, m.entity, s, true),
        ['user', 'group'],
      );
    });
  }

  // Single objects come after the delta routes (registered first by graph-delta.ts), so `delta` is never an id.
  sandbox.route('graph', 'GET', '/v1.0/users/:id', async (req) => {
    const caller = await directoryCaller(sandbox, req, USER_READ);
    if ('status' in caller) return caller;
    const select = parseSelect(req.url.searchParams.get('$select'), ['user']);
    if (select && 'error' in select) return answer(sandbox, req, 400, 'BadRequest', select.error);
    const user = findDirUser(caller.dir, req.params.id);
    if (!user) return notFound(sandbox, req, req.params.id);
    return graphJson(sandbox, req, { '@odata.context': `${context(sandbox, 'users', select)}/$entity`, ...project('user', user, select) });
  });
  get('/v1.0/groups/:id', GROUP_READ, (req, { dir }) => {
    const select = parseSelect(req.url.searchParams.get('$select'), ['group']);
    if (select && 'error' in select) return answer(sandbox, req, 400, 'BadRequest', select.error);
    const group = dir.groups.get(req.params.id);
    if (!group || group.removed) return notFound(sandbox, req, req.params.id);
    return graphJson(sandbox, req, {
      '@odata.context': `${context(sandbox, 'groups', select)}/$entity`,
      ...project('group', group, select),
    });
  });
}
