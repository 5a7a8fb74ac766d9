/** The shape of one sender mode's rules (each provider's senderModes.ts fills it; ./senderModes.ts joins them). */
import type { SenderConfig } from '../model/sender';

export interface SenderModeRules {
  /** A consent (sign-in or admin consent) fills this mode's tenant/account fields. */
  consent: boolean;
  /**
   * The secret the first save must carry. A re-save of the same provider and mode may leave it out to
   * keep the saved one (the admin re-enters the alias, not the secret), as the settings page does.
   */
  secret?: { field: 'clientSecret' | 'serviceAccountKey'; missing: string };
  /** What a config of this mode still lacks before it can send (422 fields), beyond sender email and alias. */
  missing(config: SenderConfig): Record<string, string>;
}

/** `{ [field]: why }` when `ok` is falsy: one missing field of a config, for `missing()`. */
export function need(ok: unknown, field: string, why: string): Record<string, string> {
  return ok ? {} : { [field]: why };
}
