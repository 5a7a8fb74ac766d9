/**
 * Sending to a directory group end to end: the synced copy of Contoso's directory made by the real
 * sync (shared/directory/sync, Graph delta against the sandbox, app-only token of the directory app),
 * the messages API and the outbox trigger of the local host, Azurite, and the sandbox Graph that
 * counts what it accepted. Contoso's "Privacy team" (dev/sandbox/directory-seed.ts) is Ada, Ben, Dan
 * (disabled) and the nested Legal group (Carla, Erin).
 */
import { CONTOSO_DIRECTORY_USER_IDS as U, CONTOSO_GROUP_IDS as G } from '../../dev/sandbox/directory-seed';
import {
  acceptedMessages,
  api,
  microsoftSender,
  sandboxControl,
  startWithDefaultSender,
  takeEvents,
  TestHost,
  waitFor,
  waitForFinal,
} from './delivery-helpers';
import { consentedDirectoryAppToken } from './directory-sandbox-helpers';
import { syncHarness } from './directory-sync-helpers';

let t: TestHost;
// The org's Microsoft `application` connection to Contoso, synced by the real engine into the shared Azurite table.
const directory = syncHarness('microsoft');
const org = directory.orgId;
const CONNECTION = directory.connection.id;

beforeAll(async () => {
  // All staff (11 enabled users with mail) is over this limit; Privacy team (5 users) is within it.
  t = await startWithDefaultSender({ DIRECTORY_GROUP_MAX_RECIPIENTS: '8' });
  await microsoftSender(t.services, org);
  directory.token.value = await consentedDirectoryAppToken();
  expect(await directory.sync.runNow(org, CONNECTION)).toMatchObject({ outcome: 'ok', kind: 'full' });
  expect(await t.services.directory.reader.findGroup(org, 'privacy-team@contoso.example')).toMatchObject({
    connectionId: CONNECTION,
    group: { id: G.privacyTeam },
  });
}, 120_000);

afterAll(async () => {
  await t?.host.close();
});

const message = (id: string, to: unknown[], extra: Record<string, unknown> = {}) => ({
  id,
  to,
  subject: `Team news ${id} ${org}`,
  text: 'Hello team',
  ...extra,
});

describe('sending to a directory group', () => {
  it('a message to Privacy team reaches Ada, Ben, Carla and Erin once each (counted in the sandbox); Dan is skipped and reported', async () => {
    await sandboxControl('DELETE', 'messages');
    await takeEvents(t.services);
    const enqueued = await api(
      t.host,
      'POST',
      `orgs/${org}/messages`,
      message('team-1', [{ group: 'Privacy-Team@contoso.example', connection: CONNECTION }]),
    );
    expect(enqueued).toMatchObject({ status: 202, body: { id: 'team-1', status: 'queued' } });
    // A re-delivered parent (the host's retry, or a second copy) while the fan-out runs must not duplicate a copy.
    const envelope = {
      ...message('team-1', [{ group: 'Privacy-Team@contoso.example', connection: CONNECTION }]),
      v: 1,
      orgId: org,
      cc: [],
      bcc: [],
      replyTo: [],
      attachments: [],
      headers: {},
      resendIfUncertain: false,
    };
    await Promise.all([1, 2, 3].map(() => t.services.queues.outbox.send(envelope, { visibilityDelaySeconds: 1, timeToLiveSeconds: -1 })));

    const parent = (await waitForFinal(t.services, org, ['team-1'])).get('team-1')!;
    expect(parent).toMatchObject({
      status: 'sent',
      group: {
        groups: [{ ref: 'Privacy-Team@contoso.example', connection: CONNECTION, groupId: G.privacyTeam, name: 'Privacy team' }],
        expandedCount: 4,
        skipped: { disabled: 1, noMail: 0, disabledIds: [U.dan], noMailIds: [] },
        outcomes: { sent: 4, failed: 0, uncertain: 0, pending: 0, reasons: {} },
      },
    });
    await t.host.drain();
    const accepted = (await acceptedMessages()).filter((m) => m.subject === `Team news team-1 ${org}`);
    expect(accepted.map((m) => m.to.join(',')).sort()).toEqual([
      'ada@contoso.example',
      'ben@contoso.example',
      'carla@contoso.example',
      'erin@contoso.example',
    ]);
    for (const m of accepted) expect(m.from.address).toBe('notifications@contoso.example');

    // The status API shows the group; each copy is listed with its parent.
    const status = await api(t.host, 'GET', `orgs/${org}/messages/team-1`);
    expect(status.body).toMatchObject({ status: 'sent', group: { expandedCount: 4, skipped: { disabled: 1, disabledIds: [U.dan] } } });
    const listed = await api(t.host, 'GET', `orgs/${org}/messages?limit=20`);
    expect(listed.body.items.filter((d: { parent?: string }) => d.parent === 'team-1')).toHaveLength(4);
    // Delivery events: the parent's final one carries the counts.
    const events = await waitFor("the parent's final event", async () => {
      const taken = await takeEvents(t.services);
      return taken.some((e) => e.id === 'team-1' && e.status === 'sent') ? taken : undefined;
    });
    expect(events.find((e) => e.id === 'team-1' && e.status === 'sent')).toMatchObject({
      group: { expandedCount: 4, sent: 4, failed: 0, pending: 0 },
    });
    expect(events.filter((e) => e.parentId === 'team-1' && e.status === 'sent')).toHaveLength(4);
  }, 180_000);

  it('an unknown group is refused with 422 DIRECTORY_GROUP_NOT_FOUND and a hint; nothing is written', async () => {
    const answer = await api(t.host, 'POST', `orgs/${org}/messages`, message('nobody', [{ group: 'no-such-team@contoso.example' }]));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'DIRECTORY_GROUP_NOT_FOUND', hint: expect.stringMatching(/sync the connection/) });
    expect((await api(t.host, 'GET', `orgs/${org}/messages/nobody`)).status).toBe(404);
  });

  it('a group over DIRECTORY_GROUP_MAX_RECIPIENTS is refused with 422 DIRECTORY_GROUP_TOO_LARGE; nothing is written', async () => {
    const answer = await api(t.host, 'POST', `orgs/${org}/messages`, message('everyone', [{ group: 'all-staff@contoso.example' }]));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'DIRECTORY_GROUP_TOO_LARGE',
      hint: expect.stringMatching(/DIRECTORY_GROUP_MAX_RECIPIENTS/),
    });
    expect((await api(t.host, 'GET', `orgs/${org}/messages/everyone`)).status).toBe(404);
  });

  it('21 different group entries are refused with 422 DIRECTORY_TOO_MANY_GROUPS; nothing is written', async () => {
    const groups = Array.from({ length: 21 }, (_, i) => ({ group: `team-${i}@contoso.example` }));
    const answer = await api(t.host, 'POST', `orgs/${org}/messages`, message('many-groups', groups));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'DIRECTORY_TOO_MANY_GROUPS', hint: expect.stringMatching(/at most 20/) });
    expect((await api(t.host, 'GET', `orgs/${org}/messages/many-groups`)).status).toBe(404);
  });
});
