/**
 * Opaque paging cursors of the directory reading API: a JWT signed with STATE_SIGNING_KEY (HS256,
 * jose) that binds the org and the listing (which list, which search, which group) to the position
 * to continue from. A cursor that was not handed out, was edited, or belongs to another org or another
 * listing fails verification and answers 400 INVALID_CURSOR; nothing else about it is said.
 * Its own audience keeps it apart from consent states signed with the same key.
 * https://github.com/panva/jose/blob/main/docs/jwt/sign/classes/SignJWT.md
 */
import { SignJWT, jwtVerify } from 'jose';
import { MailerError } from '../errors';

const ISSUER = 'org-mailer';
const AUDIENCE = 'org-mailer/directory-cursor';
/** A listing is paged within a working session; a day is generous and keeps old links from living forever. */
const CURSOR_TTL_SECONDS = 24 * 3600;

export interface CursorCodec {
  /** `listing` names what is paged (e.g. `users?q=ada`); `position` is where the next page starts. */
  sign(orgId: string, listing: string, position: Record<string, string>): Promise<string>;
  /** The position, or INVALID_CURSOR. */
  verify(orgId: string, listing: string, cursor: string): Promise<Record<string, string>>;
}

const invalid = () => new MailerError('INVALID_CURSOR', 'The cursor is not one this listing handed out.');

export function createCursorCodec(signingKey: string, clock: () => number = Date.now): CursorCodec {
  const key = new TextEncoder().encode(signingKey);
  return {
    async sign(orgId, listing, position) {
      const iat = Math.floor(clock() / 1000);
      return new SignJWT({ lst: listing, pos: position })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(orgId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + CURSOR_TTL_SECONDS)
        .sign(key);
    },
    async verify(orgId, listing, cursor) {
      if (cursor.length > 4096) throw invalid();
      try {
        const { payload } = await jwtVerify(cursor, key, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          subject: orgId,
          currentDate: new Date(clock()),
        });
        const position = payload.pos as Record<string, unknown> | undefined;
        if (payload.lst !== listing || !position || typeof position !== 'object') throw invalid();
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(position)) {
          if (typeof value !== 'string') throw invalid();
          out[name] = value;
        }
        return out;
      } catch {
        throw invalid();
      }
    },
  };
}
