/**
 * Which endpoints hear an event: the enabled endpoints of the event's org and of the all-orgs scope
 * that subscribed to its type. Lists are cached per scope for a few seconds (deps.ts), so the
 * producers can ask it too: an event nobody subscribed to is not even queued, which keeps the
 * delivery pipeline's Storage traffic as it was for orgs without webhooks.
 */
import type { PlatformEvent } from '../events/types';
import type { WebhookDeps } from './deps';
import { ALL_ORGS, WebhookEndpoint } from './model';

export function createSubscriberLookup(deps: Pick<WebhookDeps, 'endpoints' | 'scopeCache'>) {
  // One read per scope at a time: a burst of events on a cold cache (every message of a flood at
  // once) waits for the read in flight instead of each querying the table. Entries leave when settled.
  const reading = new Map<string, Promise<WebhookEndpoint[]>>();

  async function endpointsOf(scope: string): Promise<WebhookEndpoint[]> {
    const cached = deps.scopeCache.get(scope);
    if (cached) return cached;
    let pending = reading.get(scope);
    if (!pending) {
      pending = deps.endpoints.list(scope).finally(() => reading.delete(scope));
      reading.set(scope, pending);
      const list = await pending;
      deps.scopeCache.set(scope, list);
      return list;
    }
    return pending;
  }

  async function subscribers(event: Pick<PlatformEvent, 'orgId' | 'type'>): Promise<WebhookEndpoint[]> {
    const scopes = [...new Set([event.orgId, ALL_ORGS])];
    const endpoints = (await Promise.all(scopes.map(endpointsOf))).flat();
    return endpoints.filter((e) => e.enabled && (e.events as string[]).includes(event.type));
  }

  /** For the bus: false only when the lists were read and nobody listens (a failed read says true: fan-out decides). */
  async function wanted(event: PlatformEvent): Promise<boolean> {
    try {
      return (await subscribers(event)).length > 0;
    } catch {
      return true;
    }
  }

  return { subscribers, wanted };
}
