/**
 * The org admin's side of org-mailer: admin links (signed, org-bound, 60 minutes), the session a
 * link's token grants, and the settings page's assets. Built from the process services on demand:
 * it holds no clients, only the config and the consent module's return-URL rule.
 */
import { ERROR_CODES, isErrorCode, MailerError } from '../errors';
import type { Services } from '../services';
import { AdminLinks, createAdminLinks } from './links';

export { pageConsentRequest, settingsPageUrl } from './links';
export type { AdminLink, AdminLinks, AdminLinksRevoked } from './links';
export { createAdminLinkGenerations } from './generations';
export type { AdminLinkGenerations } from './generations';
export type { AdminSession } from './token';

const built = new WeakMap<object, AdminLinks>();

export function adminLinksOf(services: Pick<Services, 'config' | 'consent' | 'adminLinkGenerations'>): AdminLinks {
  let links = built.get(services);
  if (!links) {
    const { config, consent, adminLinkGenerations: generations } = services;
    built.set(services, (links = createAdminLinks({ config, returnUrlAllowed: consent.returnUrlAllowed, generations })));
  }
  return links;
}

/**
 * The plain-words hint of an error code, for the page when all it has is a code (the consent
 * callback's redirect carries only `code=`). Hints are static registry text: no secrets, no data.
 */
export function explainCode(code: string): { code: string; hint: string } {
  if (!isErrorCode(code)) throw new MailerError('NOT_FOUND', 'There is no error with this code.');
  return { code, hint: ERROR_CODES[code].hint };
}
