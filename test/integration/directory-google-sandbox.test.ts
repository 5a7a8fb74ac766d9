/**
 * The sandbox's Google Admin SDK Directory API over plain fetch, with tokens from the sandbox's own
 * Google OAuth (an admin's and a non-admin's consent to the directory scopes; the mailer@ service
 * account's domain-wide delegation): users / groups / members with maxResults + pageToken and
 * `fields`, Google's 403 bodies (not a Workspace admin, Admin SDK disabled, missing scope), 429s,
 * request counts, growth to 10,000.
 */
import { admin as adminApi, auth } from '@googleapis/admin';
import { FABRIKAM_DIRECTORY_USER_IDS as FU, FABRIKAM_GROUP_IDS as FG } from '../../dev/sandbox/directory-seed';
import { sandboxControl, sandboxUrls } from '../support/env';
import { GOOGLE_DIRECTORY_SCOPES, googleOAuthToken, serviceAccountToken } from './directory-sandbox-helpers';

type Json = Record<string, any>;
const admin = sandboxUrls.gmail;

async function get(path: string, token: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${admin}/admin/directory/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Follows nextPageToken to the end. */
async function walk(path: string, key: string, token: string): Promise<{ items: Json[]; pages: number }> {
  const items: Json[] = [];
  let pages = 0;
  let pageToken: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${pageToken ? `${sep}pageToken=${encodeURIComponent(pageToken)}` : ''}`, token);
    if (page.status !== 200) throw new Error(`${path} answered ${page.status}: ${JSON.stringify(page.body)}`);
    pages += 1;
    items.push(...(page.body[key] ?? []));
    pageToken = page.body.nextPageToken;
  } while (pageToken);
  return { items, pages };
}

const adminToken = async () => (await googleOAuthToken('admin@fabrikam.example')).access_token as string;
const NOT_AUTHORIZED = {
  code: 403,
  message: 'Not Authorized to access this resource/api',
  errors: [{ message: 'Not Authorized to access this resource/api', domain: 'global', reason: 'forbidden' }],
};

beforeEach(() => sandboxControl('POST', 'reset'));

describe('sandbox Admin SDK directory', () => {
  it("users.list pages with maxResults + pageToken for an admin's OAuth token; suspended and organizations as Google shows them", async () => {
    const consent = await googleOAuthToken('admin@fabrikam.example');
    expect(consent.scope.split(' ')).toEqual(expect.arrayContaining(GOOGLE_DIRECTORY_SCOPES));
    const users = await walk('/users?customer=my_customer&maxResults=5', 'users', consent.access_token);
    expect(users.pages).toBe(3);
    expect(users.items).toHaveLength(12);
    const jo = users.items.find((u) => u.id === FU.jo)!;
    expect(jo).toMatchObject({
      kind: 'admin#directory#user',
      primaryEmail: 'jo@fabrikam.example',
      name: { fullName: 'Jo Former' },
      suspended: true,
    });
    expect(jo.organizations[0]).toMatchObject({ title: 'Privacy Analyst', department: 'Privacy' });
    const partial = await get(
      '/users?domain=fabrikam.example&maxResults=2&fields=nextPageToken,users(id,primaryEmail,name/fullName)',
      consent.access_token,
    );
    expect(partial.body.users[0]).toEqual({
      id: FU.alerts,
      primaryEmail: 'alerts@fabrikam.example',
      name: { fullName: 'Fabrikam Alerts' },
    });
    expect(Object.keys(partial.body).sort()).toEqual(['nextPageToken', 'users']);
    const tooMany = await get('/users?customer=my_customer&maxResults=501', consent.access_token);
    expect(tooMany.status).toBe(400);
    expect((await get('/users', consent.access_token)).status).toBe(400);
  });

  it('groups.list and members.list (groupKey id or email; includeDerivedMembership resolves nesting and the cycle)', async () => {
    const token = await adminToken();
    const groups = await walk('/groups?customer=my_customer&maxResults=2', 'groups', token);
    expect(groups.items.map((g) => g.email).sort()).toEqual(
      ['all-staff', 'legal', 'on-call', 'ops', 'privacy-team'].map((l) => `${l}@fabrikam.example`).sort(),
    );
    const members = await walk('/groups/privacy-team@fabrikam.example/members?maxResults=3', 'members', token);
    expect(members.pages).toBe(2);
    expect(members.items.map((m) => [m.email, m.type, m.status])).toEqual([
      ['hana@fabrikam.example', 'USER', 'ACTIVE'],
      ['ivan@fabrikam.example', 'USER', 'ACTIVE'],
      ['jo@fabrikam.example', 'USER', 'SUSPENDED'],
      ['legal@fabrikam.example', 'GROUP', 'ACTIVE'],
    ]);
    const derived = await walk(`/groups/${FG.ops}/members?includeDerivedMembership=true`, 'members', token);
    expect(derived.items.map((m) => m.id).sort()).toEqual([FU.mo, FG.onCall, FU.noor].sort());
    const missing = await get('/groups/nobody@fabrikam.example/members', token);
    expect(missing.status).toBe(404);
  });

  it('403 "Not Authorized to access this resource/api" for a non-admin, whether by OAuth or impersonated', async () => {
    const nonAdmin = await googleOAuthToken('alerts@fabrikam.example');
    const answer = await get('/users?customer=my_customer', nonAdmin.access_token);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toEqual(NOT_AUTHORIZED);
    const impersonated = await serviceAccountToken('alerts@fabrikam.example');
    expect((await get('/groups?customer=my_customer', impersonated.body.access_token)).body.error).toEqual(NOT_AUTHORIZED);
  });

  it("the mailer@ service account's domain-wide delegation covers the directory scopes: impersonating the admin lists", async () => {
    const token = await serviceAccountToken('admin@fabrikam.example');
    expect(token.status).toBe(200);
    const users = await walk('/users?customer=my_customer&maxResults=500', 'users', token.body.access_token);
    expect(users.items).toHaveLength(12);
    const wider = await serviceAccountToken('admin@fabrikam.example', ['https://www.googleapis.com/auth/admin.directory.user']);
    expect(wider.body.error).toBe('unauthorized_client');
  });

  it('401 authError for an unknown token; 403 insufficientPermissions without a directory scope', async () => {
    const unknown = await get('/users?customer=my_customer', 'ya29.not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toMatchObject({
      code: 401,
      status: 'UNAUTHENTICATED',
      errors: [expect.objectContaining({ reason: 'authError' })],
    });
    const gmailOnly = await googleOAuthToken('admin@fabrikam.example', ['https://www.googleapis.com/auth/gmail.send']);
    const answer = await get('/users?customer=my_customer', gmailOnly.access_token);
    expect(answer.status).toBe(403);
    expect(answer.body.error.errors[0].reason).toBe('insufficientPermissions');
  });

  it("403 accessNotConfigured when the Admin SDK is disabled in the token's project", async () => {
    const oauth = await adminToken();
    const serviceAccount = (await serviceAccountToken()).body.access_token;
    await sandboxControl('POST', 'directory/fabrikam/admin-sdk', { enabled: false, project: 'platform' });
    const answer = await get('/users?customer=my_customer', oauth);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: expect.stringMatching(
        /^Admin SDK API has not been used in project 571234567890 before or it is disabled\. Enable it by visiting https:\/\/console\.developers\.google\.com\/apis\/api\/admin\.googleapis\.com\/overview\?project=571234567890 then retry\./,
      ),
      errors: [expect.objectContaining({ domain: 'usageLimits', reason: 'accessNotConfigured' })],
    });
    expect(answer.body.error.details[1]).toMatchObject({ reason: 'SERVICE_DISABLED', metadata: { service: 'admin.googleapis.com' } });
    expect((await get('/users?customer=my_customer', serviceAccount)).status).toBe(200);
    await sandboxControl('POST', 'directory/fabrikam/admin-sdk', { enabled: true });
    expect((await get('/users?customer=my_customer', oauth)).status).toBe(200);
  });

  it('429 when armed; request counts tell full listings from next pages', async () => {
    const token = await adminToken();
    await sandboxControl('DELETE', 'requests');
    await sandboxControl('POST', 'directory/throttle', { provider: 'google', count: 1, retryAfter: '3' });
    const response = await fetch(`${admin}/admin/directory/v1/users?customer=my_customer`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    await walk('/users?customer=my_customer&maxResults=5', 'users', token);
    await walk(`/groups/${FG.legal}/members`, 'members', token);
    const counts = await sandboxControl('GET', 'directory/requests?provider=google');
    expect(counts.byKind).toEqual({ 'users.list:initial': 2, 'users.list:next': 2, 'members.list:initial': 1 });
  });

  it('@googleapis/admin (directory_v1) works against it: pages with pageToken and fields; errors arrive as Google bodies', async () => {
    const client = new auth.OAuth2({ transporterOptions: { fetchImplementation: fetch } });
    client.setCredentials({ access_token: (await serviceAccountToken()).body.access_token });
    const api = adminApi({ version: 'directory_v1', auth: client, rootUrl: `${admin}/` });
    const emails: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await api.users.list({
        customer: 'my_customer',
        maxResults: 5,
        pageToken,
        fields: 'nextPageToken,users(id,primaryEmail,suspended)',
      });
      emails.push(...(page.data.users ?? []).map((u) => u.primaryEmail!));
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(emails).toHaveLength(12);
    const members = await api.members.list({ groupKey: FG.legal });
    expect(members.data.members?.map((m) => m.email)).toEqual(['kim@fabrikam.example', 'lee@fabrikam.example']);
    await sandboxControl('POST', 'directory/fabrikam/admin-sdk', { enabled: false });
    const failure = await api.groups.list({ customer: 'my_customer' }).then(
      () => undefined,
      (error: { status?: number; response?: { data?: Json } }) => error,
    );
    expect(failure?.status).toBe(403);
    expect(failure?.response?.data?.error.errors[0].reason).toBe('accessNotConfigured');
  });

  it('grows Fabrikam to 10,000 users: 20 pages of 500', async () => {
    expect(await sandboxControl('POST', 'directory/fabrikam/grow', { users: 10_000 })).toEqual({ added: 10_000 - 12, users: 10_000 });
    const token = await adminToken();
    const users = await walk('/users?customer=my_customer&maxResults=500&fields=nextPageToken,users(id)', 'users', token);
    expect(users.pages).toBe(20);
    expect(new Set(users.items.map((u) => u.id)).size).toBe(10_000);
  });
});
