/**
 * Validation of an uploaded Google service-account JSON key (the file Google Cloud console > IAM >
 * Service accounts > Keys > "Create new key" > JSON downloads). Errors name what is wrong with the
 * key in `fields.serviceAccountKey`, never its content.
 */
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { MailerError } from '../../errors';

export interface ServiceAccountKey {
  clientEmail: string;
  /** The numeric OAuth client id: what the Admin console's domain-wide delegation lists. */
  clientId: string;
  projectId: string;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** Sent as the JWT `kid` so Google picks the right key without trying each. */
  privateKeyId?: string;
}

const KeyFile = z.object({
  type: z.string(),
  project_id: z.string().min(1),
  private_key_id: z.string().optional(),
  private_key: z.string().min(1),
  client_email: z.string().min(3),
  client_id: z.string().regex(/^\d+$/, 'must be the numeric client ID'),
});

const invalid = (why: string) =>
  new MailerError('VALIDATION_FAILED', `The service-account key is not usable: ${why}`, { fields: { serviceAccountKey: why } });

export function parseServiceAccountKey(json: string): ServiceAccountKey {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw invalid('not JSON; upload the JSON key file Google Cloud console downloads (not a P12 key).');
  }
  const parsed = KeyFile.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`"${issue.path.join('.') || 'key'}" is missing or invalid; upload the JSON key of a service account.`);
  }
  const key = parsed.data;
  if (key.type !== 'service_account') {
    // An OAuth client JSON ("web"/"installed") or an authorized-user file is a common mix-up.
    throw invalid(`"type" is "${key.type.slice(0, 40)}", not "service_account"; this is not a service-account key.`);
  }
  const expectedDomain = `@${key.project_id}.iam.gserviceaccount.com`;
  if (!key.client_email.toLowerCase().endsWith(expectedDomain)) {
    throw invalid(`client_email does not belong to project "${key.project_id.slice(0, 64)}"; the file mixes keys of two projects.`);
  }
  try {
    const privateKey = createPrivateKey(key.private_key);
    if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw invalid('private_key is not a readable RSA private key.');
  }
  return {
    clientEmail: key.client_email.toLowerCase(),
    clientId: key.client_id,
    projectId: key.project_id,
    privateKey: key.private_key,
    privateKeyId: key.private_key_id,
  };
}
