/**
 * The modes each provider supports: the sender schema validates against it, the OpenAPI document
 * lists it, and the settings page's script (shared/adminLinks/page/client, bundled for the browser)
 * offers it. A leaf module with no runtime imports, so the browser bundle takes nothing else along.
 * No prototype: callers look names up with `in` and `[]`, and "constructor" or "__proto__" from a
 * request body must not find Object.prototype's members there.
 */
import type { ProviderName, SenderMode } from '../model/sender';

export const PROVIDER_MODES: Readonly<Record<ProviderName, readonly SenderMode[]>> = Object.freeze(
  Object.assign(Object.create(null) as Record<ProviderName, readonly SenderMode[]>, {
    microsoft: ['admin_consent', 'app_registration', 'delegated'],
    google: ['oauth', 'service_account'],
  }),
);
