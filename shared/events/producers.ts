/**
 * Platform events of the sender lifecycle, built from the rows the producers just wrote. Ids are
 * stable (hash of what happened), so a retried publish is the same event: type + org + config
 * version + row time. The delivery pipeline builds its own (delivery/events.ts).
 */
import type { SenderConfig } from '../model/sender';
import { EventData, stableEventId } from './catalogue';
import type { PlatformEvent } from './types';

type SenderEventType = 'sender.activated' | 'sender.needs_attention' | 'sender.reset';

export function senderEvent(type: SenderEventType, config: SenderConfig): PlatformEvent {
  const data: EventData<SenderEventType> = {
    provider: config.provider,
    mode: config.mode,
    senderEmail: config.senderEmail,
    status: config.status,
    version: config.version,
    ...(config.senderKey ? { senderKey: config.senderKey } : {}),
    ...(type === 'sender.needs_attention' && config.lastError ? { code: config.lastError.code, hint: config.lastError.hint } : {}),
  };
  // A named sender's key joins the id (the default sender's ids stay what they were).
  const id = config.senderKey
    ? stableEventId(type, config.orgId, config.senderKey, config.version, config.updatedAt)
    : stableEventId(type, config.orgId, config.version, config.updatedAt);
  return { id, type, timestamp: config.updatedAt, orgId: config.orgId, data };
}
