/** Awaits a call that must fail with a MailerError and returns it (anything else fails the test). */
import { MailerError } from '@shared/errors';

export async function mailerFailure(promise: Promise<unknown>): Promise<MailerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MailerError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with a MailerError');
}
