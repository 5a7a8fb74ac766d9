/**
 * Which mailbox an org's messages go out from, decided in ONE place for the resolver (delivery) and
 * the config view (what the admin sees):
 *
 * - `active`: the org's own sender.
 * - `needs_attention` (delivery hit an auth/permission/mailbox error): with `fallbackToDefault`, the
 *   default sender, so the org keeps getting its notifications while the admin fixes the cause and
 *   re-tests (and a broken credential is not hammered once per message); without it, still the
 *   org's own sender: the org chose "never from another mailbox", so messages are tried there and
 *   fail with the real code (or go out again as soon as the admin fixed the tenant side).
 * - `draft` (saved or reset, not tested) or no config: the default sender.
 */
import type { SenderConfig } from '../model/sender';

export type Route = 'org' | 'default';

export function routeFor(config: SenderConfig | undefined): Route {
  if (!config) return 'default';
  if (config.status === 'active') return 'org';
  if (config.status === 'needs_attention' && !config.fallbackToDefault) return 'org';
  return 'default';
}
