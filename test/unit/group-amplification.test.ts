/**
 * One message cannot make many directory expansions: its group references are de-duplicated (id or
 * mail in any case, across to, cc and bcc), at most 20 distinct ones are accepted, members are read
 * by key (point reads that follow the group's size, never a scan of the connection's users), and a
 * group's members read for the enqueue-time check are reused by the send-time expansion.
 */
import { expandRecipients } from '@shared/delivery/groupExpansion';
import { MAX_GROUP_ENTRIES } from '@shared/delivery/groupRefs';
import { parseMessageInput } from '@shared/delivery/schema';
import { rememberGroupMembers } from '@shared/directory/memberMemo';
import type { DirectoryMember, DirectoryUser } from '@shared/model/directory';
import type { CursorCodec } from '@shared/directory/cursor';
import { createDirectoryReader } from '@shared/directory/reader';
import type { DirectoryStore } from '@shared/store/directoryStore';
import { MailerError } from '@shared/errors';
import { CONTOSO_GROUP_IDS as G, seedContosoDirectory } from '../../dev/sandbox/directory-seed';
import { fakeDirectory } from '../support/fake-directory';

const msg = (to: unknown[], extra: Record<string, unknown> = {}) =>
  parseMessageInput('contoso', { id: 'g1', to, subject: 'Hi', text: 'Hello', ...extra });
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: MailerError) => error,
  );

describe('group references per message', () => {
  it('a message naming the same group 40 times (id and mail, any case, to/cc/bcc) expands it once', async () => {
    const reader = fakeDirectory(seedContosoDirectory());
    const refs = ['privacy-team@contoso.example', 'PRIVACY-TEAM@contoso.example', G.privacyTeam, 'Privacy-Team@Contoso.Example'];
    const forty = Array.from({ length: 40 }, (_, i) => ({ group: refs[i % refs.length] }));
    const once = await expandRecipients(msg([{ group: G.privacyTeam }]), reader, 1000);
    reader.asked.length = 0;
    const expansion = await expandRecipients(msg(forty.slice(0, 20), { cc: forty.slice(20, 30), bcc: forty.slice(30) }), reader, 1000);
    expect(reader.asked).toEqual([G.privacyTeam]);
    expect(expansion.groups).toHaveLength(1);
    expect(expansion.recipients).toEqual(once.recipients);
  });

  it(`${MAX_GROUP_ENTRIES + 1} distinct group entries answer 422 DIRECTORY_TOO_MANY_GROUPS before any directory read; ${MAX_GROUP_ENTRIES} do not`, async () => {
    const reader = fakeDirectory(seedContosoDirectory());
    const groups = (n: number) => Array.from({ length: n }, (_, i) => ({ group: `group-${i}@contoso.example` }));
    const error = await refusal(expandRecipients(msg(groups(MAX_GROUP_ENTRIES + 1)), reader, 1000));
    expect(error).toMatchObject({
      code: 'DIRECTORY_TOO_MANY_GROUPS',
      status: 422,
      message: expect.stringContaining('21 different groups'),
    });
    expect(reader.asked).toEqual([]);
    // Twenty are within the cap (these are simply not in the copy).
    expect(await refusal(expandRecipients(msg(groups(MAX_GROUP_ENTRIES)), reader, 1000))).toMatchObject({
      code: 'DIRECTORY_GROUP_NOT_FOUND',
    });
  });

  it('the enqueue-time check and the send-time expansion share one reading of the members', async () => {
    const fake = fakeDirectory(seedContosoDirectory());
    const reader = rememberGroupMembers(fake);
    const message = msg([{ group: G.legal }]);
    const atEnqueue = await expandRecipients(message, reader, 1000);
    const atSend = await expandRecipients(message, reader, 1000);
    expect(atSend).toEqual(atEnqueue);
    expect(fake.asked).toEqual([G.legal]);
  });

  it('a failed reading is not remembered', async () => {
    const fake = fakeDirectory(seedContosoDirectory());
    const reader = rememberGroupMembers(fake);
    fake.failNext = new MailerError('STORAGE_UNAVAILABLE', 'down');
    await expect(reader.transitiveUsers('contoso', 'dcaaaaaaaaaa', G.legal, 1000)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(await reader.transitiveUsers('contoso', 'dcaaaaaaaaaa', G.legal, 1000)).toHaveLength(2);
  });
});

describe('members read by key', () => {
  it('a group of 300 in a connection of 3,000 users: 300 point reads, no scan of the users', async () => {
    const users = new Map<string, DirectoryUser>(
      Array.from({ length: 3000 }, (_, i) => [
        `u${i}`,
        { id: `u${i}`, displayName: `User ${i}`, mail: `u${i}@contoso.example`, enabled: true },
      ]),
    );
    const members: DirectoryMember[] = Array.from({ length: 300 }, (_, i) => ({ id: `u${i * 10}`, kind: 'user' }));
    let pointReads = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    const store = {
      members: async () => members,
      getUser: async (_org: string, _connection: string, id: string) => {
        pointReads++;
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await Promise.resolve();
        inFlight--;
        return users.get(id);
      },
      scan: () => {
        throw new Error('scanned the connection');
      },
    } as unknown as DirectoryStore;
    const reader = createDirectoryReader(store, {} as CursorCodec);
    const found = await reader.transitiveUsers('contoso', 'dcaaaaaaaaaa', 'g1', 1000);
    expect(found.map((u) => u.id).sort()).toEqual(members.map((m) => m.id).sort());
    expect(pointReads).toBe(300);
    expect(mostInFlight).toBeLessThanOrEqual(16);
  });
});
