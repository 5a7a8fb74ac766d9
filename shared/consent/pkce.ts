/**
 * PKCE (RFC 7636) with S256: a 256-bit random verifier (43 base64url characters, within the 43-128
 * the RFC allows) and its SHA-256 challenge. The verifier never leaves the server.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  verifier: string;
  challenge: string;
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier) };
}
