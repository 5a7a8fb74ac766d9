/** PUT /orgs/{orgId}/sender validation: every bad input is a 422 naming its fields. */
import { generateKeyPairSync } from 'node:crypto';
import { MailerError } from '@shared/errors';
import { MAX_SECRET_BYTES, parseConsentLinkInput, parseSenderInput, parseTestInput } from '@shared/senders/schema';

const appRegistration = {
  provider: 'microsoft',
  mode: 'app_registration',
  senderEmail: 'notifications@contoso.example',
  senderName: 'Compliance team - Contoso',
  tenantId: '11111111-1111-4111-8111-111111111111',
  clientId: '22222222-2222-4222-8222-222222222222',
  clientSecret: 'contoso-app-secret',
};

function fieldsOf(body: unknown, parse: (b: unknown) => unknown = parseSenderInput): Record<string, string> {
  try {
    parse(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MailerError);
    expect((error as MailerError).code).toBe('VALIDATION_FAILED');
    expect((error as MailerError).status).toBe(422);
    return (error as MailerError).fields ?? {};
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('sender schema', () => {
  it('accepts a complete app registration and normalizes ids and address case', () => {
    const input = parseSenderInput({
      ...appRegistration,
      senderEmail: 'Notifications@Contoso.example',
      tenantId: appRegistration.tenantId.toUpperCase(),
    });
    expect(input).toMatchObject({
      provider: 'microsoft',
      mode: 'app_registration',
      senderEmail: 'notifications@contoso.example',
      tenantId: '11111111-1111-4111-8111-111111111111',
    });
  });

  it('accepts admin consent with just the common fields', () => {
    expect(
      parseSenderInput({
        provider: 'microsoft',
        mode: 'admin_consent',
        senderEmail: 'notifications@contoso.example',
        senderName: 'Contoso',
      }).mode,
    ).toBe('admin_consent');
  });

  it('unknown provider and unknown mode', () => {
    expect(fieldsOf({ ...appRegistration, provider: 'yahoo' })).toHaveProperty('provider');
    expect(fieldsOf({ ...appRegistration, mode: 'smtp' }).mode).toMatch(/admin_consent, app_registration, delegated/);
    expect(fieldsOf({ ...appRegistration, provider: 'google' }).mode).toMatch(/oauth, service_account/);
  });

  it('reports every missing field at once', () => {
    const fields = fieldsOf({ provider: 'microsoft', mode: 'app_registration' });
    expect(Object.keys(fields).sort()).toEqual(['clientId', 'senderEmail', 'senderName', 'tenantId']);
  });

  it('malformed GUIDs', () => {
    const fields = fieldsOf({ ...appRegistration, tenantId: 'contoso', clientId: '2222', mailboxObjectId: 'abc' });
    expect(Object.keys(fields).sort()).toEqual(['clientId', 'mailboxObjectId', 'tenantId']);
    expect(fields.tenantId).toMatch(/GUID/);
  });

  it('sender email and reply-to must be addresses', () => {
    expect(fieldsOf({ ...appRegistration, senderEmail: 'notifications' }).senderEmail).toMatch(/email address/);
    expect(fieldsOf({ ...appRegistration, replyTo: 'a@b@c' })).toHaveProperty('replyTo');
  });

  it('an alias with CR/LF (header injection) is refused', () => {
    expect(fieldsOf({ ...appRegistration, senderName: 'Contoso\r\nBcc: victim@example.com' }).senderName).toMatch(/line breaks/);
    expect(fieldsOf({ ...appRegistration, senderName: 'Contoso\nX' }).senderName).toMatch(/line breaks/);
    expect(fieldsOf({ ...appRegistration, senderName: '   ' }).senderName).toMatch(/required/);
  });

  it('a secret over 1 KB is refused (a paste error, and it must not be stored)', () => {
    expect(fieldsOf({ ...appRegistration, clientSecret: 'x'.repeat(MAX_SECRET_BYTES + 1) }).clientSecret).toMatch(/over 1024 bytes/);
    expect(parseSenderInput({ ...appRegistration, clientSecret: 'x'.repeat(MAX_SECRET_BYTES) }).clientSecret).toHaveLength(
      MAX_SECRET_BYTES,
    );
  });

  it('the expiry date must be ISO', () => {
    expect(fieldsOf({ ...appRegistration, clientSecretExpiresOn: '31/05/2027' }).clientSecretExpiresOn).toMatch(/ISO date/);
    expect(parseSenderInput({ ...appRegistration, clientSecretExpiresOn: '2027-05-31' }).clientSecretExpiresOn).toBe('2027-05-31');
    expect(parseSenderInput({ ...appRegistration, clientSecretExpiresOn: '2027-05-31T00:00:00Z' }).clientSecretExpiresOn).toBe(
      '2027-05-31T00:00:00Z',
    );
  });

  it('fields of another mode are refused by name, so nothing is silently dropped', () => {
    const fields = fieldsOf({
      provider: 'microsoft',
      mode: 'admin_consent',
      senderEmail: 'a@contoso.example',
      senderName: 'A',
      clientSecret: 's',
      tenantId: '11111111-1111-4111-8111-111111111111',
    });
    expect(fields).toEqual({ clientSecret: expect.stringMatching(/not a field/), tenantId: expect.stringMatching(/not a field/) });
  });

  it('service_account validates the key with the Google key parser', () => {
    const base = { provider: 'google', mode: 'service_account', senderEmail: 'alerts@fabrikam.example', senderName: 'Fabrikam Alerts' };
    // Optional here: whether a key is already saved is the sender service's check (a re-save may keep it).
    expect(parseSenderInput(base).serviceAccountKey).toBeUndefined();
    expect(fieldsOf({ ...base, serviceAccountKey: '{"type":"authorized_user"}' })).toHaveProperty('serviceAccountKey');
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const key = {
      type: 'service_account',
      project_id: 'fabrikam-project',
      private_key_id: 'abc',
      private_key: privateKey,
      client_email: 'mailer@fabrikam-project.iam.gserviceaccount.com',
      client_id: '123456789012345678901',
    };
    const input = parseSenderInput({ ...base, serviceAccountKey: key });
    expect(input.serviceAccount).toEqual({
      clientEmail: 'mailer@fabrikam-project.iam.gserviceaccount.com',
      clientId: '123456789012345678901',
      projectId: 'fabrikam-project',
    });
    expect(JSON.parse(input.serviceAccountKey!)).toEqual(key);
  });

  it('the body must be an object', () => {
    expect(fieldsOf(undefined)).toEqual({ body: 'must be a JSON object' });
    expect(fieldsOf([appRegistration])).toEqual({ body: 'must be a JSON object' });
  });
});

describe('other sender API bodies', () => {
  it('test needs one address in `to`', () => {
    expect(parseTestInput({ to: 'it@contoso.example' })).toEqual({ to: 'it@contoso.example' });
    expect(fieldsOf({ to: 'nobody' }, parseTestInput)).toHaveProperty('to');
    expect(fieldsOf({}, parseTestInput)).toHaveProperty('to');
  });

  it('consent-link needs a provider and one of its modes; returnUrl must be an http(s) URL', () => {
    expect(parseConsentLinkInput({ provider: 'microsoft', mode: 'delegated', loginHint: 'admin@contoso.example' })).toMatchObject({
      mode: 'delegated',
    });
    expect(fieldsOf({ provider: 'microsoft', mode: 'oauth' }, parseConsentLinkInput)).toHaveProperty('mode');
    expect(fieldsOf({ provider: 'aol', mode: 'oauth' }, parseConsentLinkInput)).toHaveProperty('provider');
    expect(
      fieldsOf({ provider: 'microsoft', mode: 'admin_consent', returnUrl: 'javascript:alert(1)' }, parseConsentLinkInput),
    ).toHaveProperty('returnUrl');
    expect(fieldsOf({ provider: 'microsoft', mode: 'delegated', loginHint: 'a\r\nb' }, parseConsentLinkInput)).toHaveProperty('loginHint');
  });
});

describe('dkimSelector (Google sender options)', () => {
  const { parseSenderInput } = jest.requireActual('@shared/senders/schema') as typeof import('@shared/senders/schema');
  const base = { provider: 'google', mode: 'oauth', senderEmail: 'a@fabrikam.example', senderName: 'A' };
  it('takes a DNS label for Google modes and refuses anything else', () => {
    expect(parseSenderInput({ ...base, dkimSelector: 'mail2026' }).dkimSelector).toBe('mail2026');
    expect(() => parseSenderInput({ ...base, dkimSelector: 'bad selector.' })).toThrow(
      expect.objectContaining({ fields: { dkimSelector: expect.stringContaining('DNS label') } }),
    );
    expect(() =>
      parseSenderInput({ provider: 'microsoft', mode: 'delegated', senderEmail: 'a@contoso.example', senderName: 'A', dkimSelector: 'x' }),
    ).toThrow(expect.objectContaining({ fields: { dkimSelector: 'is not a field of this provider and mode' } }));
  });
});
