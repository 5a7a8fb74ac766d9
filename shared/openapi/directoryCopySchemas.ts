/** The directory reading and sync answers for the OpenAPI document (see schemas.ts), tied to the types the code returns. */
import { z } from 'zod';
import type { ListedGroup, ListedMember, ListedUser } from '../directory/reader';

const instant = z.string().describe('ISO 8601 instant');
const nextCursor = z.string().optional().describe('pass as ?cursor= for the next page; absent on the last page');

/** Same contract as schemas.ts `describes`: tsc fails when the view and its document drift. */
type Conforms<T, D> = [T] extends [D]
  ? [Exclude<keyof T, keyof D>] extends [never]
    ? unknown
    : { undocumentedFields: Exclude<keyof T, keyof D> }
  : { doesNotFit: T };
const describes =
  <T>() =>
  <S extends z.ZodType>(schema: S & Conforms<T, z.output<S>>): S =>
    schema;

const userFields = {
  id: z.string(),
  mail: z.string().optional().describe('absent for a user without a mailbox'),
  displayName: z.string(),
  jobTitle: z.string().optional(),
  department: z.string().optional(),
  enabled: z.boolean().describe('Entra accountEnabled; Google: not suspended'),
};
const groupFields = { id: z.string(), mail: z.string().optional(), name: z.string() };
const connectionId = z.string().describe('the directory connection the row was synced from');

const listedUser = describes<ListedUser>()(z.object({ ...userFields, connectionId }));
const listedGroup = describes<ListedGroup>()(z.object({ ...groupFields, connectionId }));
const listedMember = describes<ListedMember>()(
  z.union([z.object({ kind: z.literal('user'), ...userFields }), z.object({ kind: z.literal('group'), ...groupFields })]),
);

export const DIRECTORY_COPY_SCHEMAS = {
  DirectoryUserPage: z.object({ users: z.array(listedUser), nextCursor }),
  DirectoryGroupPage: z.object({ groups: z.array(listedGroup), nextCursor }),
  DirectoryMemberPage: z.object({
    group: listedGroup,
    members: z.array(listedMember).describe('transitive=true: every user reached through nested groups, once'),
    nextCursor,
  }),
  DirectorySyncStarted: z.object({
    sync: z.object({
      startedAt: instant,
      kind: z.enum(['full', 'delta']).describe('full on the first sync (and for Google); delta after'),
    }),
  }),
};
