/**
 * The sandbox's Google Admin SDK Directory API (directory_v1) over Fabrikam's directory
 * (directory-world.ts). It answers on the sandbox's `gmail` origin, which plays googleapis.com:
 * production reads https://admin.googleapis.com, set by GOOGLE_ADMIN_API_URL (the sandbox value is
 * the Gmail origin, e.g. https://localhost:8445).
 *   GET /admin/directory/v1/users?customer=my_customer|C03fabrikam | domain=fabrikam.example
 *       &maxResults (1-500, default 100)&pageToken            (users.list)
 *   GET /admin/directory/v1/groups?customer=|domain=&maxResults (1-200, default 200)&pageToken   (groups.list)
 *   GET /admin/directory/v1/groups/{groupKey}/members?maxResults (1-200, default 200)&pageToken
 *       &includeDerivedMembership=true (nested members too)     (members.list; groupKey = id or email)
 * `fields` (partial response, e.g. `nextPageToken,users(id,primaryEmail,name/fullName)`) is honoured.
 * https://developers.google.com/admin-sdk/directory/reference/rest/v1/users/list (and groups, members).
 *
 * Bearer tokens are the `ya29.` ones google.ts issues (OAuth consent of the platform client, or a
 * service account's JWT bearer grant with domain-wide delegation). Order of checks, with Google's bodies:
 * 401 invalid credentials -> 403 accessNotConfigured when the Admin SDK API is disabled in the
 * token's project (control: POST /_sandbox/directory/fabrikam/admin-sdk) -> 403 insufficientPermissions
 * without a directory scope -> 403 "Not Authorized to access this resource/api" (reason `forbidden`,
 * as Google sends it: googleapis/google-api-nodejs-client#243) when the account is not a Workspace
 * admin (a service account's own token included) -> 400 Bad Request without customer/domain -> the list.
 * 429s: POST /_sandbox/directory/throttle { provider: "google" }.
 */
import { createHash } from 'node:crypto';
import type { Sandbox, SandboxRequest, SandboxResponse } from './server';
import { bearerGrant, googleJson, INVALID_CREDENTIALS, INVALID_TOKEN_CHALLENGE } from './google';
import { FABRIKAM_DOMAIN, GOOGLE_PLATFORM_CLIENT_ID } from './google-world';
import {
  ADMIN_SDK_PROJECTS,
  Directory,
  DirGroup,
  DirUser,
  directoryOf,
  FABRIKAM_ADMINS,
  FABRIKAM_CUSTOMER_ID,
  findDirGroup,
  isLive,
  pageAfter,
  transitiveMembers,
} from './directory-world';
import { decodeToken, encodeToken } from './graph-directory';
import { pickFields } from './google-fields';

const AUTH = 'https://www.googleapis.com/auth/';
const SCOPES = {
  users: ['admin.directory.user.readonly', 'admin.directory.user'].map((s) => AUTH + s),
  groups: ['admin.directory.group.readonly', 'admin.directory.group'].map((s) => AUTH + s),
  members: [
    'admin.directory.group.member.readonly',
    'admin.directory.group.member',
    'admin.directory.group.readonly',
    'admin.directory.group',
  ].map((s) => AUTH + s),
};

type Json = Record<string, unknown>;

function gapiError(
  sandbox: Sandbox,
  code: number,
  reason: string,
  message: string,
  extra: Json = {},
  errorExtra: Json = {},
): SandboxResponse {
  const status: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND' };
  return googleJson(
    sandbox,
    code,
    {
      error: {
        code,
        message,
        errors: [{ message, domain: reason === 'accessNotConfigured' ? 'usageLimits' : 'global', reason, ...errorExtra }],
        ...(code === 401 || reason === 'accessNotConfigured' ? { status: status[code] } : {}),
        ...extra,
      },
    },
    code === 401 ? INVALID_TOKEN_CHALLENGE : {},
  );
}

/** The project a token's client belongs to (the platform OAuth client, or Fabrikam's service accounts). */
const projectOf = (clientId: string) => (clientId === GOOGLE_PLATFORM_CLIENT_ID ? 'platform' : 'fabrikam-project');

function accessNotConfigured(sandbox: Sandbox, project: string): SandboxResponse {
  const number = ADMIN_SDK_PROJECTS[project];
  const url = `https://console.developers.google.com/apis/api/admin.googleapis.com/overview?project=${number}`;
  const message = `Admin SDK API has not been used in project ${number} before or it is disabled. Enable it by visiting ${url} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`;
  return gapiError(
    sandbox,
    403,
    'accessNotConfigured',
    message,
    {
      details: [
        { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Google developers console API activation', url }] },
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'SERVICE_DISABLED',
          domain: 'googleapis.com',
          metadata: { service: 'admin.googleapis.com', consumer: `projects/${number}` },
        },
      ],
    },
    { extendedHelp: 'https://console.developers.google.com' },
  );
}

/** Token -> Fabrikam's directory, or Google's refusal. */
function authorize(sandbox: Sandbox, req: SandboxRequest, allowed: string[]): Directory | SandboxResponse {
  const grant = bearerGrant(sandbox, req);
  if (!grant) return gapiError(sandbox, 401, 'authError', INVALID_CREDENTIALS, {}, { location: 'Authorization', locationType: 'header' });
  const dir = directoryOf(sandbox, FABRIKAM_DOMAIN)!;
  const project = projectOf(grant.clientId);
  if (dir.adminSdkDisabled.has(project)) return accessNotConfigured(sandbox, project);
  if (!grant.scopes.some((s) => allowed.includes(s)))
    return gapiError(sandbox, 403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
  if (!FABRIKAM_ADMINS.has(grant.userEmail)) return gapiError(sandbox, 403, 'forbidden', 'Not Authorized to access this resource/api');
  return dir;
}

/** `customer` (my_customer or Fabrikam's id) or `domain` must name Fabrikam. */
function checkScope(sandbox: Sandbox, q: URLSearchParams): SandboxResponse | undefined {
  const customer = q.get('customer');
  const domain = q.get('domain');
  if (!customer && !domain) return gapiError(sandbox, 400, 'badRequest', 'Bad Request');
  if (customer && customer !== 'my_customer' && customer !== FABRIKAM_CUSTOMER_ID)
    return gapiError(sandbox, 403, 'forbidden', 'Not Authorized to access this resource/api');
  if (domain && domain.toLowerCase() !== FABRIKAM_DOMAIN)
    return gapiError(sandbox, 403, 'forbidden', 'Not Authorized to access this resource/api');
  return undefined;
}

const etag = (value: string) => `"${createHash('sha1').update(value).digest('base64url').slice(0, 27)}"`;
const CREATED = '2024-03-01T09:00:00.000Z';

function userResource(user: DirUser): Json {
  const [givenName, ...rest] = user.displayName.split(' ');
  const email = user.mail ?? user.principal;
  return {
    kind: 'admin#directory#user',
    id: user.id,
    etag: etag(`${user.id}:${user.version}`),
    primaryEmail: email,
    name: { givenName, familyName: rest.join(' ') || givenName, fullName: user.displayName },
    isAdmin: FABRIKAM_ADMINS.has(email),
    isDelegatedAdmin: false,
    lastLoginTime: '1970-01-01T00:00:00.000Z',
    creationTime: CREATED,
    agreedToTerms: true,
    suspended: !user.enabled,
    ...(user.enabled ? {} : { suspensionReason: 'ADMIN' }),
    archived: false,
    changePasswordAtNextLogin: false,
    ipWhitelisted: false,
    emails: [{ address: email, primary: true }],
    ...(user.jobTitle || user.department
      ? { organizations: [{ title: user.jobTitle, department: user.department, primary: true, customType: '' }] }
      : {}),
    customerId: FABRIKAM_CUSTOMER_ID,
    orgUnitPath: '/',
    isMailboxSetup: true,
    isEnrolledIn2Sv: false,
    isEnforcedIn2Sv: false,
    includeInGlobalAddressList: true,
  };
}

const groupResource = (group: DirGroup): Json => ({
  kind: 'admin#directory#group',
  id: group.id,
  etag: etag(`${group.id}:${group.version}`),
  email: group.mail ?? `${group.id}@${FABRIKAM_DOMAIN}`,
  name: group.name,
  directMembersCount: String(group.members.size),
  description: '',
  adminCreated: true,
});

function memberResource(dir: Directory, id: string): Json | undefined {
  const user = dir.users.get(id);
  if (user && !user.removed) {
    return {
      kind: 'admin#directory#member',
      etag: etag(`${id}:${user.version}`),
      id,
      email: user.mail ?? user.principal,
      role: 'MEMBER',
      type: 'USER',
      status: user.enabled ? 'ACTIVE' : 'SUSPENDED',
    };
  }
  const group = dir.groups.get(id);
  if (group && !group.removed)
    return {
      kind: 'admin#directory#member',
      etag: etag(`${id}:${group.version}`),
      id,
      email: group.mail,
      role: 'MEMBER',
      type: 'GROUP',
      status: 'ACTIVE',
    };
  return undefined;
}

/** One page of `items` (ordered by creation), with `nextPageToken` when more remain. */
function listAnswer<T extends { seq: number; removed?: string }>(
  sandbox: Sandbox,
  req: SandboxRequest,
  kind: string,
  key: string,
  items: Iterable<T>,
  render: (item: T) => Json | undefined,
  max: number,
  fallback: number,
): SandboxResponse {
  const q = req.url.searchParams;
  const raw = q.get('maxResults');
  const size = raw === null ? fallback : Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > max)
    return gapiError(sandbox, 400, 'invalid', `Invalid value '${raw}'. Values must be within the range: [1, ${max}]`);
  const pageToken = q.get('pageToken');
  const token = pageToken ? decodeToken<{ after: number }>(pageToken) : { after: 0 };
  if (!token || typeof token.after !== 'number') return gapiError(sandbox, 400, 'invalid', 'Invalid Input: pageToken');
  const { page, more } = pageAfter(items, token.after, size, isLive);
  const body: Json = { kind, etag: etag(`${kind}:${page.map((p) => p.seq).join(',')}`) };
  const rendered = page.map(render).filter((r): r is Json => r !== undefined);
  if (rendered.length) body[key] = rendered;
  if (more) body.nextPageToken = encodeToken({ after: page[page.length - 1].seq });
  const fields = q.get('fields');
  return googleJson(sandbox, 200, fields ? pickFields(body, fields) : body);
}

export function registerGoogleDirectory(sandbox: Sandbox): void {
  sandbox.route('gmail', 'GET', '/admin/directory/v1/users', (req) => {
    const dir = authorize(sandbox, req, SCOPES.users);
    if ('status' in dir) return dir;
    return (
      checkScope(sandbox, req.url.searchParams) ??
      listAnswer(sandbox, req, 'admin#directory#users', 'users', dir.users.values(), userResource, 500, 100)
    );
  });
  sandbox.route('gmail', 'GET', '/admin/directory/v1/groups', (req) => {
    const dir = authorize(sandbox, req, SCOPES.groups);
    if ('status' in dir) return dir;
    return (
      checkScope(sandbox, req.url.searchParams) ??
      listAnswer(sandbox, req, 'admin#directory#groups', 'groups', dir.groups.values(), groupResource, 200, 200)
    );
  });
  sandbox.route('gmail', 'GET', '/admin/directory/v1/groups/:groupKey/members', (req) => {
    const dir = authorize(sandbox, req, SCOPES.members);
    if ('status' in dir) return dir;
    const group = findDirGroup(dir, req.params.groupKey);
    if (!group) return gapiError(sandbox, 404, 'notFound', 'Resource Not Found: groupKey');
    const ids = req.url.searchParams.get('includeDerivedMembership') === 'true' ? transitiveMembers(dir, group) : [...group.members];
    const members = ids
      .map((id) => dir.users.get(id) ?? dir.groups.get(id))
      .filter((m): m is DirUser | DirGroup => m !== undefined)
      .sort((a, b) => a.seq - b.seq);
    return listAnswer(sandbox, req, 'admin#directory#members', 'members', members, (m) => memberResource(dir, m.id), 200, 200);
  });
}
