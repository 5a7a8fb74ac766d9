/**
 * One entry per provider + mode of a directory connection: what the connection service needs to
 * know, so it has no per-mode `if`s (the sender twin is shared/providers/{microsoft,google}/senderModes.ts).
 * Adding a mode touches this table and the provider's directory files, nothing else.
 */
import type { Config } from '../../config';
import type { ConsentOutcome } from '../../consent/types';
import type { SecretPurpose } from '../../store/secretNames';
import type { DirectoryConnection, DirectoryMode, DirectoryProvider } from '../../model/directory';
import { MY_CUSTOMER } from '../../model/directory';

export interface ConnectionModeRules {
  provider: DirectoryProvider;
  mode: DirectoryMode;
  /** Linked by a consent link (status `connecting` until the callback); else verified at create time. */
  consent: boolean;
  /** Is the mode usable with these settings? (else DIRECTORY_MODE_UNAVAILABLE) */
  available(config: Readonly<Config>): boolean;
  /** The create body fields this mode needs (`fields` of the 422 when missing). */
  requires: ReadonlyArray<'serviceAccountKey' | 'adminEmail'>;
  /** Google: the Admin SDK `customer` to list. */
  customer?: string;
  /** What a finished consent sets on the connection (never a secret). */
  fromConsent?(fields: ConsentOutcome['fields']): Partial<DirectoryConnection>;
}

/** secret purpose (as in outcomes and `secretRefs`) -> its Key Vault purpose. */
export const SECRET_PURPOSE: Readonly<Record<string, SecretPurpose>> = {
  refreshToken: 'refresh-token',
  serviceAccountKey: 'service-account-key',
};

const always = () => true;
const domainOf = (email: string | undefined) => (email?.includes('@') ? email.split('@')[1] : undefined);
const microsoftConsent = (fields: ConsentOutcome['fields']): Partial<DirectoryConnection> => ({
  tenantId: fields.tenantId,
  consentedBy: fields.consentedBy,
});

export const CONNECTION_MODES: ReadonlyArray<ConnectionModeRules> = [
  { provider: 'microsoft', mode: 'delegated', consent: true, available: always, requires: [], fromConsent: microsoftConsent },
  {
    provider: 'microsoft',
    mode: 'application',
    consent: true,
    // A separate app registration (least privilege), so the mode exists only where it is configured.
    available: (config) => !!config.microsoft.directoryApp,
    requires: [],
    fromConsent: microsoftConsent,
  },
  {
    provider: 'google',
    mode: 'oauth',
    consent: true,
    available: always,
    requires: [],
    customer: MY_CUSTOMER,
    fromConsent: (fields) => ({
      adminEmail: fields.accountEmail,
      domain: domainOf(fields.accountEmail),
      ...(fields.accountEmail ? { consentedBy: { username: fields.accountEmail } } : {}),
    }),
  },
  {
    provider: 'google',
    mode: 'service_account',
    consent: false,
    available: always,
    requires: ['serviceAccountKey', 'adminEmail'],
    customer: MY_CUSTOMER,
  },
];

export function modeRules(provider: string, mode: string): ConnectionModeRules | undefined {
  return CONNECTION_MODES.find((rules) => rules.provider === provider && rules.mode === mode);
}

export { domainOf };
