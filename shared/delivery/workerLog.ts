/** The worker's log line for each outcome (never message contents). */
import type { Decision } from './decide';
import type { Outcome, WorkerLog } from './workerTypes';

export function logOutcome(log: WorkerLog, where: string, outcome: Outcome, decision: Decision): Outcome {
  if (decision.act === 'drop' || decision.act === 'wait') log.info(`outbox: ${where} ${decision.why}; ${outcome}`);
  else if (decision.act === 'record-proof' && outcome === 'sent') log.info(`outbox: ${where} sent (recorded from the proof of acceptance)`);
  else if (outcome === 'conflict')
    log.warn(
      `outbox: ${where}: IDEMPOTENCY_CONFLICT: a copy with other content than the first one seen under this id was dropped, not sent`,
    );
  else if (outcome === 'uncertain')
    log.warn(`outbox: ${where}: DELIVERY_UNCERTAIN: an attempt ended without a recorded answer; not sent again`);
  else if (outcome === 'unrecorded')
    log.warn(`outbox: ${where}: accepted by the provider, not recorded yet (Storage); a follow-up records it`);
  else log.info(`outbox: ${where} ${outcome}`);
  return outcome;
}
