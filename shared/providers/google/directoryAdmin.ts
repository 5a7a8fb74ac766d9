/**
 * Listing a Google Workspace directory with the Admin SDK (`@googleapis/admin` directory_v1):
 * users.list, groups.list and members.list, page by page through `pageToken`
 * (https://developers.google.com/admin-sdk/directory/reference/rest/v1/users/list). `fields` asks only
 * for what the copy keeps (partial responses, https://developers.google.com/admin-sdk/directory/v1/guides/performance#partial).
 *
 * The bearer token comes from the connection's `DirectoryAccess` per request (no auth client: the
 * connection part owns credentials). gaxios gets Node's fetch, its own retries off (throttling is
 * waited out within a bound by throttleWait.ts) and the per-call deadline.
 */
import { admin, type admin_directory_v1 } from '@googleapis/admin';
import type { DirectoryAccess } from '../../model/directory';
import { withDeadline } from '../deadline';
import { withThrottleWait, type ThrottleBound } from '../throttleWait';
import { classifyAdminDirectoryError, isAdminNotFound } from './directoryErrors';

export type AdminUser = admin_directory_v1.Schema$User;
export type AdminGroup = admin_directory_v1.Schema$Group;
export type AdminMember = admin_directory_v1.Schema$Member;

export interface AdminListingOptions {
  /** GOOGLE_ADMIN_API_URL (https://admin.googleapis.com). */
  adminUrl: string;
  timeoutMs: number;
  throttle: ThrottleBound;
  pageSize: number;
}

const USER_FIELDS = 'nextPageToken,users(id,primaryEmail,name/fullName,suspended,archived,organizations(title,department,primary))';
const GROUP_FIELDS = 'nextPageToken,groups(id,email,name)';
const MEMBER_FIELDS = 'nextPageToken,members(id,type,status)';
/** users.list allows at most 500 per page, groups.list and members.list 200 (their `maxResults` ranges). */
const USERS_MAX = 500;
const GROUPS_MEMBERS_MAX = 200;

type Listing<T> = (api: admin_directory_v1.Admin, pageToken: string | undefined, options: object) => Promise<{ items: T[]; next?: string }>;

export interface AdminPage<T> {
  items: T[];
  /** The pageToken of the next page; absent on the last one. */
  next?: string;
}

export interface AdminDirectory {
  /** One page of users.list / groups.list from `pageToken` (a sync saves the token and resumes from it). */
  usersPage(pageToken?: string): Promise<AdminPage<AdminUser>>;
  groupsPage(pageToken?: string): Promise<AdminPage<AdminGroup>>;
  /** A group deleted since groups.list lists no members (404 ends it quietly). */
  members(groupId: string): AsyncGenerator<AdminMember[]>;
}

export function adminDirectory(access: DirectoryAccess, options: AdminListingOptions): AdminDirectory {
  const api = admin({ version: 'directory_v1', rootUrl: `${options.adminUrl.replace(/\/$/, '')}/` });
  const customer = access.customer ?? 'my_customer';

  function page<T>(list: Listing<T>, pageToken: string | undefined, notFoundIsEmpty = false): Promise<AdminPage<T>> {
    return withThrottleWait(options.throttle, () =>
      withDeadline(
        options.timeoutMs,
        'The Google Admin SDK',
        async (signal) => {
          const bearer = await access.accessToken(signal);
          try {
            return await list(api, pageToken, {
              headers: { authorization: `Bearer ${bearer}` },
              signal,
              timeout: options.timeoutMs,
              retry: false,
              fetchImplementation: fetch,
            });
          } catch (error) {
            if (notFoundIsEmpty && isAdminNotFound(error)) return { items: [] as T[] };
            throw error;
          }
        },
        (error) => classifyAdminDirectoryError(error, access.googleProject),
      ),
    );
  }

  async function* pages<T>(list: Listing<T>, notFoundIsEmpty = false): AsyncGenerator<T[]> {
    let pageToken: string | undefined;
    do {
      const answer: AdminPage<T> = await page(list, pageToken, notFoundIsEmpty);
      yield answer.items;
      pageToken = answer.next;
    } while (pageToken);
  }

  const pageSize = Math.min(options.pageSize, USERS_MAX);
  const smallPage = Math.min(options.pageSize, GROUPS_MEMBERS_MAX);
  const listUsers: Listing<AdminUser> = async (a, pageToken, o) => {
    const { data } = await a.users.list({ customer, maxResults: pageSize, pageToken, projection: 'basic', fields: USER_FIELDS }, o);
    return { items: data.users ?? [], next: data.nextPageToken ?? undefined };
  };
  const listGroups: Listing<AdminGroup> = async (a, pageToken, o) => {
    const { data } = await a.groups.list({ customer, maxResults: smallPage, pageToken, fields: GROUP_FIELDS }, o);
    return { items: data.groups ?? [], next: data.nextPageToken ?? undefined };
  };
  return {
    usersPage: (pageToken) => page(listUsers, pageToken),
    groupsPage: (pageToken) => page(listGroups, pageToken),
    members: (groupKey) =>
      pages<AdminMember>(async (a, pageToken, o) => {
        const { data } = await a.members.list({ groupKey, maxResults: smallPage, pageToken, fields: MEMBER_FIELDS }, o);
        return { items: data.members ?? [], next: data.nextPageToken ?? undefined };
      }, true),
  };
}
