/** The platform's event envelope, where the event modules and their users import it (defined in model/events.ts, so stores can use it too). */
export type { PlatformEvent, PlatformEventSink } from '../model/events';
