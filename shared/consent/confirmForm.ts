/**
 * The confirmation page's form as posted back (`POST /api/oauth/confirm`): the org and nonce of the
 * consent, the page's one-time token, and the admin's decision. Anything else is refused as not ours.
 */
import { z } from 'zod';
import { MailerError } from '../errors';
import { ORG_ID_PATTERN } from '../model/sender';
import type { ConfirmationAnswer } from './callback';

const confirmationSchema = z.object({
  orgId: z.string().regex(ORG_ID_PATTERN),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  decision: z.enum(['confirm', 'cancel']),
});

export function parseConfirmation(form: URLSearchParams): ConfirmationAnswer {
  const parsed = confirmationSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) throw new MailerError('BAD_REQUEST', 'The confirmation form is incomplete or not ours; nothing was saved.');
  return parsed.data;
}
