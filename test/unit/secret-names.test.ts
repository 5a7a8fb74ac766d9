import { isMailerError } from '@shared/errors';
import { parseSecretName, secretName, secretNamePrefix, SECRET_PURPOSES, SecretPurpose } from '@shared/store/secretNames';

const KEY_VAULT_NAME = /^[0-9a-zA-Z-]{1,127}$/;

function validationField(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isMailerError(error) && error.code === 'VALIDATION_FAILED') return Object.keys(error.fields ?? {})[0];
    throw error;
  }
  return undefined;
}

describe('secretName', () => {
  it('builds org-<orgId>-<purpose>-<generation>', () => {
    expect(secretName('acme', 'client-secret', 3)).toBe('org-acme-client-secret-3');
    expect(secretName('acme-eu', 'refresh-token', 0)).toBe('org-acme-eu-refresh-token-0');
  });

  it('maps _default to a legal name no real org id can produce', () => {
    const name = secretName('_default', 'client-secret', 1);
    expect(name).toMatch(KEY_VAULT_NAME);
    expect(name).toBe('org--default-client-secret-1');
    // The closest real org id, "default", gets a different name.
    expect(secretName('default', 'client-secret', 1)).not.toBe(name);
  });

  it('stays within Key Vault limits for the longest org id and generation', () => {
    const longest = 'a'.repeat(63);
    for (const purpose of SECRET_PURPOSES) {
      const name = secretName(longest, purpose, 1_000_000_000);
      expect(name).toMatch(KEY_VAULT_NAME);
    }
  });

  it('refuses bad parts with a field-level VALIDATION_FAILED', () => {
    expect(validationField(() => secretName('Acme', 'client-secret', 1))).toBe('orgId');
    expect(validationField(() => secretName('-acme', 'client-secret', 1))).toBe('orgId');
    expect(validationField(() => secretName('acme_eu', 'client-secret', 1))).toBe('orgId');
    expect(validationField(() => secretName('a'.repeat(64), 'client-secret', 1))).toBe('orgId');
    expect(validationField(() => secretName('acme', 'password' as SecretPurpose, 1))).toBe('purpose');
    expect(validationField(() => secretName('acme', 'client-secret', -1))).toBe('generation');
    expect(validationField(() => secretName('acme', 'client-secret', 1.5))).toBe('generation');
  });

  it('is unambiguous: no purpose is a dash-suffix of another, so every name parses back to its parts', () => {
    for (const a of SECRET_PURPOSES) for (const b of SECRET_PURPOSES) if (a !== b) expect(a.endsWith(`-${b}`)).toBe(false);
    const orgs = ['acme', 'acme-client', 'acme-refresh', 'x', '_default', 'default', 'a-b-c-1'];
    const seen = new Map<string, string>();
    for (const orgId of orgs) {
      for (const purpose of SECRET_PURPOSES) {
        for (const generation of [0, 1, 12]) {
          const name = secretName(orgId, purpose, generation);
          expect(parseSecretName(name)).toEqual({ orgId, purpose, generation });
          const parts = `${orgId}|${purpose}|${generation}`;
          expect(seen.get(name) ?? parts).toBe(parts);
          seen.set(name, parts);
        }
      }
    }
  });

  it('parses nothing that secretName would not build', () => {
    expect(parseSecretName('org-acme-password-1')).toBeUndefined();
    expect(parseSecretName('org-acme-client-secret-01')).toBeUndefined();
    expect(parseSecretName('org-Acme-client-secret-1')).toBeUndefined();
    expect(parseSecretName('other-acme-client-secret-1')).toBeUndefined();
  });

  it('gives every name of an org the org prefix', () => {
    expect(secretName('acme', 'refresh-token', 2).startsWith(secretNamePrefix('acme'))).toBe(true);
    expect(secretName('_default', 'refresh-token', 2).startsWith(secretNamePrefix('_default'))).toBe(true);
    expect(secretName('acme', 'refresh-token', 2).startsWith(secretNamePrefix('_default'))).toBe(false);
  });
});
