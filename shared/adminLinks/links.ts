/**
 * Admin links (docs/api.md, `POST /orgs/{orgId}/admin-links`): the SaaS backend, holding the
 * function key, asks for a short-lived link to the settings page of ONE org and hands it to that
 * org's admin. The page then acts for that org only, with the token of the link and never the key.
 */
import { z } from 'zod';
import { orgNameSchema } from '../consent/orgName';
import type { Config } from '../config';
import { MailerError } from '../errors';
import type { AdminLinkGenerations } from './generations';
import { AdminSession, readAdminToken, signAdminToken } from './token';

export interface AdminLinksDeps {
  config: Readonly<Config>;
  /** The consent module's allowlist check (RETURN_URL_ALLOWLIST + PUBLIC_BASE_URL's origin): one rule for both. */
  returnUrlAllowed(url: string): boolean;
  /** The org's link generation: a revoke or a Reset moves it on and old links stop working. */
  generations: AdminLinkGenerations;
  /** The time links are signed and checked at (the composition root's clock). */
  now: () => number;
}

export interface AdminLinksRevoked {
  orgId: string;
  /** Links issued before this instant no longer work. */
  revokedAt: string;
}

export interface AdminLink {
  url: string;
  expiresAt: string;
}

/** Where the page lives; also where consent started from the page comes back to. */
export function settingsPageUrl(config: Readonly<Config>): string {
  return `${config.publicBaseUrl}/api/settings`;
}

/**
 * The body of a consent link asked for by the settings page (`POST /api/manage/sender/consent-link`):
 * consent started from the page comes back to the page, so the caller does not pick the return URL
 * (a token holder cannot send the admin's browser elsewhere). Anything but an object is left for the
 * sender schema to refuse.
 */
export function pageConsentRequest(body: unknown, config: Readonly<Config>, session: Pick<AdminSession, 'orgName'>): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  // The org's name is the one the SaaS signed into the link, whatever the page sends.
  const { orgName: _ignored, ...rest } = body as Record<string, unknown>;
  return { ...rest, returnUrl: settingsPageUrl(config), ...(session.orgName ? { orgName: session.orgName } : {}) };
}

/** `POST /orgs/{orgId}/admin-links` body; exported for the OpenAPI document (shared/openapi). */
export const adminLinkInputSchema = z
  .object({
    returnUrl: z
      .url({ message: 'returnUrl must be an absolute http(s) URL', protocol: /^https?$/ })
      .max(2048)
      .optional(),
    orgName: orgNameSchema.optional(),
  })
  .strict();

function parseLinkInput(body: unknown): { returnUrl?: string; orgName?: string } {
  const parsed = adminLinkInputSchema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.join('.') || 'body'];
    for (const key of keys) fields[key] ??= issue.code === 'unrecognized_keys' ? 'is not a field of an admin link request' : issue.message;
  }
  throw new MailerError('VALIDATION_FAILED', `The admin link request is invalid: ${Object.keys(fields).join(', ')}.`, { fields });
}

export function createAdminLinks(deps: AdminLinksDeps) {
  const now = deps.now;
  return {
    /** A link to the settings page for `orgId`, valid for 60 minutes. The token rides in the fragment. */
    async create(orgId: string, body: unknown): Promise<AdminLink> {
      const { returnUrl, orgName } = parseLinkInput(body);
      if (returnUrl !== undefined && !deps.returnUrlAllowed(returnUrl)) {
        throw new MailerError('RETURN_URL_NOT_ALLOWED', "The return URL's origin is not allowed.", {
          fields: { returnUrl: 'origin is not in RETURN_URL_ALLOWLIST' },
        });
      }
      const generation = await deps.generations.current(orgId);
      const { token, expiresAt } = await signAdminToken(orgId, deps.config.stateSigningKey, { returnUrl, orgName, now: now(), generation });
      // A fragment is never sent to a server (RFC 3986 section 3.5), so the token stays out of access logs and Referer.
      return { url: `${settingsPageUrl(deps.config)}#token=${token}`, expiresAt };
    },

    /** The org and expiry a bearer token grants; ADMIN_LINK_INVALID (401) when missing, tampered, expired or revoked. */
    async session(token: string | undefined): Promise<AdminSession> {
      const { session, generation } = await readAdminToken(token, deps.config.stateSigningKey, now());
      if (generation !== (await deps.generations.current(session.orgId))) {
        throw new MailerError(
          'ADMIN_LINK_INVALID',
          'This settings link was revoked: the sender was reset, or the application revoked its links.',
        );
      }
      return session;
    },

    /** `POST /orgs/{orgId}/admin-links/revoke`: every link of the org issued until now stops working. */
    async revoke(orgId: string): Promise<AdminLinksRevoked> {
      await deps.generations.revoke(orgId);
      return { orgId, revokedAt: new Date(now()).toISOString() };
    },
  };
}

export type AdminLinks = ReturnType<typeof createAdminLinks>;
