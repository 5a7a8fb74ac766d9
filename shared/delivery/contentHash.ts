/**
 * The idempotency fingerprint of a message: SHA-256 (hex) of its canonical JSON, the validated
 * message with every object's keys sorted (arrays keep their order; absent fields are absent), so
 * the same content hashes the same whichever order the caller wrote its keys in. It is computed on
 * the PARSED message (schema defaults applied), which is what the API queues, what the typed client
 * queues and what the worker reads back, so all three entry points agree.
 *
 * The delivery row keeps the hash of the first content seen under an id; a later copy with another
 * hash is refused (API: 409 IDEMPOTENCY_CONFLICT) or dropped (worker), never sent.
 */
import { createHash } from 'node:crypto';
import type { Message } from './schema';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function contentHash(message: Message): string {
  return createHash('sha256').update(canonicalJson(message), 'utf8').digest('hex');
}
