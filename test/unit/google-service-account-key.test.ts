import { generateKeyPairSync } from 'node:crypto';
import { isMailerError, MailerError } from '@shared/errors';
import { parseServiceAccountKey } from '@shared/providers/google/serviceAccountKey';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const keyFile = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'fabrikam-project',
    private_key_id: 'abc123',
    private_key: rsa,
    client_email: 'mailer@fabrikam-project.iam.gserviceaccount.com',
    client_id: '104118754880926455301',
    token_uri: 'https://oauth2.googleapis.com/token',
    ...overrides,
  });

function rejection(json: string): MailerError {
  try {
    parseServiceAccountKey(json);
  } catch (error) {
    if (isMailerError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('parseServiceAccountKey', () => {
  it('reads a Google Cloud JSON key', () => {
    expect(parseServiceAccountKey(keyFile())).toEqual({
      clientEmail: 'mailer@fabrikam-project.iam.gserviceaccount.com',
      clientId: '104118754880926455301',
      projectId: 'fabrikam-project',
      privateKey: rsa,
      privateKeyId: 'abc123',
    });
  });

  it.each([
    ['not JSON', 'not json at all', /not JSON/],
    [
      'an OAuth client file',
      JSON.stringify({ web: { client_id: 'x.apps.googleusercontent.com', client_secret: 's' } }),
      /missing or invalid/,
    ],
    ['an authorized-user file', keyFile({ type: 'authorized_user' }), /not "service_account"/],
    ['a key mixing two projects', keyFile({ project_id: 'other-project' }), /does not belong to project "other-project"/],
    [
      'a broken private key',
      keyFile({ private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }),
      /not a readable RSA/,
    ],
    ['a non-RSA key', keyFile({ private_key: ec }), /not a readable RSA/],
    ['a missing client_email', keyFile({ client_email: undefined }), /client_email/],
  ])('refuses %s with VALIDATION_FAILED on serviceAccountKey', (_label, json, why) => {
    const error = rejection(json);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.status).toBe(422);
    expect(error.fields?.serviceAccountKey).toMatch(why);
  });

  it('never echoes the private key in the error', () => {
    const error = rejection(keyFile({ type: 'wrong' }));
    expect(JSON.stringify({ ...error.toJSON(), message: error.message })).not.toContain('PRIVATE KEY');
  });
});
