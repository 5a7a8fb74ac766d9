/**
 * The daily sender-health check: finds a broken sender BEFORE a message fails on it. Every `active`
 * sender runs its provider's Test connection (`verify()`: token, permission and mailbox checks, no
 * mail sent). A check failing for a reason an admin must fix (category auth, permission or mailbox,
 * e.g. an expired client secret) marks the sender `needs_attention` through the resolver, exactly as
 * delivery would, so routing and fallback behave the same; the config view then shows the code and
 * its hint. Transient failures (retryable, timeouts) change nothing: tomorrow's run, or the next
 * message, tries again.
 *
 * Before that, the keep-alive (keepAlive.ts) refreshes idle delegated/OAuth sign-ins, and a refusal
 * marks the sender the same way. After it, the sender domain's SPF, DKIM and DMARC are checked and
 * stored for the config view: warnings only, they never change the status. Every row (any status)
 * with a client secret near its end gets its `sender.secret_expiring` notice (secretExpiry.ts).
 *
 * One sender's failure never stops the run, and the log carries org ids and codes only.
 */
import { ERROR_CODES, MailerError, isMailerError, ErrorCode } from '../errors';
import type { VerifyCheck } from '../providers/types';
import type { PlatformEventSink } from '../events/types';
import type { SenderStore, StoredSender } from '../store/senderStore';
import { needsKeepAlive } from './keepAlive';
import type { SenderConfig } from '../model/sender';
import type { ProviderCache } from './providerCache';
import type { SenderResolver } from './resolve';
import { dueSecretNotice } from './secretExpiry';
import { domainCheckRecord } from './warnings';

const BROKEN_CATEGORIES: ReadonlySet<string> = new Set(['auth', 'permission', 'mailbox']);

export interface SenderHealthDeps {
  store: Pick<SenderStore, 'list'> & Partial<Pick<SenderStore, 'patch'>>;
  providers: Pick<ProviderCache, 'get'>;
  resolver: Pick<SenderResolver, 'markNeedsAttention'>;
  log: (line: string) => void;
  /** Senders checked at once (each check is a few HTTP calls to the provider). Default 4. */
  concurrency?: number;
  /** Per-sender limit; a check that takes longer counts as transient. Default 30 s. */
  timeoutMs?: number;
  now?: () => Date;
  /** Refresh delegated/OAuth sign-ins unused this long (SENDER_KEEPALIVE_IDLE_DAYS); absent: no keep-alive. */
  keepAliveIdleMs?: number;
  /** The sender-domain checks (SPF, DKIM, DMARC); absent: not run. */
  domainChecks?: (config: SenderConfig) => Promise<VerifyCheck[]>;
  /** Where `sender.secret_expiring` notices go; absent: none are sent. */
  events?: PlatformEventSink;
}

export type SenderHealthOutcome = 'healthy' | 'needs_attention' | 'transient';

export interface SenderHealthReport {
  /** Rows read (any status). */
  scanned: number;
  /** orgId -> outcome, for the active senders checked; `refreshed` when the keep-alive refreshed its sign-in. */
  results: Record<string, { outcome: SenderHealthOutcome; code?: string; refreshed?: boolean }>;
  /** Ids of the platform events sent (secret expiry notices). */
  events: string[];
}

type Result = SenderHealthReport['results'][string];

/**
 * The first failing check that names a code (skipped checks, "not checked: no token", and warnings have
 * none that count). What a token's claims say is only ever a warning or a skip (microsoft/verifyChecks.ts:
 * Exchange RBAC for Applications never shows in `roles`), so a status changes only on a real answer.
 */
function firstFailure(checks: VerifyCheck[]): VerifyCheck | undefined {
  return checks.find((check) => !check.ok && check.code && check.level !== 'warning' && !check.skipped);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** An auth/permission/mailbox failure marks the sender (as delivery would); anything else is transient. */
async function judge(deps: SenderHealthDeps, config: SenderConfig, error: MailerError): Promise<Result> {
  const spec = ERROR_CODES[error.code];
  if (spec.retryable || !BROKEN_CATEGORIES.has(spec.category)) return { outcome: 'transient', code: error.code };
  // With the version read: an admin who fixed (re-saved) the sender meanwhile is not overruled.
  await deps.resolver.markNeedsAttention(config.orgId, error, config.version, config.senderKey);
  return { outcome: 'needs_attention', code: error.code };
}

/** Keep-alive: 'refreshed', undefined when not due (or nothing to refresh), else the outcome of the refused refresh. */
async function keepAlive(deps: SenderHealthDeps, config: SenderConfig, timeoutMs: number): Promise<Result | 'refreshed' | undefined> {
  const now = deps.now?.() ?? new Date();
  if (deps.keepAliveIdleMs === undefined || !needsKeepAlive(config, now, deps.keepAliveIdleMs)) return undefined;
  let refreshed: boolean | 'timeout';
  try {
    refreshed = await withTimeout(deps.providers.get(config).keepAlive?.() ?? Promise.resolve(false), timeoutMs);
  } catch (error) {
    return isMailerError(error) ? judge(deps, config, error) : { outcome: 'transient', code: 'INTERNAL' };
  }
  if (refreshed === 'timeout') return { outcome: 'transient', code: 'TIMEOUT' };
  if (!refreshed) return undefined;
  await deps.store.patch?.(config.orgId, { lastUsedAt: now.toISOString() }, config.senderKey).catch(() => undefined);
  return 'refreshed';
}

async function checkOne(deps: SenderHealthDeps, { config }: StoredSender, timeoutMs: number): Promise<Result> {
  const kept = await keepAlive(deps, config, timeoutMs);
  if (kept && kept !== 'refreshed') return kept;
  const refreshed = kept === 'refreshed' ? { refreshed: true } : {};
  let checks: VerifyCheck[] | 'timeout';
  try {
    checks = await withTimeout(deps.providers.get(config).verify(), timeoutMs);
  } catch (error) {
    // verify() never throws for provider failures; building the provider may (e.g. Key Vault down).
    const code = isMailerError(error) ? error.code : 'INTERNAL';
    return { outcome: 'transient', code };
  }
  if (checks === 'timeout') return { outcome: 'transient', code: 'TIMEOUT', ...refreshed };
  await checkDomain(deps, config);
  const failure = firstFailure(checks);
  if (!failure?.code) return { outcome: 'healthy', ...refreshed };
  const code: ErrorCode = failure.code;
  const error = new MailerError(
    code,
    failure.message ?? `The daily check of this sender failed (${failure.name}).`,
    failure.hint ? { hint: failure.hint } : {},
  );
  return { ...(await judge(deps, config, error)), ...refreshed };
}

/** The sender domain's records, stored for the config view's warnings; never changes the status. */
async function checkDomain(deps: SenderHealthDeps, config: SenderConfig): Promise<void> {
  if (!deps.domainChecks || !deps.store.patch) return;
  try {
    const record = domainCheckRecord(await deps.domainChecks(config), (deps.now?.() ?? new Date()).toISOString());
    if (record) await deps.store.patch(config.orgId, { domainCheck: record }, config.senderKey);
  } catch {
    // Best effort: tomorrow's run (or Test connection) checks again.
  }
}

/** The secret-expiry notice due for this row, sent once (remembered on the row). */
async function notifyExpiry(deps: SenderHealthDeps, config: SenderConfig, sent: string[]): Promise<void> {
  if (!deps.events || !deps.store.patch) return;
  const due = dueSecretNotice(config, deps.now?.() ?? new Date());
  if (!due) return;
  await deps.events(due.event);
  sent.push(due.event.id);
  await deps.store.patch(config.orgId, { secretExpiryNotified: due.notified }, config.senderKey);
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
  const report: SenderHealthReport = { scanned: 0, results: {}, events: [] };
  let continuationToken: string | undefined;
  do {
    const page = await deps.store.list({ continuationToken });
    report.scanned += page.items.length;
    for (const stored of page.items) {
      await notifyExpiry(deps, stored.config, report.events).catch((error) =>
        deps.log(`sender-health: ${stored.config.orgId} expiry notice failed (${isMailerError(error) ? error.code : 'INTERNAL'})`),
      );
    }
    const active = page.items.filter((stored) => stored.config.status === 'active');
    await eachLimited(active, concurrency, async (stored) => {
      const orgId = stored.config.orgId;
      let result: Result;
      try {
        result = await checkOne(deps, stored, timeoutMs);
      } catch (error) {
        // Marking failed (e.g. Storage down): nothing changed for this sender; the run goes on.
        result = { outcome: 'transient', code: isMailerError(error) ? error.code : 'INTERNAL' };
      }
      report.results[orgId] = result;
      if (result.outcome !== 'healthy') deps.log(`sender-health: ${orgId} ${result.outcome}${result.code ? ` (${result.code})` : ''}`);
      if (result.refreshed) deps.log(`sender-health: ${orgId} keep-alive refreshed the sign-in`);
    });
    continuationToken = page.continuationToken;
  } while (continuationToken);
  const counts = Object.values(report.results).reduce<Record<string, number>>(
    (acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }),
    {},
  );
  deps.log(`sender-health: scanned ${report.scanned} senders; ${JSON.stringify(counts)}`);
  return report;
}
