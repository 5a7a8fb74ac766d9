/**
 * Sender state changes as log lines: every write of a sender row (save, consent, test, reset,
 * needs_attention from delivery or the health run) goes through the store, so observing the store
 * sees them all without a line in each service method. Only ids, provider, mode, status and the
 * error code are logged: never the sender email, a secret reference or a hint text.
 */
import type { SenderConfig } from '../model/sender';
import type { SenderStore } from '../store/senderStore';
import { logEvent } from './log';

function logWrite(config: SenderConfig): void {
  logEvent('sender.state', {
    orgId: config.orgId,
    provider: config.provider,
    mode: config.mode,
    status: config.status,
    code: config.lastError?.code,
  });
}

export function observeSenderWrites(store: SenderStore): SenderStore {
  return {
    ...store,
    async create(config) {
      const result = await store.create(config);
      logWrite(config);
      return result;
    },
    async replace(config, etag) {
      const result = await store.replace(config, etag);
      logWrite(config);
      return result;
    },
  };
}
