/**
 * Sending to a directory group, the parts without Storage: expanding groups into final recipients
 * (dedupe, disabled and mail-less members skipped and counted, the size limit, cycles), the stable
 * ids of the per-recipient copies, the rollup arithmetic, and the message schema's group entries.
 */
import { childId, childPrefix, expandRecipients } from '@shared/delivery/groupExpansion';
import { finalOf, givenUp, nextCheckDelayMs, tally } from '@shared/delivery/groupRollup';
import { MESSAGE_ID_PATTERN, parseMessageInput } from '@shared/delivery/schema';
import { MailerError } from '@shared/errors';
import { CONTOSO_DIRECTORY_USER_IDS as U, CONTOSO_GROUP_IDS as G, seedContosoDirectory } from '../../dev/sandbox/directory-seed';
import { fakeDirectory } from '../support/fake-directory';

const msg = (to: unknown[], extra: Record<string, unknown> = {}) =>
  parseMessageInput('contoso', { id: 'g1', to, subject: 'Hi', text: 'Hello', ...extra });
const addresses = (e: { recipients: Array<{ address: string }> }) => e.recipients.map((r) => r.address);

describe('group expansion', () => {
  it('Privacy team: nested Legal resolved, each enabled member once, disabled Dan skipped and reported', async () => {
    const e = await expandRecipients(msg([{ group: 'Privacy-Team@contoso.example' }]), fakeDirectory(seedContosoDirectory()), 1000);
    expect(addresses(e).sort()).toEqual(['ada@contoso.example', 'ben@contoso.example', 'carla@contoso.example', 'erin@contoso.example']);
    expect(e.recipients.find((r) => r.address === 'ada@contoso.example')).toEqual({
      address: 'ada@contoso.example',
      name: 'Ada Lovelace',
      member: U.ada,
    });
    expect(e.skipped).toEqual({ disabled: 1, noMail: 0, disabledIds: [U.dan], noMailIds: [] });
    expect(e.groups).toEqual([
      { ref: 'Privacy-Team@contoso.example', connection: 'dcaaaaaaaaaa', groupId: G.privacyTeam, name: 'Privacy team' },
    ]);
  });

  it('skips a member without mail and counts it', async () => {
    const e = await expandRecipients(msg([{ group: G.sales }]), fakeDirectory(seedContosoDirectory()), 1000);
    expect(addresses(e)).toEqual(['frank@contoso.example']);
    expect(e.skipped).toMatchObject({ noMail: 1, noMailIds: [U.sam], disabled: 0 });
  });

  it('dedupes across explicit addresses (case-insensitive, explicit first), overlapping groups and a reader that repeats users', async () => {
    const reader = fakeDirectory(seedContosoDirectory());
    reader.duplicates = true;
    const e = await expandRecipients(
      msg([{ address: 'ADA@contoso.example', name: 'Ada (explicit)' }, { group: G.privacyTeam }], {
        cc: [{ group: G.legal }],
        bcc: [{ address: 'outside@example.com' }],
      }),
      reader,
      1000,
    );
    expect(addresses(e)).toEqual([
      'ADA@contoso.example',
      'outside@example.com',
      'ben@contoso.example',
      'carla@contoso.example',
      'erin@contoso.example',
    ]);
    expect(e.recipients[0]).toEqual({ address: 'ADA@contoso.example', name: 'Ada (explicit)' });
    // Dan is in the list twice (repeats) but counted once.
    expect(e.skipped.disabled).toBe(1);
  });

  it('groups that contain each other (Ops <-> On-call) give each member once', async () => {
    const e = await expandRecipients(msg([{ group: G.ops }, { group: G.onCall }]), fakeDirectory(seedContosoDirectory()), 1000);
    expect(addresses(e).sort()).toEqual(['admin@contoso.example', 'grace@contoso.example']);
  });

  it('a group that is not in the copy, or not in the named connection: DIRECTORY_GROUP_NOT_FOUND', async () => {
    const reader = fakeDirectory(seedContosoDirectory());
    await expect(expandRecipients(msg([{ group: 'nobody@contoso.example' }]), reader, 1000)).rejects.toMatchObject({
      code: 'DIRECTORY_GROUP_NOT_FOUND',
      status: 422,
    });
    await expect(expandRecipients(msg([{ group: G.legal, connection: 'dcbbbbbbbbbb' }]), reader, 1000)).rejects.toMatchObject({
      code: 'DIRECTORY_GROUP_NOT_FOUND',
      message: expect.stringContaining('dcbbbbbbbbbb'),
    });
  });

  it('the limit: the reader stops a group past it, and the distinct total across groups and addresses is held to it', async () => {
    const reader = fakeDirectory(seedContosoDirectory());
    await expect(expandRecipients(msg([{ group: G.allStaff }]), reader, 5)).rejects.toMatchObject({ code: 'DIRECTORY_GROUP_TOO_LARGE' });
    // Legal (2) + Sales (1 sendable) + 2 addresses = 5 > 4, though each group alone fits.
    const mixed = msg([{ group: G.legal }, { group: G.sales }, { address: 'a@example.com' }, { address: 'b@example.com' }]);
    await expect(expandRecipients(mixed, reader, 4)).rejects.toMatchObject({
      code: 'DIRECTORY_GROUP_TOO_LARGE',
      message: expect.stringMatching(/reach 5 .*limit is 4/),
    });
    expect((await expandRecipients(mixed, reader, 5)).recipients).toHaveLength(5);
  });

  it('lets a transient reader error through (the caller retries)', async () => {
    const reader = fakeDirectory(seedContosoDirectory());
    reader.failNext = new MailerError('STORAGE_UNAVAILABLE', 'down');
    await expect(expandRecipients(msg([{ group: G.legal }]), reader, 10)).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      retryable: true,
    });
  });

  it('a display name with control characters becomes a clean header value', async () => {
    const seed = seedContosoDirectory();
    seed.users.find((u) => u.id === U.carla)!.displayName = 'Carla\r\nBcc: evil@example.com';
    const e = await expandRecipients(msg([{ group: G.legal }]), fakeDirectory(seed), 10);
    expect(e.recipients.find((r) => r.member === U.carla)?.name).toBe('Carla  Bcc: evil@example.com');
  });
});

describe('copy ids', () => {
  it('are stable per parent + address (case-insensitive), differ per recipient and per parent, and are valid message ids', () => {
    expect(childId('g1', 'ada@contoso.example')).toBe(childId('g1', 'ADA@Contoso.example'));
    expect(childId('g1', 'ada@contoso.example')).not.toBe(childId('g1', 'ben@contoso.example'));
    expect(childId('g1', 'ada@contoso.example')).not.toBe(childId('g2', 'ada@contoso.example'));
    expect(childId('g1', 'ada@contoso.example')).toMatch(/^g1=[0-9a-f]{32}$/);
    const long = `a${'b'.repeat(127)}`;
    expect(MESSAGE_ID_PATTERN.test(long)).toBe(true);
    expect(MESSAGE_ID_PATTERN.test(childId(long, 'ada@contoso.example'))).toBe(true);
    expect(childId(long, 'x@example.com').startsWith(childPrefix(long))).toBe(true);
    // Two long parents sharing 64 characters share the prefix but never an id.
    expect(childId(`${long.slice(0, 100)}x`, 'x@example.com')).not.toBe(childId(`${long.slice(0, 100)}y`, 'x@example.com'));
  });
});

describe('rollup arithmetic', () => {
  const rows = (...statuses: Array<[string, string?]>) => statuses.map(([status, code]) => ({ status, code }) as never);

  it('counts outcomes, reasons of the copies not sent, and copies without a row yet as pending', () => {
    const outcomes = tally(
      rows(
        ['sent'],
        ['sent'],
        ['failed', 'MS_MAILBOX_NOT_FOUND'],
        ['uncertain', 'DELIVERY_UNCERTAIN'],
        ['retrying', 'PROVIDER_THROTTLED'],
        ['queued'],
      ),
      8,
    );
    expect(outcomes).toEqual({ sent: 2, failed: 1, uncertain: 1, pending: 4, reasons: { MS_MAILBOX_NOT_FOUND: 1, DELIVERY_UNCERTAIN: 1 } });
  });

  it('all sent -> sent; none -> failed with the commonest reason; some -> partly_failed with per-reason counts', () => {
    expect(finalOf(tally(rows(['sent'], ['sent']), 2))).toEqual({ status: 'sent' });
    expect(
      finalOf(tally(rows(['failed', 'MS_MAILBOX_NOT_FOUND'], ['failed', 'PROVIDER_UNAVAILABLE'], ['failed', 'PROVIDER_UNAVAILABLE']), 3)),
    ).toEqual({
      status: 'failed',
      code: 'PROVIDER_UNAVAILABLE',
      message: '0 of 3 copies were sent; not sent: PROVIDER_UNAVAILABLE x2, MS_MAILBOX_NOT_FOUND x1.',
    });
    const partly = finalOf(
      tally(rows(['sent'], ['sent'], ['sent'], ['failed', 'MS_MAILBOX_NOT_FOUND'], ['uncertain', 'DELIVERY_UNCERTAIN']), 5),
    );
    expect(partly).toEqual({
      status: 'partly_failed',
      code: 'DELIVERY_UNCERTAIN',
      message: '3 of 5 copies were sent; not sent: DELIVERY_UNCERTAIN x1, MS_MAILBOX_NOT_FOUND x1.',
    });
  });

  it('giving up counts the pending copies as uncertain', () => {
    const outcomes = givenUp(tally(rows(['sent'], ['queued']), 3));
    expect(outcomes).toEqual({ sent: 1, failed: 0, uncertain: 2, pending: 0, reasons: { DELIVERY_UNCERTAIN: 2 } });
    expect(finalOf(outcomes).status).toBe('partly_failed');
  });

  it('checks are spaced out: 2 s, doubling, at most a minute', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(nextCheckDelayMs)).toEqual([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });
});

describe('message schema: group entries', () => {
  it('accepts { group, connection? } in to, cc and bcc beside addresses', () => {
    const m = msg([{ group: 'privacy-team@contoso.example' }, { address: 'a@example.com' }], {
      cc: [{ group: G.legal, connection: 'dcaaaaaaaaaa' }],
    });
    expect(m.to).toEqual([{ group: 'privacy-team@contoso.example' }, { address: 'a@example.com' }]);
    expect(m.cc).toEqual([{ group: G.legal, connection: 'dcaaaaaaaaaa' }]);
  });

  it.each([
    ['empty group', { group: '' }, 'to.0.group'],
    ['control characters', { group: 'a\r\nb' }, 'to.0.group'],
    ['bad connection id', { group: 'x', connection: 'nope' }, 'to.0.connection'],
    ['unknown key', { group: 'x', name: 'Team' }, 'to.0.name'],
    ['a bad address still names the address', { address: 'not-an-address' }, 'to.0.address'],
  ])('refuses %s with the field named', (_name, entry, field) => {
    let fields: Record<string, string> = {};
    try {
      msg([entry]);
    } catch (error) {
      fields = (error as MailerError).fields ?? {};
    }
    expect(Object.keys(fields)).toEqual([field]);
  });
});
