/**
 * The cost model: what one million messages cost on Flex Consumption, from
 * what the bench measured per message (Storage requests per service at the proxy, Key Vault
 * requests in the sandbox log, the worker's CPU and wall time) and the published unit prices below.
 *
 * Prices: Azure list prices, pay-as-you-go, USD, East US, without free grants. This machine cannot
 * reach the pricing pages; the figures are as published there when last read (month given with
 * each) and rounded as published. Check the pages before quoting a bill.
 */

/**
 * Flex Consumption, on demand: "the total amount of memory provisioned while each on demand
 * instance is actively executing functions (in GB-seconds)" plus executions
 * (https://learn.microsoft.com/azure/azure-functions/functions-consumption-costs;
 * https://azure.microsoft.com/pricing/details/functions/, as published May 2025: $0.000026 per
 * GB-s and $0.40 per million executions).
 */
export const FLEX_ON_DEMAND_USD_PER_GB_SECOND = 0.000026;
export const FLEX_USD_PER_MILLION_EXECUTIONS = 0.4;
/** The app's instance memory (infra/main.bicep `instanceMemoryMB`, Flex's default 2,048 MB). */
export const INSTANCE_MEMORY_GB = 2;
/**
 * Queue Storage, GPv2 LRS: class 1 (put, update, delete) and class 2 (get) operations
 * (https://azure.microsoft.com/pricing/details/storage/queues/, as published 2025: $0.004 per
 * 10,000 each; the proxy does not tell the classes apart, and both cost the same).
 */
export const QUEUE_USD_PER_10K = 0.004;
/** Table Storage, LRS: $0.00036 per 10,000 transactions (https://azure.microsoft.com/pricing/details/storage/tables/, as published 2025). */
export const TABLE_USD_PER_10K = 0.00036;
/**
 * Blob Storage, hot tier LRS: write operations $0.05 per 10,000, reads $0.004
 * (https://azure.microsoft.com/pricing/details/storage/blobs/, as published 2025). The proxy
 * does not tell reads from writes: every blob request is priced as a write (an upper bound).
 */
export const BLOB_USD_PER_10K = 0.05;
/** Key Vault Standard, secrets operations: $0.03 per 10,000 (https://azure.microsoft.com/pricing/details/key-vault/, as published 2025). */
export const KEY_VAULT_USD_PER_10K = 0.03;

export const MILLION = 1_000_000;

/** What one variant used per message, as measured. */
export interface PerMessage {
  /** CPU of the worker (and, for the pipeline, of the enqueue API) per message, ms. */
  cpuMs: number;
  /** Wall time per message at the bench's concurrency (one mailbox, 4 concurrent sends), ms. */
  wallMs: number;
  /** Function executions per message (the pipeline: the enqueue request and the outbox trigger). */
  executions: number;
  queue: number;
  table: number;
  blob: number;
  keyVault: number;
}

export interface CostLine {
  item: string;
  /** Units per million messages, their price, and the cost in USD. */
  quantity: number;
  unit: string;
  unitPrice: string;
  usd: number;
}

/**
 * Cost per million messages. Execution time is given twice, as bounds: `busy` counts only the CPU
 * (an instance with many mailboxes in flight is busy computing for that long per message);
 * `measured` counts the wall time per message of this run's one mailbox at 4 concurrent sends
 * (an instance that serves nothing else is billed for all of it, waiting included).
 */
export function costPerMillion(m: PerMessage): { lines: CostLine[]; totalBusyUsd: number; totalMeasuredUsd: number } {
  const gbSeconds = (ms: number) => (ms / 1000) * INSTANCE_MEMORY_GB * MILLION;
  const per10k = (count: number, price: number) => ({ quantity: count * MILLION, usd: ((count * MILLION) / 10_000) * price });
  const busy = gbSeconds(m.cpuMs);
  const measured = gbSeconds(m.wallMs);
  const lines: CostLine[] = [
    {
      item: 'Flex execution time, busy instance (CPU per message)',
      quantity: busy,
      unit: 'GB-s',
      unitPrice: `$${FLEX_ON_DEMAND_USD_PER_GB_SECOND}/GB-s`,
      usd: busy * FLEX_ON_DEMAND_USD_PER_GB_SECOND,
    },
    {
      item: 'Flex execution time, as measured (wall time per message, one mailbox)',
      quantity: measured,
      unit: 'GB-s',
      unitPrice: `$${FLEX_ON_DEMAND_USD_PER_GB_SECOND}/GB-s`,
      usd: measured * FLEX_ON_DEMAND_USD_PER_GB_SECOND,
    },
    {
      item: 'Flex executions',
      quantity: m.executions * MILLION,
      unit: 'executions',
      unitPrice: `$${FLEX_USD_PER_MILLION_EXECUTIONS}/million`,
      usd: m.executions * FLEX_USD_PER_MILLION_EXECUTIONS,
    },
    { item: 'Queue Storage requests', ...per10k(m.queue, QUEUE_USD_PER_10K), unit: 'requests', unitPrice: `$${QUEUE_USD_PER_10K}/10k` },
    { item: 'Table Storage requests', ...per10k(m.table, TABLE_USD_PER_10K), unit: 'requests', unitPrice: `$${TABLE_USD_PER_10K}/10k` },
    {
      item: 'Blob Storage requests (priced as writes)',
      ...per10k(m.blob, BLOB_USD_PER_10K),
      unit: 'requests',
      unitPrice: `$${BLOB_USD_PER_10K}/10k`,
    },
    {
      item: 'Key Vault operations',
      ...per10k(m.keyVault, KEY_VAULT_USD_PER_10K),
      unit: 'operations',
      unitPrice: `$${KEY_VAULT_USD_PER_10K}/10k`,
    },
  ];
  const rest = lines.slice(2).reduce((sum, line) => sum + line.usd, 0);
  return { lines, totalBusyUsd: lines[0].usd + rest, totalMeasuredUsd: lines[1].usd + rest };
}
