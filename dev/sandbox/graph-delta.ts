/**
 * The sandbox's Graph delta queries on the `graph` origin (MICROSOFT_GRAPH_URL):
 *   GET /v1.0/users/delta    GET /v1.0/groups/delta (each group with `members@delta`)
 * following https://learn.microsoft.com/graph/delta-query-overview, .../api/user-delta, .../api/group-delta:
 * - the first round lists every live object, page by page through `@odata.nextLink` (`$skiptoken`),
 *   and ends with an `@odata.deltaLink` (`$deltatoken`); `$deltatoken=latest` gives only a deltaLink;
 * - a later round with the deltaLink returns only what changed since: changed users with their
 *   selected properties, deleted users as `{ id, "@removed": { reason: "changed" } }` (soft delete;
 *   "deleted" once permanently deleted), groups whose properties or members changed, each with
 *   `members@delta` listing only added members and removed ones (`"@removed": { reason: "deleted" }`);
 * - `$select` is remembered in the tokens (next and delta links carry only the token, as Graph's do);
 *   page size: `Prefer: odata.maxpagesize=N` (or `$top`), default 100;
 * - a token from before `POST /_sandbox/reset` or `POST /_sandbox/directory/{dir}/expire-delta-tokens`,
 *   or one that does not decode, is a synchronization reset: 410 Gone, code `syncStateNotFound`
 *   ("The sync state generation is not found. The delta token is expired and data must be
 *   synchronized again.", the text of https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/),
 *   with a `Location` header holding a fresh delta URL: the client restarts with a full round.
 * Tokens encode the directory generation and version (see directory-world.ts); changes made while
 * a round is paging show up in the next round, never lost.
 */
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import { answer } from './graph';
import { Directory, DirGroup, DirUser, pageAfter } from './directory-world';
import {
  decodeToken,
  directoryCaller,
  encodeToken,
  graphJson,
  GROUP_READ,
  Kind,
  pageSize,
  parseSelect,
  project,
  USER_READ,
} from './graph-directory';

interface DeltaPageToken {
  g: string;
  /** Changes after this version ... */
  since: number;
  /** ... up to this one (the directory version when the round started). */
  upto: number;
  /** Keyset: the last `seq` sent. */
  after: number;
  s?: string[];
  n: number;
}

interface DeltaLinkToken {
  g: string;
  v: number;
  s?: string[];
}

type Json = Record<string, unknown>;

const RESET_MESSAGE = 'The sync state generation is not found. The delta token is expired and data must be synchronized again.';

function memberRef(dir: Directory, id: string): Json {
  const kind: Kind = dir.groups.has(id) ? 'group' : 'user';
  return { '@odata.type': `#microsoft.graph.${kind}`, id };
}

function renderUser(user: DirUser, select: string[] | undefined): Json {
  return user.removed ? { id: user.id, '@removed': { reason: user.removed } } : project('user', user, select);
}

function renderGroup(dir: Directory, group: DirGroup, select: string[] | undefined, since: number, upto: number): Json {
  if (group.removed) return { id: group.id, '@removed': { reason: group.removed } };
  const out = project(
    'group',
    group,
    select?.filter((s) => s !== 'members'),
  );
  if (select && !select.includes('members')) return out;
  if (since === 0) {
    out['members@delta'] = [...group.members].map((id) => memberRef(dir, id));
    return out;
  }
  const touched = new Set(group.memberLog.filter((e) => e.version > since && e.version <= upto).map((e) => e.id));
  if (touched.size) {
    out['members@delta'] = [...touched].map((id) =>
      group.members.has(id) ? memberRef(dir, id) : { ...memberRef(dir, id), '@removed': { reason: 'deleted' } },
    );
  }
  return out;
}

function deltaEndpoint(
  sandbox: Sandbox,
  entitySet: 'users' | 'groups',
  needed: string[],
  items: (dir: Directory) => Iterable<DirUser | DirGroup>,
  render: (dir: Directory, item: DirUser | DirGroup, select: string[] | undefined, since: number, upto: number) => Json,
) {
  return async (req: SandboxRequest): Promise<SandboxResponse> => {
    const caller = await directoryCaller(sandbox, req, needed);
    if ('status' in caller) return caller;
    const { dir } = caller;
    const q = req.url.searchParams;
    const fresh = new URL(`/v1.0/${entitySet}/delta`, sandbox.urls.graph);
    const gone = (select?: string[]) => {
      if (select) fresh.searchParams.set('$select', select.join(','));
      return answer(sandbox, req, 410, 'syncStateNotFound', RESET_MESSAGE, { Location: fresh.toString() });
    };
    const parse = (raw: string | null) =>
      parseSelect(raw, [entitySet === 'users' ? 'user' : 'group'], entitySet === 'groups' ? ['members'] : []);
    const size = pageSize(req);
    if ('error' in size) return answer(sandbox, req, 400, 'BadRequest', size.error);

    let round: DeltaPageToken;
    if (q.has('$skiptoken')) {
      const token = decodeToken<DeltaPageToken>(q.get('$skiptoken'));
      if (!token || typeof token.after !== 'number' || typeof token.since !== 'number' || typeof token.upto !== 'number') return gone();
      if (token.g !== dir.generation) return gone(token.s);
      round = { ...token, n: q.has('$top') || req.headers['prefer'] ? size.size : token.n };
    } else if (q.has('$deltatoken')) {
      const raw = q.get('$deltatoken');
      const token =
        raw === 'latest' ? { g: dir.generation, v: dir.version, latest: true } : decodeToken<DeltaLinkToken & { latest?: boolean }>(raw);
      if (!token || typeof token.v !== 'number') return gone();
      if (token.g !== dir.generation) return gone(token.s);
      const select = 'latest' in token ? parse(q.get('$select')) : token.s;
      if (select && 'error' in select) return answer(sandbox, req, 400, 'BadRequest', select.error);
      if ('latest' in token) {
        const link = new URL(fresh);
        link.searchParams.set('$deltatoken', encodeToken({ g: dir.generation, v: dir.version, s: select }));
        return graphJson(sandbox, req, {
          '@odata.context': `${sandbox.urls.graph}/v1.0/$metadata#${entitySet}`,
          '@odata.deltaLink': link.toString(),
          value: [],
        });
      }
      round = { g: dir.generation, since: token.v, upto: dir.version, after: 0, s: select, n: size.size };
    } else {
      const select = parse(q.get('$select'));
      if (select && 'error' in select) return answer(sandbox, req, 400, 'BadRequest', select.error);
      round = { g: dir.generation, since: 0, upto: dir.version, after: 0, s: select, n: size.size };
    }

    const inRound = (i: DirUser | DirGroup) =>
      round.since === 0 ? !i.removed && i.version <= round.upto : i.version > round.since && i.version <= round.upto;
    const { page, more } = pageAfter(items(dir), round.after, round.n, inRound);
    const body: Json = { '@odata.context': `${sandbox.urls.graph}/v1.0/$metadata#${entitySet}${round.s ? `(${round.s.join(',')})` : ''}` };
    const link = new URL(fresh);
    if (more) {
      link.searchParams.set('$skiptoken', encodeToken({ ...round, after: page[page.length - 1].seq }));
      body['@odata.nextLink'] = link.toString();
    } else {
      link.searchParams.set('$deltatoken', encodeToken({ g: round.g, v: round.upto, s: round.s }));
      body['@odata.deltaLink'] = link.toString();
    }
    body.value = page.map((item) => render(dir, item, round.s, round.since, round.upto));
    return graphJson(sandbox, req, body, size.applied ? { 'Preference-Applied': size.applied } : {});
  };
}

/** Registered before graph-directory.ts, so `/users/delta` is never read as a user id. */
export function registerGraphDelta(sandbox: Sandbox): void {
  sandbox.route(
    'graph',
    'GET',
    '/v1.0/users/delta',
    deltaEndpoint(
      sandbox,
      'users',
      USER_READ,
      (dir) => dir.users.values(),
      (_dir, u, s) => renderUser(u as DirUser, s),
    ),
  );
  sandbox.route(
    'graph',
    'GET',
    '/v1.0/groups/delta',
    deltaEndpoint(
      sandbox,
      'groups',
      GROUP_READ,
      (dir) => dir.groups.values(),
      (dir, g, s, since, upto) => renderGroup(dir, g as DirGroup, s, since, upto),
    ),
  );
}
