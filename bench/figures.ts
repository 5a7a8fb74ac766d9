/**
 * The figures one bench run measures under one latency profile, and the two per-message measures
 * that both the report and the side-by-side comparison (comparison.ts) compute from them.
 */
import type { DeliveryResult, DeliveryVariant } from './delivery';
import type { FairnessResult } from './fairness';
import type { MemoryResult } from './memory';
import type { ProfileName } from './profiles';
import type { SideCosts } from './stack';
import type { TypedClientResult } from './typedClient';

/** The figures of the delivery part that `--repeats` measures once per repetition (bench/comparison.ts, REPEATED). */
export type RepeatedFigure = 'apiStorage' | 'typedStorage' | 'appCpu';

export interface Measured<T> {
  result: T;
  side: SideCosts;
}

/** Everything measured under one latency profile (a part left out by `--only` is absent). */
export interface ProfileFigures {
  profile: ProfileName;
  rounds: number;
  delivery?: Record<DeliveryVariant, Measured<DeliveryResult>>;
  /** The typed-client path (bench/typedClient.ts), part of `delivery`; absent from results of trees without it. */
  typed?: Measured<TypedClientResult>;
  fairness?: Measured<FairnessResult>;
  /** A separate pipeline run with the CPU profiler on (bench/cpuProfile.ts). */
  cpuProfiled?: Measured<DeliveryResult>;
  /** With `--repeats N` (N > 1): each repeated figure's value in each repetition (bench/comparison.ts compares the medians). */
  runs?: Partial<Record<RepeatedFigure, number[]>>;
  /** The worker as a process of its own, at the size (bench/memory.ts). */
  memory?: Measured<MemoryResult>;
}

/**
 * Requests per 1,000 messages per sender: a token or a secret read serves every message of one
 * sender for its lifetime (an hour, SECRET_CACHE_TTL_SECONDS), so the figure is per sender and
 * reads against the target (at most 1) only from a run of at least 1,000 messages per sender.
 */
export const perSenderPer1000 = (count: number, messages: number, senders = 1) =>
  (count / senders) * (1000 / Math.max(1000, messages / senders));

/** Storage requests per delivered message, at the proxy, over the pipeline child's whole run (sender set-up, enqueue API, worker). */
export function storagePerMessage(m: { result: { messages: number }; side: Pick<SideCosts, 'storageRequests'> }): {
  queue: number;
  table: number;
  blob: number;
  total: number;
} {
  const { queue, table, blob } = m.side.storageRequests;
  const n = m.result.messages;
  return { queue: queue / n, table: table / n, blob: blob / n, total: (queue + table + blob) / n };
}
