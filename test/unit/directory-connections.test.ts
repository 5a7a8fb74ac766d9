/**
 * Directory connection input validation: unknown provider or mode, a name
 * with control characters or over 64 characters, a field the mode does not take, the 11th
 * connection, a mode the platform has not set up: each a 422 with its code and `fields`, and
 * nothing written (no row, no secret, no consent state). Also: the view never shows secret names.
 */
import type { Config } from '@shared/config';
import type { ConsentService } from '@shared/consent/service';
import { createDirectoryConnectionService, newConnectionId } from '@shared/directory/connections/service';
import { toConnectionView } from '@shared/directory/connections/view';
import { CONNECTION_ID_PATTERN, type DirectoryConnection } from '@shared/model/directory';
import type { DirectoryConnectionStore, StoredConnection } from '@shared/store/directoryConnectionStore';
import type { SecretStore } from '@shared/store/types';
import { mailerFailure } from '../support/mailer-error';

function memoryStore(): DirectoryConnectionStore & { rows: Map<string, DirectoryConnection> } {
  const rows = new Map<string, DirectoryConnection>();
  const stored = (connection: DirectoryConnection): StoredConnection => ({ connection, etag: connection.updatedAt });
  return {
    rows,
    get: async (orgId, id) => (rows.has(`${orgId}/${id}`) ? stored(rows.get(`${orgId}/${id}`)!) : undefined),
    listOrg: async (orgId) => [...rows.values()].filter((c) => c.orgId === orgId).map(stored),
    listActive: async () => [...rows.values()].filter((c) => c.status === 'active').map(stored),
    create: async (c) => (rows.set(`${c.orgId}/${c.id}`, c), stored(c)),
    replace: async (c) => (rows.set(`${c.orgId}/${c.id}`, c), stored(c)),
    delete: async (orgId, id) => void rows.delete(`${orgId}/${id}`),
  };
}

function setup(directoryApp: boolean = true) {
  const store = memoryStore();
  const written: string[] = [];
  const links: unknown[] = [];
  const secrets = {
    set: async (name: string) => void written.push(name),
    get: async () => '',
    delete: async () => undefined,
    forget: () => undefined,
    ping: async () => undefined,
  } as SecretStore;
  const consent = {
    createLink: async (...args: unknown[]) => (links.push(args), { url: 'https://idp.example/authorize?state=s', expiresAt: '' }),
  } as unknown as ConsentService;
  const config = { microsoft: directoryApp ? { directoryApp: { clientId: 'x', clientSecret: 'y' } } : {} } as unknown as Config;
  const service = createDirectoryConnectionService({
    store,
    consent,
    context: { config, secrets },
    loadModule: async () => ({ verifyDirectory: async () => undefined }) as never,
    copy: { syncState: async () => ({}), remove: async () => undefined },
    now: () => new Date(),
  });
  return { service, store, written, links };
}

const valid = { name: 'Contoso Microsoft 365 Germany', provider: 'microsoft', mode: 'delegated' };

describe('directory connection input', () => {
  it.each([
    [{ ...valid, provider: 'yahoo' }, 'provider'],
    [{ ...valid, mode: 'oauth' }, 'mode'],
    [{ ...valid, provider: 'google', mode: 'delegated' }, 'mode'],
    [{ ...valid, name: 'Contoso\u0007Bell' }, 'name'],
    [{ ...valid, name: 'Contoso\nGermany' }, 'name'],
    [{ ...valid, name: 'x'.repeat(65) }, 'name'],
    [{ ...valid, name: '   ' }, 'name'],
    [{ ...valid, colour: 'blue' }, 'colour'],
    [{ ...valid, adminEmail: 'admin@contoso.example' }, 'adminEmail'],
    [{ name: 'Fabrikam', provider: 'google', mode: 'service_account', adminEmail: 'admin@fabrikam.example' }, 'serviceAccountKey'],
  ])('%j -> 422 DIRECTORY_INVALID_CONNECTION naming %s, nothing written', async (body, field) => {
    const { service, store, written, links } = setup();
    const failure = await mailerFailure(service.create('acme', body));
    expect(failure).toMatchObject({ code: 'DIRECTORY_INVALID_CONNECTION', status: 422 });
    expect(Object.keys(failure.fields ?? {})).toContain(field);
    expect(failure.hint).toMatch(/64 printable characters/);
    expect([store.rows.size, written.length, links.length]).toEqual([0, 0, 0]);
  });

  it('takes a name of exactly 64 printable characters (trimmed), with a consent link and status connecting', async () => {
    const { service, store, links } = setup();
    const name = `  ${'ä'.repeat(64)}  `;
    const created = await service.create('acme', { ...valid, name });
    expect(created.connection).toMatchObject({ name: 'ä'.repeat(64), status: 'connecting', provider: 'microsoft', mode: 'delegated' });
    expect(created.consentUrl).toBe('https://idp.example/authorize?state=s');
    expect(created.connection.id).toMatch(CONNECTION_ID_PATTERN);
    expect(links[0]).toEqual([
      'acme',
      expect.objectContaining({ provider: 'microsoft', mode: 'delegated' }),
      { kind: 'directory', connectionId: created.connection.id },
    ]);
    expect(store.rows.size).toBe(1);
  });

  it('refuses the 11th connection of an org with TOO_MANY_DIRECTORY_CONNECTIONS, nothing written; other orgs are not counted', async () => {
    const { service, store, links } = setup();
    for (let i = 0; i < 10; i++) await service.create('acme', { ...valid, name: `Connection ${i}` });
    const failure = await mailerFailure(service.create('acme', { ...valid, name: 'Eleventh' }));
    expect(failure).toMatchObject({ code: 'TOO_MANY_DIRECTORY_CONNECTIONS', status: 422 });
    expect([store.rows.size, links.length]).toEqual([10, 10]);
    await expect(service.create('other', { ...valid, name: 'First of other' })).resolves.toBeDefined();
  });

  it('answers DIRECTORY_MODE_UNAVAILABLE for an application connection when the directory app is not configured', async () => {
    const { service, store, links } = setup(false);
    const failure = await mailerFailure(service.create('acme', { ...valid, mode: 'application' }));
    expect(failure).toMatchObject({ code: 'DIRECTORY_MODE_UNAVAILABLE', status: 422 });
    expect(failure.hint).toMatch(/MICROSOFT_DIRECTORY_CLIENT_ID/);
    expect([store.rows.size, links.length]).toEqual([0, 0]);
  });

  it('GET of an unknown id is 404 DIRECTORY_CONNECTION_NOT_FOUND', async () => {
    const { service } = setup();
    await expect(mailerFailure(service.get('acme', newConnectionId()))).resolves.toMatchObject({
      code: 'DIRECTORY_CONNECTION_NOT_FOUND',
      status: 404,
    });
  });

  it('the view shows no secret names, and a running lease as sync.running with its start', () => {
    const connection: DirectoryConnection = {
      orgId: 'acme',
      id: newConnectionId(),
      name: 'n',
      provider: 'google',
      mode: 'service_account',
      status: 'active',
      secretRefs: { serviceAccountKey: 'dir-acme-dcaaaaaaaaaa-service-account-key' },
      createdAt: '2026-12-01T00:00:00Z',
      updatedAt: '2026-12-01T00:00:00Z',
    };
    const now = new Date('2026-12-01T10:00:00Z');
    const view = toConnectionView(
      connection,
      { lease: { owner: 'w', startedAt: '2026-12-01T09:59:00Z', expiresAt: '2026-12-01T10:05:00Z' }, counts: { users: 3, groups: 1 } },
      now,
    );
    expect(JSON.stringify(view)).not.toMatch(/secret|dir-acme/);
    expect(view).toMatchObject({ sync: { running: true, startedAt: '2026-12-01T09:59:00Z' }, counts: { users: 3, groups: 1 } });
    expect(toConnectionView(connection, { lease: { owner: 'w', startedAt: 'a', expiresAt: '2026-12-01T09:00:00Z' } }, now).sync).toEqual({
      running: false,
    });
  });
});
