/**
 * The daily sender-health check: finds a broken sender BEFORE a message fails on it. Every `active`
 * sender runs its provider's Test connection (`verify()`: token, permission and mailbox checks, no
 * mail sent). A check failing for a reason an admin must fix (category auth, permission or mailbox,
 * e.g. an expired client secret) marks the sender `needs_attention` through the resolver, exactly as
 * delivery would, so routing and fallback behave the same; the config view then shows the code and
 * its hint. Transient failures (retryable, timeouts) change nothing: tomorrow's run, or the next
 * message, tries again.
 *
 * One sender's failure never stops the run, and the log carries org ids and codes only.
 */
import { ERROR_CODES, MailerError, isMailerError, ErrorCode } from '../errors';
import type { VerifyCheck } from '../providers/types';
import type { SenderStore, StoredSender } from '../store/senderStore';
import type { ProviderCache } from './providerCache';
import type { SenderResolver } from './resolve';

/** 06:00 UTC daily (NCRONTAB with seconds, as Azure Functions expects). */
export const SENDER_HEALTH_SCHEDULE = '0 0 6 * * *';

const BROKEN_CATEGORIES: ReadonlySet<string> = new Set(['auth', 'permission', 'mailbox']);

export interface SenderHealthDeps {
  store: Pick<SenderStore, 'list'>;
  providers: Pick<ProviderCache, 'get'>;
  resolver: Pick<SenderResolver, 'markNeedsAttention'>;
  log: (line: string) => void;
  /** Senders checked at once (each check is a few HTTP calls to the provider). Default 4. */
  concurrency?: number;
  /** Per-sender limit; a check that takes longer counts as transient. Default 30 s. */
  timeoutMs?: number;
}

export type SenderHealthOutcome = 'healthy' | 'needs_attention' | 'transient';

export interface SenderHealthReport {
  /** Rows read (any status). */
  scanned: number;
  /** orgId -> outcome, for the active senders checked. */
  results: Record<string, { outcome: SenderHealthOutcome; code?: string }>;
}

/** The first failing check that names a code (skipped checks, "not checked: no token", have none). */
function firstFailure(checks: VerifyCheck[]): VerifyCheck | undefined {
  return checks.find((check) => !check.ok && check.code);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function checkOne(deps: SenderHealthDeps, { config }: StoredSender, timeoutMs: number): Promise<{ outcome: SenderHealthOutcome; code?: string }> {
  let checks: VerifyCheck[] | 'timeout';
  try {
    checks = await withTimeout(deps.providers.get(config).verify(), timeoutMs);
  } catch (error) {
    // verify() never throws for provider failures; building the provider may (e.g. Key Vault down).
    const code = isMailerError(error) ? error.code : 'INTERNAL';
    return { outcome: 'transient', code };
  }
  if (checks === 'timeout') return { outcome: 'transient', code: 'TIMEOUT' };
  const failure = firstFailure(checks);
  if (!failure?.code) return { outcome: 'healthy' };
  const code: ErrorCode = failure.code;
  const spec = ERROR_CODES[code];
  if (spec.retryable || !BROKEN_CATEGORIES.has(spec.category)) return { outcome: 'transient', code };
  const error = new MailerError(code, failure.message ?? `The daily check of this sender failed (${failure.name}).`, failure.hint ? { hint: failure.hint } : {});
  // With the version read: an admin who fixed (re-saved) the sender meanwhile is not overruled.
  await deps.resolver.markNeedsAttention(config.orgId, error, config.version);
  return { outcome: 'needs_attention', code };
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export async function checkSenderHealth(deps: SenderHealthDeps): Promise<SenderHealthReport> {
  const concurrency = deps.concurrency ?? 4;
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const report: SenderHealthReport = { scanned: 0, results: {} };
  let continuationToken: string | undefined;
  do {
    const page = await deps.store.list({ continuationToken });
    report.scanned += page.items.length;
    const active = page.items.filter((stored) => stored.config.status === 'active');
    await eachLimited(active, concurrency, async (stored) => {
      const orgId = stored.config.orgId;
      let result: { outcome: SenderHealthOutcome; code?: string };
      try {
        result = await checkOne(deps, stored, timeoutMs);
      } catch (error) {
        // Marking failed (e.g. Storage down): nothing changed for this sender; the run goes on.
        result = { outcome: 'transient', code: isMailerError(error) ? error.code : 'INTERNAL' };
      }
      report.results[orgId] = result;
      if (result.outcome !== 'healthy') deps.log(`sender-health: ${orgId} ${result.outcome}${result.code ? ` (${result.code})` : ''}`);
    });
    continuationToken = page.continuationToken;
  } while (continuationToken);
  const counts = Object.values(report.results).reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }), {});
  deps.log(`sender-health: scanned ${report.scanned} senders; ${JSON.stringify(counts)}`);
  return report;
}
