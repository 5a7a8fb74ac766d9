/**
 * The org admin's side of org-mailer: admin links (signed, org-bound, 60 minutes), the session a
 * link's token grants, and the settings page's assets. The composition root (shared/services.ts)
 * builds the links once, from the config, the consent module's return-URL rule and the generations.
 */
import { ERROR_CODES, isErrorCode, MailerError } from '../errors';

export { createAdminLinks, pageConsentRequest, settingsPageUrl } from './links';
export type { AdminLink, AdminLinks, AdminLinksRevoked } from './links';
export { createAdminLinkGenerations } from './generations';
export type { AdminLinkGenerations } from './generations';
export type { AdminSession } from './token';

/**
 * The plain-words hint of an error code, for the page when all it has is a code (the consent
 * callback's redirect carries only `code=`). Hints are static registry text: no secrets, no data.
 */
export function explainCode(code: string): { code: string; hint: string } {
  if (!isErrorCode(code)) throw new MailerError('NOT_FOUND', 'There is no error with this code.');
  return { code, hint: ERROR_CODES[code].hint };
}
