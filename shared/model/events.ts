/**
 * The platform's event envelope: one shape for every event a SaaS can hear about (message, sender,
 * directory, webhook), whatever carries it (the webhook dispatcher, logs). Modelled on the Standard
 * Webhooks payload convention (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 * `type` is a dotted name, `timestamp` an ISO 8601 instant, `data` the event's own object.
 *
 * `id` is stable: the same occurrence always gets the same id (derive it from what happened, e.g.
 * type + org + subject + version), so a retried publish never looks like a second event and
 * receivers can de-duplicate on it.
 */
export interface PlatformEvent<TType extends string = string, TData extends object = Record<string, unknown>> {
  id: string;
  type: TType;
  timestamp: string;
  orgId: string;
  data: TData;
}

/** Where producers hand their events. Best effort: a sink never throws for a transport failure. */
export type PlatformEventSink = (event: PlatformEvent) => Promise<void>;
