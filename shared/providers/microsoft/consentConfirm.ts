/**
 * The proof behind an admin consent's answer: an app-only token of the consented app, in the tenant the
 * admin proved, whose `roles` carry what the consent grants (Mail.Send; User.Read.All and Group.Read.All
 * for the directory app). `/adminconsent` grants every app role the registration asks for
 * (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent), so right after a real consent
 * those roles are in Entra; a typed answer (the consent page skipped) leaves them out even where the
 * app already has a service principal. Exchange RBAC for Applications never adds to `roles` (it is
 * checked by Exchange, per mailbox), which is why only THIS moment requires Mail.Send in the token and
 * the later health run does not (provider.ts).
 *
 * Entra replicates a new service principal and its role assignments for seconds to minutes: until then
 * the token request answers AADSTS700016 / AADSTS7000229, or the token lacks the roles. So the check is
 * retried on a bounded back-off (about two minutes, the pauses below), then refused with a code that
 * says which of the two it was. Nothing is stored before it passes.
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes (AADSTS700016, AADSTS7000229)
 */
import { decodeJwt } from 'jose';
import type { TokenCredential } from '@azure/identity';
import { ERROR_CODES, MailerError } from '../../errors';
import { withDeadline } from '../deadline';
import type { ProviderContext } from '../module';
import { GRAPH_DEFAULT_SCOPE } from './credentials';
import { classifyCredentialError } from './errors';

/** Pauses between attempts: 119 s in all, eight attempts. */
export const CONFIRM_PAUSES_MS: readonly number[] = [2_000, 4_000, 8_000, 15_000, 30_000, 30_000, 30_000];
/**
 * Wall-clock bound of the whole confirmation, attempts included (each has its own call deadline): the
 * callback request must end well inside the 230 s the Azure front end gives an HTTP request
 * (https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout).
 */
const CONFIRM_BUDGET_MS = 150_000;

/** What Entra answers while a new service principal has not reached the region serving the request. */
const NOT_YET_VISIBLE: ReadonlySet<string> = new Set(['AADSTS700016', 'AADSTS7000229']);

/** One token request: the roles of the token, or the classified refusal. */
export type Attempt = { roles: string[] } | { error: MailerError };

export interface GrantCheck {
  /** A NEW credential per attempt: a credential caches its token, which would hide a role that replicated since. */
  credential(): TokenCredential;
  /** App roles the consent grants. */
  needs: readonly string[];
  /** For hints about the app's secret. */
  clientId?: string;
}

/** Pure: done, wait and ask again, or a refusal no waiting can change (a bad secret, a disabled app). */
export function judgeAttempt(attempt: Attempt, needs: readonly string[]): 'granted' | 'wait' | MailerError {
  if ('roles' in attempt) return needs.every((role) => attempt.roles.includes(role)) ? 'granted' : 'wait';
  const { error } = attempt;
  return NOT_YET_VISIBLE.has(error.providerCode ?? '') || ERROR_CODES[error.code].retryable ? 'wait' : error;
}

/** Pure: the refusal once every pause is spent, naming what was still missing. */
export function refusalAfterWaiting(attempt: Attempt, needs: readonly string[], tenantId: string): MailerError {
  if ('roles' in attempt) {
    const missing = needs.filter((role) => !attempt.roles.includes(role));
    return new MailerError(
      'CONSENT_PERMISSION_NOT_GRANTED',
      `The app's token in tenant ${tenantId} does not carry ${missing.join(' and ')}, which this consent grants, so no consent for it happened. Nothing was saved.`,
    );
  }
  if (NOT_YET_VISIBLE.has(attempt.error.providerCode ?? '')) {
    return new MailerError(
      'CONSENT_REPLICATION_TIMEOUT',
      `After about two minutes Entra ID still did not know the app in tenant ${tenantId} (${attempt.error.providerCode}). Nothing was saved.`,
      {
        providerCode: attempt.error.providerCode,
      },
    );
  }
  return attempt.error;
}

function rolesOf(token: string): string[] {
  try {
    const roles = decodeJwt(token).roles;
    return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [];
  } catch {
    return [];
  }
}

async function attemptOnce(ctx: ProviderContext, check: GrantCheck): Promise<Attempt> {
  try {
    const credential = check.credential();
    const token = await withDeadline(ctx.config.providerCallTimeoutMs, 'The Entra ID token endpoint', (abortSignal) =>
      credential.getToken(GRAPH_DEFAULT_SCOPE, { abortSignal }),
    );
    if (!token) return { error: new MailerError('PROVIDER_UNAVAILABLE', 'Entra ID returned no token.') };
    return { roles: rolesOf(token.token) };
  } catch (error) {
    return { error: classifyCredentialError(error, { clientId: check.clientId }) };
  }
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once the grant is proven; throws the classified refusal otherwise (after the back-off when waiting can help). */
export async function confirmGrant(ctx: ProviderContext, tenantId: string, check: GrantCheck): Promise<void> {
  const sleep = ctx.sleep ?? timer;
  const started = Date.now();
  for (let pause = 0; ; pause += 1) {
    const attempt = await attemptOnce(ctx, check);
    const verdict = judgeAttempt(attempt, check.needs);
    if (verdict === 'granted') return;
    if (verdict !== 'wait') throw verdict;
    const spent = pause >= CONFIRM_PAUSES_MS.length || Date.now() - started + CONFIRM_PAUSES_MS[pause] > CONFIRM_BUDGET_MS;
    if (spent) throw refusalAfterWaiting(attempt, check.needs, tenantId);
    await sleep(CONFIRM_PAUSES_MS[pause]);
  }
}
