/**
 * What a consent proved at the callback, held until the admin confirms it: the flow's outcome (it
 * may hold refresh tokens) and the verified state, encrypted (JWE, `dir` + A256GCM, jose) under a key
 * derived from the browser-binding cookie's value with HKDF (RFC 5869). The store keeps only the
 * ciphertext and the cookie's hash, so the stored row alone cannot be turned into a connection:
 * only the browser that signed in can have it applied.
 */
import { hkdfSync } from 'node:crypto';
import { compactDecrypt, CompactEncrypt } from 'jose';
import { MailerError } from '../errors';
import type { ConsentState } from './state';
import type { ConsentOutcome } from './types';

export interface ParkedConsent {
  state: ConsentState;
  outcome: ConsentOutcome;
}

function parkingKey(browserSecret: string, serverKey: string, nonce: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', browserSecret, serverKey, `org-mailer consent parked ${nonce}`, 32));
}

export async function sealParked(parked: ParkedConsent, browserSecret: string, serverKey: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(parked)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .encrypt(parkingKey(browserSecret, serverKey, parked.state.nonce));
}

export async function openParked(sealed: string, browserSecret: string, serverKey: string, nonce: string): Promise<ParkedConsent> {
  try {
    const { plaintext } = await compactDecrypt(sealed, parkingKey(browserSecret, serverKey, nonce), {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return JSON.parse(new TextDecoder().decode(plaintext)) as ParkedConsent;
  } catch (error) {
    throw new MailerError(
      'CONSENT_BROWSER_MISMATCH',
      'This confirmation did not come from the browser that signed in; nothing was saved.',
      { cause: error },
    );
  }
}
